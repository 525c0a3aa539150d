"""The one quoting path into TeX: text, typewriter text, file names (aisci/tex_quote.py)."""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

import pytest

from aisci.tex_quote import (
    SAFE_NAME_MAX,
    UnsafeTexName,
    is_safe_file_name,
    tex_file_name,
    tex_text,
    tex_tt,
)
from tests.paper.helpers import needs_tex

SERVER = Path(__file__).resolve().parents[2] / "server" / "aisci"

ATTACKS = [
    "val_loss.png}\\input{^^2fetc^^2fshadow}\\includegraphics{val_loss.png",
    "\\immediate\\openout5=pwned.txt \\immediate\\write5{x}\\immediate\\closeout5",
    "^^5cinput{secret}",  # ^^5c is a backslash
    "^^5c^^69nput{secret}",
    "{\\catcode`\\^=7 ^^5cinput{secret}}",
    "a\nb\n\nc\\par\\input secret ",
    "$\\input{secret}$ & # % ~ _",
]


def test_every_special_becomes_the_command_that_prints_it():
    assert tex_text("\\ { } $ & # ^ _ % ~") == (
        r"\textbackslash{} \{ \} \$ \& \# \textasciicircum{} \_ \% \textasciitilde{}"
    )
    assert tex_text("plain words, 1.5 (ok) [x] 'q'") == "plain words, 1.5 (ok) [x] 'q'"
    assert tex_tt("val_loss") == r"\texttt{val\_loss}"


@pytest.mark.parametrize("attack", ATTACKS)
def test_no_command_brace_or_hat_survives(attack):
    quoted = tex_text(attack)
    # What is left of TeX's syntax is only what the quoting wrote: each backslash starts one of
    # its own commands, and no ^ remains to start a ^^ sequence.
    commands = set(quoted.split("\\")[1:])
    assert all(
        c[:1] in "{}$&#_%"
        or c.startswith(("textbackslash{}", "textasciicircum{}", "textasciitilde{}"))
        for c in commands
    ), quoted
    assert "^" not in quoted
    stripped = quoted.replace("{}", "").replace("\\{", "").replace("\\}", "")
    assert "{" not in stripped and "}" not in stripped


def test_control_characters_become_spaces():
    # A blank line is a paragraph break (an error inside \caption); ^^M ends a line; \x7f and
    # \x00 are invalid to TeX; C1 controls are no text either.
    assert tex_text("a\n\nb\r\tc\x00d\x7fe\x85f\x1bg") == "a  b  c d e f g"
    assert tex_text("lone \udcff surrogate") == "lone ? surrogate"
    assert tex_text("Grüße, ½") == "Grüße, ½"  # other text stays text


@pytest.mark.parametrize(
    "name",
    [
        "val_loss.png",
        "fig-2.pdf",
        "a.b.png",
        "X.PNG",
        "_hidden_not.png",
        "a" * (SAFE_NAME_MAX - 4) + ".png",
    ],
)
def test_safe_file_names_pass_unchanged(name):
    assert is_safe_file_name(name) and tex_file_name(name) == name


@pytest.mark.parametrize(
    "name",
    [
        ATTACKS[0],
        "a b.png",
        "a{b}.png",
        "../x.png",
        "a..png",
        ".hidden.png",
        "/etc/passwd",
        "x^^2f.png",
        "déjà.png",
        "a\nb.png",
        "",
        "a" * (SAFE_NAME_MAX - 3) + ".png",
    ],
)
def test_unsafe_file_names_are_refused(name):
    assert not is_safe_file_name(name)
    with pytest.raises(UnsafeTexName) as caught:
        tex_file_name(name)
    assert "Refused to put the file name" in caught.value.message
    assert "renames the figures" in (caught.value.hint or "")


@needs_tex
def test_real_tex_prints_the_attacks_and_reads_no_file(tmp_path):
    """pdflatex (its default openin_any lets \\input read any file) typesets every attack as
    text: the secret beside it is never read, and \\openout writes nothing."""
    (tmp_path / "secret.tex").write_text("TOPSECRET\n")
    body = "\n\n".join(
        f"{tex_text(a)} \\par {tex_tt(a)} \\par \\begin{{figure}}\\caption{{{tex_text(a)}}}\\end{{figure}}"
        for a in ATTACKS
    )
    (tmp_path / "doc.tex").write_text(
        "\\documentclass{article}\n\\begin{document}\n" + body + "\n\\end{document}\n"
    )
    done = subprocess.run(
        ["pdflatex", "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-2000:]
    text = subprocess.run(
        ["pdftotext", "doc.pdf", "-"], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout
    assert "TOPSECRET" not in text and "TOPSECRET" not in (tmp_path / "doc.log").read_text()
    assert not (tmp_path / "pwned.txt").exists()
    assert "openout5=pwned.txt" in text and "2fetc" in text  # printed, not obeyed


def _strings(tree: ast.AST) -> list[tuple[int, str]]:
    return [
        (n.lineno, n.value)
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]


def test_no_other_tex_escaper_remains():
    """tex_quote.py is the one module that spells how a special character is printed, and no
    function elsewhere is named like an escaper of LaTeX."""
    offenders = []
    for path in SERVER.rglob("*.py"):
        if path.name == "tex_quote.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        rel = path.relative_to(SERVER)
        for line, value in _strings(tree):
            if any(cmd in value for cmd in ("textbackslash", "textasciicircum", "textasciitilde")):
                offenders.append(f"{rel}:{line}: {value[:40]!r}")
        for node in ast.walk(tree):
            name = getattr(node, "name", None) or getattr(node, "id", None) or ""
            if "latex_escape" in name or "tex_escape" in name:
                offenders.append(f"{rel}:{node.lineno}: {name}")
    assert offenders == []


def test_every_includegraphics_aisci_writes_takes_a_checked_name():
    """An f-string that writes \\includegraphics{...} fills the name with tex_file_name (or a
    constant aisci chose): never a figure name as plot.py gave it."""
    unchecked = []
    for path in SERVER.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.JoinedStr):
                continue
            parts = node.values
            for i, part in enumerate(parts):
                if not (
                    isinstance(part, ast.Constant)
                    and isinstance(part.value, str)
                    and "includegraphics" in part.value
                    and i + 1 < len(parts)
                ):
                    continue
                value = parts[i + 1]
                if not isinstance(value, ast.FormattedValue):
                    continue
                inner = value.value
                ok = (
                    isinstance(inner, ast.Call)
                    and isinstance(inner.func, ast.Name)
                    and inner.func.id == "tex_file_name"
                ) or (isinstance(inner, ast.Name) and inner.id.isupper())
                if not ok:
                    unchecked.append(f"{path.relative_to(SERVER)}:{node.lineno}")
    assert unchecked == []
