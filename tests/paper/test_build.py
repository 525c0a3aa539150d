"""compile_paper with the real latexmk, pdflatex and BibTeX on copies of the paper skeleton."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from aisci.errors import AisciError, ConfigError
from aisci.paper.build import compile_paper, tex_available
from tests.paper.helpers import line_of, needs_tex, replace_line

LOOP_TEX = "\\documentclass{article}\n\\begin{document}\n\\def\\x{\\x}\\x\n\\end{document}\n"


def test_tex_available_names_what_is_missing_and_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no TeX at all
    message = tex_available()
    assert message is not None
    for program in ("pdflatex", "bibtex", "latexmk", "apt-get install texlive-latex-base"):
        assert program in message


def test_compile_without_tex_raises_a_config_error(monkeypatch, tmp_path, latex_dir):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ConfigError, match=r"latexmk"):
        compile_paper(latex_dir)


@needs_tex
def test_tex_available_on_this_machine():
    assert tex_available() is None
    missing = tex_available(packages=("natbib.sty", "no-such-package-zz.sty"))
    assert missing is not None and "no-such-package-zz.sty" in missing and "natbib" not in missing


@needs_tex
def test_missing_main_file_is_a_clear_error(latex_dir):
    with pytest.raises(AisciError, match=r"paper.tex does not exist"):
        compile_paper(latex_dir, main="paper.tex")


@needs_tex
def test_skeleton_compiles_to_a_pdf_in_bounded_time(latex_dir):
    out = latex_dir.parent / "idea_name.pdf"
    result = compile_paper(latex_dir, timeout_s=120, output_pdf=out)
    assert result.ok, result.diagnostics
    assert result.pdf == out and out.read_bytes().startswith(b"%PDF")
    assert result.errors == ()
    assert result.log_path == latex_dir / "template.log"
    assert (latex_dir / "template.bbl").is_file()  # latexmk ran BibTeX
    assert result.duration_s < 60
    # No leftover temporary copies beside the PDF.
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(".idea_name")] == []


@needs_tex
def test_planted_errors_are_reported_on_their_lines(latex_dir):
    tex = latex_dir / "template.tex"
    bad_line = line_of(tex, "BACKGROUND HERE")
    replace_line(tex, bad_line, "Some background \\badcommand{} and more.")
    open_line = line_of(tex, "METHOD HERE")
    replace_line(tex, open_line, "Our method is \\textbf{important and never closed.")
    result = compile_paper(latex_dir, timeout_s=120)
    assert not result.ok and result.pdf is None
    errors = {(d.file, d.line): d.message for d in result.errors}
    assert ("template.tex", bad_line) in errors
    assert "\\badcommand" in errors[("template.tex", bad_line)]
    assert ("template.tex", open_line) in errors
    assert "never closed" in errors[("template.tex", open_line)]
    assert all(d.source == "latex" for d in result.errors)


@needs_tex
def test_missing_package_and_missing_figure(latex_dir):
    tex = latex_dir / "template.tex"
    text = tex.read_text().replace(
        "\\usepackage{aisci}", "\\usepackage{aisci}\n\\usepackage{nosuchpackagexyz}"
    )
    tex.write_text(text.replace("RESULTS HERE", "\\includegraphics{nofigure.png}"))
    result = compile_paper(latex_dir, timeout_s=120)
    assert not result.ok
    messages = " ".join(d.message for d in result.errors)
    assert "nosuchpackagexyz.sty' is not installed" in messages
    # A missing package is fatal for that pass: TeX stops, so the figure error may not come.
    assert all(d.file == "template.tex" for d in result.errors)


@needs_tex
def test_missing_figure_error_on_its_line(latex_dir):
    tex = latex_dir / "template.tex"
    line = line_of(tex, "RESULTS HERE")
    replace_line(tex, line, "\\includegraphics[width=0.5\\linewidth]{nofigure.png}")
    result = compile_paper(latex_dir, timeout_s=120)
    assert [(d.line, "nofigure.png" in d.message) for d in result.errors] == [(line, True)]


@needs_tex
def test_unknown_citation_is_reported_by_bibtex_with_the_cite_line(latex_dir):
    tex = latex_dir / "template.tex"
    line = line_of(tex, "RELATED WORK HERE")
    replace_line(tex, line, "As shown before~\\citep{nosuchkey2023}.")
    result = compile_paper(latex_dir, timeout_s=120)
    bibtex = [d for d in result.diagnostics if d.source == "bibtex"]
    assert [(d.file, d.line, "nosuchkey2023" in d.message) for d in bibtex] == [
        ("template.tex", line, True)
    ]


@needs_tex
def test_a_failed_build_keeps_the_last_good_pdf(latex_dir):
    out = latex_dir.parent / "paper.pdf"
    first = compile_paper(latex_dir, output_pdf=out)
    assert first.ok
    good = out.read_bytes()
    tex = latex_dir / "template.tex"
    original = tex.read_text()
    tex.write_text(original.replace("RESULTS HERE", "\\undefinedmacro"))
    failed = compile_paper(latex_dir, output_pdf=out)
    assert not failed.ok and failed.pdf is None
    assert out.read_bytes() == good
    tex.write_text(original.replace("RESULTS HERE", "Results, fixed."))
    again = compile_paper(latex_dir, output_pdf=out)
    assert again.ok and again.errors == ()
    assert out.read_bytes() != good


def _tex_processes_in(folder: Path) -> list[int]:
    """Live pdflatex/latexmk processes whose working directory is ``folder``."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            continue
        if ("pdflatex" in cmd or "latexmk" in cmd) and Path(cwd) == folder:
            found.append(int(pid))
    return found


@needs_tex
def test_timeout_stops_latexmk_and_pdflatex(tmp_path):
    folder = tmp_path / "loop"
    folder.mkdir()
    (folder / "template.tex").write_text(LOOP_TEX)
    start = time.monotonic()
    result = compile_paper(folder, timeout_s=3)
    assert time.monotonic() - start < 20
    assert result.timed_out and not result.ok and result.pdf is None
    assert any("did not finish within 3 s" in d.message for d in result.errors)
    # compile_paper returns only after the whole group got SIGKILL: nothing may be left.
    assert _tex_processes_in(folder.resolve()) == []


@needs_tex
def test_an_interrupted_build_leaves_no_tex_running(tmp_path):
    """The editor's preview stops an old build with SIGTERM (raised as SystemExit in Python)."""
    folder = tmp_path / "loop"
    folder.mkdir()
    (folder / "template.tex").write_text(LOOP_TEX)
    code = (
        "import signal, sys; from pathlib import Path; from aisci.paper.build import compile_paper; "
        "signal.signal(signal.SIGTERM, lambda *a: sys.exit(143)); "
        f"compile_paper(Path({str(folder)!r}), timeout_s=120)"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2])
    try:
        deadline = time.monotonic() + 60  # pdflatex writes its log as soon as it starts
        while not (folder / "template.log").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _tex_processes_in(folder.resolve()) != []
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 143
    finally:
        if proc.poll() is None:
            proc.kill()
    assert _tex_processes_in(folder.resolve()) == []


@needs_tex
def test_two_builds_of_one_folder_wait_for_each_other(latex_dir):
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(compile_paper(latex_dir))) for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    assert [r.ok for r in results] == [True, True], [r.diagnostics for r in results]


@needs_tex
def test_cancel_stops_a_running_build(tmp_path):
    """A set cancel event ends latexmk and its pdflatex at once, whatever the timeout."""
    from aisci.core.context import Cancelled

    folder = tmp_path / "loop"
    folder.mkdir()
    (folder / "template.tex").write_text(LOOP_TEX)
    cancel = threading.Event()
    watcher = threading.Thread(target=lambda: (_wait_for(folder / "template.log"), cancel.set()))
    watcher.start()
    start = time.monotonic()
    with pytest.raises(Cancelled):
        compile_paper(folder, timeout_s=120, cancel=cancel)
    watcher.join()
    assert time.monotonic() - start < 60
    assert _tex_processes_in(folder.resolve()) == []


def _wait_for(path: Path, bound_s: float = 60) -> None:
    deadline = time.monotonic() + bound_s
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)


SLOW_TEX = (
    "\\documentclass{article}\n\\begin{document}\n"
    "\\immediate\\openout15=started.txt \\immediate\\write15{x}\\immediate\\closeout15\n"
    "\\newcount\\n \\n=0 \\loop\\advance\\n by 1 \\ifnum\\n<4000000 \\repeat\n"
    "Hello.\n\\end{document}\n"
)


def _pdflatex_in(folder: Path) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() == "pdflatex" and Path(
                os.readlink(entry / "cwd")
            ) == folder:
                found.append(int(entry.name))
        except OSError:
            continue
    return found


@needs_tex
def test_a_build_killed_mid_run_is_not_blocked_for_good(tmp_path):
    """pdflatex killed mid-run leaves latexmk's record of a failed run; the next build used to
    answer "All targets are up-to-date" with exit 12 for ever. It builds the PDF."""
    folder = (tmp_path / "latex").resolve()
    folder.mkdir()
    (folder / "template.tex").write_text(SLOW_TEX)
    outcome: list = []
    build = threading.Thread(target=lambda: outcome.append(compile_paper(folder, timeout_s=120)))
    build.start()
    deadline = time.monotonic() + 60
    while not (folder / "started.txt").exists() or not _pdflatex_in(folder):
        assert time.monotonic() < deadline and build.is_alive(), "pdflatex never started"
        time.sleep(0.02)
    for pid in _pdflatex_in(folder):
        os.kill(pid, signal.SIGKILL)
    build.join(120)
    assert not build.is_alive() and not outcome[0].ok
    assert (folder / "template.fdb_latexmk").is_file() and not (folder / "template.pdf").exists()

    out = tmp_path / "paper.pdf"
    again = compile_paper(folder, timeout_s=120, output_pdf=out)
    assert again.ok, again.diagnostics
    assert out.read_bytes().startswith(b"%PDF")
    # And the next build, with nothing changed, is an ordinary up-to-date success.
    assert compile_paper(folder, timeout_s=120).ok
