"""The PDF of record survives a cancelled build: Cancel kills latexmk's process group within
0.5 s (a TeX that loops forever, so only the kill can end it), also while the build waits for
another build of the folder, and a good build keeps its SyncTeX record beside the PDF."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

from aisci.core.context import Cancelled
from aisci.paper.build import compile_paper
from tests.paper.helpers import needs_tex

GOOD_TEX = "\\documentclass{article}\n\\begin{document}\nThe first good build.\n\\end{document}\n"
LOOP_TEX = "\\documentclass{article}\n\\begin{document}\n\\def\\x{\\x}\\x\n\\end{document}\n"
CANCEL_BOUND_S = 0.5


def _tex_groups(folder: Path) -> set[int]:
    """Process groups of the live latexmk/pdflatex (or their bwrap) working in ``folder``."""
    groups = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes()
            if Path(os.readlink(entry / "cwd")) == folder and (
                b"latexmk" in cmd or b"pdflatex" in cmd or b"bwrap" in cmd
            ):
                groups.add(os.getpgid(int(entry.name)))
        except (OSError, ProcessLookupError):
            continue
    return groups


def _group_alive(pgid: int) -> bool:
    """Whether a process of the group still runs. An exited one whose parent (here init, once
    latexmk's shell is gone) has not reaped it yet is a zombie: it runs nothing, holds nothing."""
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":  # state, ppid, pgrp
            return True
    return False


def _pdflatex_running(folder: Path) -> bool:
    for entry in Path("/proc").iterdir():
        try:
            if (entry / "comm").read_text().strip() == "pdflatex" and Path(
                os.readlink(entry / "cwd")
            ) == folder:
                return True
        except OSError:
            continue
    return False


@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, Path, bytes]:
    """(latex folder, PDF of record, its bytes) after one good build."""
    latex = (tmp_path / "idea" / "latex").resolve()
    latex.mkdir(parents=True)
    (latex / "template.tex").write_text(GOOD_TEX)
    record = latex.parent / "idea.pdf"
    assert compile_paper(latex, timeout_s=120, output_pdf=record).ok
    return latex, record, record.read_bytes()


@needs_tex
def test_cancel_kills_the_group_within_half_a_second_and_keeps_the_old_pdf(built):
    latex, record, good = built
    synctex = record.with_name("idea.synctex.gz").read_bytes()
    (latex / "template.tex").write_text(LOOP_TEX)
    cancel = threading.Event()
    raised: list[BaseException] = []

    def build() -> None:
        try:
            compile_paper(latex, timeout_s=120, output_pdf=record, cancel=cancel)
        except BaseException as e:
            raised.append(e)

    thread = threading.Thread(target=build)
    thread.start()
    deadline = time.monotonic() + 60
    while not _pdflatex_running(latex):
        assert time.monotonic() < deadline and thread.is_alive(), "pdflatex never started"
        time.sleep(0.02)
    time.sleep(0.3)  # pdflatex is inside the loop by now
    groups = _tex_groups(latex)
    assert groups, "no latexmk process group found"
    start = time.monotonic()
    cancel.set()
    while any(_group_alive(g) for g in groups) and time.monotonic() - start < 5:
        time.sleep(0.005)
    gone_after = time.monotonic() - start
    thread.join(10)
    print(f"cancel: latexmk's process group gone after {gone_after:.3f} s")
    assert gone_after < CANCEL_BOUND_S
    assert not thread.is_alive() and len(raised) == 1 and isinstance(raised[0], Cancelled)
    assert record.read_bytes() == good
    assert record.with_name("idea.synctex.gz").read_bytes() == synctex


@needs_tex
def test_cancel_ends_the_wait_for_another_build_of_the_folder(built):
    latex, record, good = built
    fd = os.open(latex / ".aisci-build.lock", os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX)  # another build (the preview's) holds the folder
    try:
        cancel = threading.Event()
        threading.Timer(0.3, cancel.set).start()
        start = time.monotonic()
        with pytest.raises(Cancelled):
            compile_paper(latex, timeout_s=120, output_pdf=record, cancel=cancel)
        assert time.monotonic() - start < 0.3 + CANCEL_BOUND_S
    finally:
        os.close(fd)
    assert record.read_bytes() == good


@needs_tex
@pytest.mark.skipif(shutil.which("synctex") is None, reason="the synctex command is not installed")
def test_synctex_finds_the_source_line_in_the_pdf_of_record(built):
    latex, record, _good = built
    assert record.with_name("idea.synctex.gz").is_file()
    (latex / "template.pdf").unlink()  # the record must not need latexmk's working output
    done = subprocess.run(
        ["synctex", "view", "-i", f"3:1:{latex / 'template.tex'}", "-o", str(record)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert "Page:1" in done.stdout, done.stdout + done.stderr


def _cancelled_once_pdflatex_ran(latex_dir: Path) -> bool:
    """Build ``latex_dir`` with a cancel set once pdflatex runs; whether it ever ran."""
    cancel = threading.Event()
    outcome: list = []

    def build() -> None:
        try:
            outcome.append(compile_paper(latex_dir, timeout_s=120, cancel=cancel))
        except Cancelled:
            outcome.append("cancelled")

    thread = threading.Thread(target=build)
    thread.start()
    deadline = time.monotonic() + 60
    aux = latex_dir / "template.aux"
    # Killed once pdflatex has rewritten the .aux (it is inside the loop then).
    while thread.is_alive() and not (
        _pdflatex_running(latex_dir.resolve()) and "bibdata" not in aux.read_text(errors="replace")
    ):
        assert time.monotonic() < deadline, "the build neither ended nor started pdflatex"
        time.sleep(0.02)
    cancel.set()
    thread.join(30)
    return outcome == ["cancelled"]


@needs_tex
def test_a_looping_paper_cancelled_twice_runs_pdflatex_both_times(latex_dir):
    """A failed build, then the preview's looping build stopped for a Build Paper job, then the
    job's: pdflatex killed in the loop left an .aux without \\bibdata, and the next latexmk, by
    its record of the failed build, ran BibTeX on it first, which failed at once without running
    pdflatex (the job "built" in 0.4 s and Cancel had nothing to stop)."""
    tex = latex_dir / "template.tex"
    good = tex.read_text()
    assert compile_paper(latex_dir, timeout_s=120).ok
    tex.write_text(good.replace("\\end{document}", "\\input{no-such-file}\n\\end{document}"))
    assert not compile_paper(latex_dir, timeout_s=120).ok
    tex.write_text(good.replace("\\end{document}", "\\def\\x{\\x}\\x\n\\end{document}"))
    assert _cancelled_once_pdflatex_ran(latex_dir)
    assert _cancelled_once_pdflatex_ran(latex_dir)
