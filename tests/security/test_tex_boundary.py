"""The paper build's boundary (execution/tex_boundary.py): model-written LaTeX that reaches for
files outside the paper, writes outside it or runs programs.

Every attack builds a real paper with real TeX Live, as the current user in-process and, when
the tests run as root, as ``nobody`` in a subprocess (the other branch of the boundary: bwrap's
own user namespace instead of aisci dropping to nobody). From outside it checks that the secret
appears nowhere in the paper's folder (the PDF's text by pdftotext, the log, the aux...), that
the build failed with a diagnostic naming the refused path, and that nothing was written
outside latex/.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sysconfig
import tempfile
import uuid
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest

from aisci.errors import ConfigError
from aisci.execution import sandbox as sb
from aisci.paper.build import compile_paper
from tests.paper.helpers import copy_skeleton, needs_tex
from tests.security.conftest import (
    REPO,
    SCAFFOLD,
    SYSTEM_PYTHON,
    USERS,
    _nobody_problem,
    needs_bwrap,
)

pytestmark = [needs_tex, needs_bwrap]

_BUILD = (
    "import json, sys\n"
    "from pathlib import Path\n"
    "from aisci.paper.build import compile_paper\n"
    "r = compile_paper(Path(sys.argv[1]), timeout_s=120, sandbox=sys.argv[2])\n"
    "print(json.dumps({'ok': r.ok, 'sandbox': r.sandbox, 'user': r.tex_user,\n"
    "  'diagnostics': [[d.line, d.severity, d.message] for d in r.diagnostics]}))\n"
)


def _png(width: int = 8, height: int = 8) -> bytes:
    """A small grey PNG, written by hand so the test needs nothing but the standard library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 0, 0, 0, 0])
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@dataclass
class Built:
    ok: bool
    sandbox: str
    user: str
    diagnostics: list  # [line, severity, message]

    def errors_on(self, line: int) -> list[str]:
        return [m for n, s, m in self.diagnostics if s == "error" and n == line]


@dataclass
class Paper:
    """<scratch>/idea/latex/template.tex, a secret in a HOME and a root-only file beside it."""

    user: str
    scratch: Path
    secret: str

    @property
    def latex(self) -> Path:
        return self.scratch / "idea" / "latex"

    @property
    def home_secret(self) -> Path:
        return self.scratch / "home" / "secret.tex"

    @property
    def private_secret(self) -> Path:
        return self.scratch / "private.tex"

    def write(self, body: str) -> None:
        """A one-page article whose line 4 is ``body``."""
        text = f"\\documentclass{{article}}\n\\begin{{document}}\nHarmless text.\n{body}\n\\end{{document}}\n"
        (self.latex / "template.tex").write_text(text, encoding="utf-8")

    def build(self, sandbox: str = "auto") -> Built:
        if self.user != "nobody":
            r = compile_paper(self.latex, timeout_s=120, sandbox=sandbox)
            diags = [[d.line, d.severity, d.message] for d in r.diagnostics]
            return Built(r.ok, r.sandbox, r.tex_user, diags)
        pythonpath = f"{REPO / 'server'}:{sysconfig.get_paths()['purelib']}"
        done = subprocess.run(
            ["runuser", "-u", "nobody", "--", "env", f"PYTHONPATH={pythonpath}",
             f"HOME={self.scratch / 'home'}", "PATH=/usr/bin:/bin", SYSTEM_PYTHON, "-c", _BUILD,
             str(self.latex), sandbox],
            capture_output=True, text=True, timeout=180, env={"PATH": "/usr/sbin:/usr/bin:/bin"},
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return Built(**json.loads(done.stdout.splitlines()[-1]))

    def leaked(self) -> list[str]:
        """The files of the paper's folder that hold the secret, the PDF read as text."""
        found = []
        for path in self.latex.iterdir():
            if not path.is_file() or path.is_symlink():
                continue
            data = path.read_bytes()
            if path.suffix == ".pdf":
                data = subprocess.run(
                    ["pdftotext", str(path), "-"], capture_output=True, timeout=60
                ).stdout
            if self.secret.encode() in data:
                found.append(path.name)
        return found

    def outside(self) -> dict[str, float]:
        """Every path of the scratch folder outside latex/, with its mtime."""
        return {
            str(p): p.lstat().st_mtime
            for p in self.scratch.rglob("*")
            if self.latex not in (p, *p.parents)
        }


@pytest.fixture(params=USERS)
def paper(request, monkeypatch):
    if request.param == "nobody" and (problem := _nobody_problem()):
        pytest.skip(f"cannot run as nobody here: {problem}")
    scratch = Path(tempfile.mkdtemp(prefix="aisci-tex-"))
    scratch.chmod(0o755)
    made = Paper(request.param, scratch, f"SECRET{uuid.uuid4().hex[:12]}")
    copy_skeleton(made.latex)
    (scratch / "home").mkdir()
    made.home_secret.write_text(made.secret + "\n")
    if request.param == "nobody":
        subprocess.run(["chown", "-R", "nobody:nogroup", str(scratch)], check=True)
    made.private_secret.write_text(made.secret + "\n")  # the current user's, mode 0600
    made.private_secret.chmod(0o600)
    monkeypatch.setenv("HOME", str(scratch / "home"))
    yield made
    shutil.rmtree(scratch, ignore_errors=True)


@pytest.mark.parametrize("target", ["/etc/hostname", "home", "private", "../../x"])
def test_reading_outside_the_paper_fails_on_its_line_and_names_the_path(paper, target):
    path = {"home": str(paper.home_secret), "private": str(paper.private_secret)}.get(
        target, target
    )
    if target == "../../x":
        (paper.scratch / "x.tex").write_text(paper.secret)  # exists: only the rule stops it
    paper.write(f"\\input{{{path}}}")
    built = paper.build()
    assert not built.ok and built.sandbox == "bwrap"
    errors = built.errors_on(4)
    assert errors and f"TeX refused to read {path}" in errors[0], built.diagnostics
    assert paper.leaked() == []


def test_a_quiet_probe_builds_but_never_sees_the_secret(paper):
    probes = [str(paper.home_secret), str(paper.private_secret), "../../x.tex"]
    (paper.scratch / "x.tex").write_text(paper.secret)
    paper.write(" ".join(f"\\IfFileExists{{{p}}}{{\\input{{{p}}}}}{{absent}}" for p in probes))
    built = paper.build()
    assert built.ok, built.diagnostics
    warnings = " ".join(m for _, s, m in built.diagnostics if s == "warning")
    assert all(p in warnings for p in probes), built.diagnostics
    assert paper.leaked() == []
    text = subprocess.run(
        ["pdftotext", str(paper.latex / "template.pdf"), "-"], capture_output=True, text=True
    ).stdout
    assert text.count("absent") == 3


def test_a_link_in_the_paper_folder_leads_nowhere_in_the_sandbox(paper):
    """TeX's own rule allows a plain name; what the name points to is the sandbox's business:
    the user's HOME is not in its view, and /etc/shadow is not readable by uid 65534."""
    (paper.latex / "leak.tex").symlink_to(paper.home_secret)
    (paper.latex / "shadow.tex").symlink_to("/etc/shadow")
    paper.write(
        "\\IfFileExists{leak.tex}{\\input{leak}}{no leak} "
        "\\IfFileExists{shadow.tex}{\\input{shadow}}{no shadow}"
    )
    built = paper.build()
    assert built.ok, built.diagnostics
    assert paper.leaked() == []
    text = subprocess.run(
        ["pdftotext", str(paper.latex / "template.pdf"), "-"], capture_output=True, text=True
    ).stdout
    assert "no leak" in text and "no shadow" in text and "root:" not in text


@pytest.mark.parametrize("target", ["absolute", "../escaped.txt"])
def test_writing_outside_the_paper_fails_and_writes_nothing(paper, target):
    path = str(paper.scratch / "absolute.txt") if target == "absolute" else target
    paper.write(
        f"\\newwrite\\w\\immediate\\openout\\w={path} \\immediate\\write\\w{{x}}\\immediate\\closeout\\w"
    )
    before = paper.outside()
    built = paper.build()
    assert paper.outside() == before
    assert not built.ok
    assert any(f"TeX refused to write {path}" in m for m in built.errors_on(4)), built.diagnostics


def test_write18_runs_nothing(paper):
    marker = paper.scratch / "ran.txt"
    paper.write(f"\\immediate\\write18{{touch {marker}}}")
    before = paper.outside()
    built = paper.build()
    assert not marker.exists() and paper.outside() == before
    assert any("nothing ran" in m and str(marker) in m for _, _, m in built.diagnostics)


def test_a_paper_with_a_figure_in_the_idea_folder_builds_in_the_sandbox(paper):
    """The skeleton's \\graphicspath{{../}} is refused by openin_any=p; the figure is found by
    name through TEXINPUTS, and only regular image files of the idea folder are in the view."""
    figure = paper.scratch / "idea" / "curve.png"
    figure.write_bytes(_png())
    (paper.scratch / "idea" / "notes.txt").write_text(paper.secret)
    tex = paper.latex / "template.tex"
    text = tex.read_text().replace("RESULTS HERE", "\\includegraphics[width=3cm]{curve.png}")
    tex.write_text(
        text.replace(
            "\\end{document}", "\\IfFileExists{notes.txt}{\\input{notes.txt}}{}\\end{document}"
        )
    )
    if paper.user == "nobody":
        os.chown(figure, 65534, 65534)
    built = paper.build()
    assert built.ok and built.sandbox == "bwrap", built.diagnostics
    assert f"<{figure}" in (paper.latex / "template.log").read_text()  # pdfTeX read it there
    assert paper.leaked() == []


@pytest.mark.skipif(os.geteuid() != 0, reason="only root lends the folder to uid 65534")
def test_root_gets_its_files_back_after_the_build(tmp_path):
    latex = copy_skeleton(tmp_path / "idea" / "latex")
    (latex / "mine.txt").write_text("a file of another user")
    os.chown(latex / "mine.txt", 1234, 1234)
    (latex / "ours.txt").hardlink_to(tmp_path / "idea" / "latex" / "mine.txt")  # never lent
    assert compile_paper(latex, timeout_s=120).ok
    owners = {p.name: (p.lstat().st_uid, p.lstat().st_gid) for p in [latex, *latex.iterdir()]}
    assert owners.pop("mine.txt") == owners.pop("ours.txt") == (1234, 1234)
    assert set(owners.values()) == {(0, 0)}, owners
    assert "template.pdf" in owners


def test_sandbox_none_builds_without_bwrap_and_says_so(paper, monkeypatch):
    paper.write("Plain.")
    built = paper.build(sandbox="none")
    assert built.ok and built.sandbox == "none" and "no sandbox" in built.user


def test_auto_without_bubblewrap_stops_like_the_runs(tmp_path, monkeypatch):
    latex = copy_skeleton(tmp_path / "idea" / "latex")
    monkeypatch.setattr(sb, "bwrap_problem", lambda: "bubblewrap (bwrap) is not installed")
    with pytest.raises(ConfigError) as e:
        compile_paper(latex, timeout_s=120)
    assert "bubblewrap (bwrap) is not installed" in e.value.message
    assert "--sandbox none" in (e.value.hint or "")
    assert not (latex / "template.log").exists()


def test_pdftotext_reads_a_private_pdf_in_the_sandbox_and_sees_nothing_of_the_project(tmp_path):
    from aisci.execution.tex_boundary import pdf_box
    from aisci.paper.review import pdf_to_text

    latex = copy_skeleton(tmp_path / "idea" / "latex")
    assert compile_paper(latex, timeout_s=120, sandbox="none").ok
    pdf = latex / "template.pdf"
    pdf.chmod(0o600)  # as the pipeline's copy is: uid 65534 could not open it
    assert "TITLE HERE" in pdf_to_text(pdf, sandbox="bwrap")
    assert pdf_to_text(pdf, sandbox="bwrap") == pdf_to_text(pdf, sandbox="none")
    box = pdf_box("bwrap")
    argv = box.command(["pdftotext", "-", "-"])
    assert box.sandbox == "bwrap" and not any(str(tmp_path) in a for a in argv)


def test_the_launch_builds_a_hostile_template_paper_in_the_sandbox(runner):
    """The real CLI: a template whose LaTeX reads a file of the user's
    HOME. The paper stage fails on that line with the path named, records the boundary, and
    the secret is nowhere in the idea folder."""
    if runner.user == "nobody":
        pytest.skip(
            "the scaffold's experiment needs numpy, which the system Python that runs aisci as "
            "nobody lacks; the builds above run as nobody"
        )
    secret = f"SECRET{uuid.uuid4().hex[:12]}"
    home_file = runner.scratch / "home" / "secret.tex"
    home_file.write_text(secret + "\n")
    template = runner.scratch / "templates" / "texleak"
    shutil.copytree(SCAFFOLD, template)
    tex = template / "latex" / "template.tex"
    tex.write_text(
        tex.read_text().replace("\\end{document}", f"\\input{{{home_file}}}\n\\end{{document}}")
    )
    if runner.user == "nobody":
        subprocess.run(["chown", "-R", "nobody:nogroup", str(runner.scratch)], check=True)
    done = runner.cli(
        "launch", "--template", str(template), "--scientist", "sweep", "--num-ideas", "1",
        "--scale", "smoke", "--results", str(runner.scratch / "results"),
        "--skip-novelty-check", "--max-runs", "1", timeout=300,
    )  # fmt: skip
    ideas = [p for p in (runner.scratch / "results" / "texleak").iterdir() if p.name[0].isdigit()]
    assert len(ideas) == 1, done.stdout + done.stderr
    idea = ideas[0]
    build = json.loads((idea / "state.json").read_text())["steps"].get("build")
    assert build is not None, done.stdout + done.stderr
    assert build["status"] == "failed" and build["boundary"]["sandbox"] == "bwrap"
    diagnostics = json.loads((idea / "latex" / "diagnostics.json").read_text())
    assert any(f"TeX refused to read {home_file}" in d["message"] for d in diagnostics)
    leaked = [p for p in idea.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]
    assert leaked == []
