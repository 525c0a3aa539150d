"""Build a paper: latexmk (pdflatex + BibTeX) in the paper's folder, bounded in time.

``compile_paper(latex_dir)`` returns a ``BuildResult``; a failed build is a result with error
diagnostics, not an exception. It raises only when no build can start: TeX is not installed
(``ConfigError``) or the main .tex does not exist (``AisciError``).

The command, and why each flag:
- ``-pdf``: pdflatex, with BibTeX run by latexmk when the .aux asks for it, and as many
  reruns as the cross-references need;
- ``-interaction=nonstopmode``: never wait on the terminal;
- ``-file-line-error``: errors print as ``./template.tex:12: message``, which names the file
  and line directly (``latexlog.LOG_RULES``' first rule);
- no ``-halt-on-error``: pdflatex goes on after an error, so one build reports every
  independent error (an undefined command, a missing figure) instead of one per round of the
  fix loop; the build still counts as failed (latexmk exits non-zero and the log has errors);
- ``-synctex=1``: the editor's preview maps PDF positions to source lines;
- ``-norc``: a user's latexmkrc cannot switch engines or start a previewer;
- ``-latexoption=-no-shell-escape``: a generated paper must not run programs.
The environment sets ``max_print_line`` (kpathsea) so the log is not wrapped at 79 columns.

The boundary (execution/tex_boundary.py): with ``sandbox`` ``auto``/``bwrap`` latexmk and what
it starts run in bubblewrap as uid 65534, seeing the system, TeX Live, this folder (writable)
and the figures next to it; ``none`` (by name only) runs them as today. In both, TeX's open
rules are paranoid (no absolute paths, no ``..``), figures are found through ``TEXINPUTS``, and
a refused file is named on the error it caused (``refusals.note_refusals``). ``BuildResult``
says which boundary the build had.

Time bound: latexmk starts in its own session; on timeout the whole process group (latexmk,
pdflatex, bibtex) is stopped, SIGTERM then SIGKILL. A set ``cancel`` (the preview's newer build,
a job's Cancel) is seen within 0.1 s, also while waiting for another build's folder lock, and
the group gets SIGKILL 0.1 s after its SIGTERM: it is gone within 0.5 s, and ``Cancelled`` is
raised before anything is copied.

Stale latexmk state: latexmk remembers in ``<stem>.fdb_latexmk`` that its last run failed
(pdflatex killed mid-run, by a cancel, a timeout or the system) and, with unchanged sources,
answers "All targets are up-to-date" with exit 12 on every later build. A build starts with
``-g`` (force the rules to run) when that file records a failed rule or the PDF is missing,
and retries once with ``-g`` when latexmk still answers "Nothing to do" and fails. A build it
killed (cancel, timeout) deletes that record: the .aux pdflatex left is cut short, and latexmk
would run BibTeX on it first at the next build and fail before pdflatex ran.

Products stay in ``latex_dir`` (template.aux/.log/.pdf...). With ``output_pdf`` (the PDF of
record, lsp/pdf_record.py), a good PDF is copied there atomically (temp file + rename) only when
the build succeeded, and its SyncTeX record beside it as ``<output stem>.synctex.gz`` (SyncTeX
finds it by the PDF's name; it names the sources by absolute path), so the last good PDF
survives a failed or cancelled build and a reader never sees a half-written one. Two builds
of the same folder (build on save, the pipeline) wait for each other through a lock file.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from aisci.core.context import Cancelled
from aisci.core.diagnostics import Diagnostic, has_errors, sort_key
from aisci.errors import AisciError, ConfigError
from aisci.execution import safefs
from aisci.execution.processes import kill_group
from aisci.execution.tex_boundary import TexBox, tex_box
from aisci.paper.latexlog import parse_blg, parse_log
from aisci.paper.refusals import note_refusals

log = logging.getLogger(__name__)

REQUIRED_PROGRAMS = ("pdflatex", "bibtex", "latexmk")
# What aisci.sty loads, by the Debian package that ships it: the usual gaps are -extra/-science.
REQUIRED_PACKAGES = (
    "natbib.sty",
    "times.sty",
    "booktabs.sty",
    "algorithm.sty",
    "algpseudocode.sty",
    "cleveref.sty",
    "subcaption.sty",
    "multirow.sty",
    "hyperref.sty",
)
INSTALL_COMMAND = (
    "sudo apt-get install texlive-latex-base texlive-latex-recommended texlive-latex-extra "
    "texlive-fonts-recommended texlive-science latexmk chktex"
)
INSTALL_HINT = f"{INSTALL_COMMAND.removeprefix('sudo ')} (or run `make setup`)"
LATEXMK_FLAGS = (
    "-pdf",
    "-interaction=nonstopmode",
    "-file-line-error",
    "-synctex=1",
    "-norc",
    "-latexoption=-no-shell-escape",
)
_LOG_LIMIT = 64 << 20  # a runaway log is cut (the build is bounded by RLIMIT_FSIZE anyway)


@dataclass(frozen=True)
class BuildResult:
    ok: bool
    pdf: Path | None  # the good PDF (output_pdf when given); None if the build failed
    diagnostics: tuple[Diagnostic, ...]
    duration_s: float
    log_path: Path | None  # the pdflatex .log, when one was written
    timed_out: bool = False
    sandbox: str = "none"  # the boundary TeX had: "bwrap" or "none"
    tex_user: str = ""  # who TeX ran as, in words

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.is_error)


def tex_available(packages=REQUIRED_PACKAGES) -> str | None:
    """None when pdflatex, bibtex and latexmk are on PATH (and kpsewhich finds ``packages``);
    else a message naming what is missing and how to install it. Cheap: call it before any
    model call of a launch."""
    missing = [p for p in REQUIRED_PROGRAMS if shutil.which(p) is None]
    if missing:
        return f"LaTeX is not installed: {', '.join(missing)} not found on PATH. Install TeX Live: {INSTALL_HINT}."
    kpsewhich = shutil.which("kpsewhich")
    if packages and kpsewhich:
        try:
            done = subprocess.run(
                [kpsewhich, *packages], capture_output=True, text=True, timeout=30
            )
            found = {Path(p).name for p in done.stdout.split()}
        except (subprocess.TimeoutExpired, OSError):
            return None  # cannot tell: the build itself will name a missing package
        absent = [p for p in packages if p not in found]
        if absent:
            return f"LaTeX packages are missing: {', '.join(absent)}. Install them: {INSTALL_HINT}."
    return None


def _copy_atomic(src: Path, dest: Path) -> None:
    """The built PDF to ``dest``, whole or not at all; read without following a link (TeX wrote
    its folder)."""
    safefs.write_atomic(dest, safefs.read_bytes(src))


def _stop_group(proc: subprocess.Popen[bytes], grace_s: float = 3.0) -> None:
    """Stop latexmk and everything it started (they share its process group)."""
    kill_group(proc, grace_s=grace_s, kill_wait_s=5.0)


def _run_latexmk(
    cmd: list[str],
    cwd: Path,
    timeout_s: float,
    cancel: threading.Event | None = None,
    *,
    box: TexBox,
) -> tuple[int | None, str]:
    """(exit code or None on timeout, latexmk's output); a set ``cancel`` stops the build.
    Stopping kills the process group: latexmk's, or bwrap's, whose sandbox dies with it."""
    proc = subprocess.Popen(
        box.command(cmd),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env=box.env,
        pass_fds=box.pass_fds,
    )
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            wait = (
                deadline - time.monotonic()
                if cancel is None
                else min(0.1, deadline - time.monotonic())
            )
            try:
                out, _ = proc.communicate(timeout=max(0.0, wait))
                return proc.returncode, out.decode("utf-8", "replace")
            except subprocess.TimeoutExpired:
                if cancel is not None and cancel.is_set():
                    # Nothing of a cancelled build is kept: no grace for TeX to finish a page.
                    _stop_group(proc, grace_s=0.1)
                    proc.communicate()
                    raise Cancelled("The paper build") from None
                if time.monotonic() >= deadline:
                    _stop_group(proc)
                    out, _ = proc.communicate()
                    return None, out.decode("utf-8", "replace")
    finally:
        if proc.poll() is None:  # interrupted (Ctrl-C, an exception): leave nothing running
            _stop_group(proc)
            proc.communicate()


def _stale_latexmk_state(latex_dir: Path, stem: str) -> bool:
    """Whether latexmk's database records a failed rule, or its PDF is gone: then latexmk would
    refuse to run again on unchanged sources."""
    fdb = latex_dir / f"{stem}.fdb_latexmk"
    if not fdb.is_file():
        return False
    if not (latex_dir / f"{stem}.pdf").is_file():
        return True
    try:
        lines = fdb.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return True
    # A rule line: ["pdflatex"] <time> "<source>" "<dest>" "<base>" <time> <last result: 0 = ok>
    return any(line.startswith('["') and line.split()[-1] != "0" for line in lines)


def _forget_killed_run(latex_dir: Path, stem: str) -> None:
    """After latexmk was killed (a cancel, a timeout): pdflatex left an .aux cut short (no
    ``\\bibdata``), and latexmk's record, older than it, makes the next latexmk run BibTeX on it
    first, which fails at once without running pdflatex. Without the record, latexmk starts over
    with pdflatex (a full build)."""
    with contextlib.suppress(OSError):
        (latex_dir / f"{stem}.fdb_latexmk").unlink()


def _nothing_to_do(rc: int | None, output: str) -> bool:
    return rc not in (0, None) and ("Nothing to do" in output or "are up-to-date" in output)


class _FolderLock:
    """An exclusive lock on a paper folder, so two builds never write the same .aux at once."""

    def __init__(self, folder: Path, timeout_s: float, cancel: threading.Event | None = None):
        self.path, self.timeout_s, self.fd = folder / ".aisci-build.lock", timeout_s, -1
        self.cancel = cancel  # a Cancel while another build holds the folder ends the wait

    def __enter__(self) -> _FolderLock:
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.timeout_s
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return self
            except BlockingIOError:
                if self.cancel is not None and self.cancel.is_set():
                    os.close(self.fd)
                    raise Cancelled("The paper build") from None
                if time.monotonic() > deadline:
                    os.close(self.fd)
                    raise AisciError(
                        f"The paper in {self.path.parent} could not be built: another build "
                        f"of it did not finish within {self.timeout_s:.0f} s.",
                        "Wait for it to finish, or stop it, and build again.",
                    ) from None
                time.sleep(0.1)

    def __exit__(self, *exc) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


def compile_paper(
    latex_dir: Path,
    *,
    main: str = "template.tex",
    timeout_s: float = 120,
    output_pdf: Path | None = None,
    cancel: threading.Event | None = None,
    sandbox: str = "auto",
) -> BuildResult:
    """Build ``main`` in ``latex_dir`` inside the TeX boundary ``sandbox`` (the runs' setting:
    ``auto``/``bwrap``, or ``none`` by name); see the module docstring."""
    latex_dir = Path(os.path.abspath(latex_dir))
    missing = tex_available(packages=())
    if missing:
        raise ConfigError(f"The paper cannot be built: {missing}", "Then build the paper again.")
    if not (latex_dir / main).is_file():
        raise AisciError(
            f"The paper cannot be built: {latex_dir / main} does not exist.",
            "Write the paper first (the write-up stage creates it from the template's latex/).",
        )
    stem = Path(main).stem
    log_path, blg_path, pdf_path = (latex_dir / f"{stem}.{ext}" for ext in ("log", "blg", "pdf"))
    with _FolderLock(latex_dir, timeout_s, cancel), tex_box(latex_dir, sandbox) as box:
        start = time.monotonic()
        started_at = time.time()
        force = ["-g"] if _stale_latexmk_state(latex_dir, stem) else []
        if force:
            log.info(
                "latexmk's record in %s says its last run failed: forcing a full build", latex_dir
            )
        try:
            rc, output = _run_latexmk(
                ["latexmk", *LATEXMK_FLAGS, *force, main], latex_dir, timeout_s, cancel, box=box
            )
            if not force and _nothing_to_do(rc, output):
                log.info(
                    "latexmk found nothing to do but failed (a stale record): building again with -g"
                )
                left = max(1.0, timeout_s - (time.monotonic() - start))
                rc, output = _run_latexmk(
                    ["latexmk", *LATEXMK_FLAGS, "-g", main], latex_dir, left, cancel, box=box
                )
        except Cancelled:
            _forget_killed_run(latex_dir, stem)
            raise
        duration = time.monotonic() - start
    timed_out = rc is None
    if timed_out:
        _forget_killed_run(latex_dir, stem)

    def fresh(p: Path) -> bool:  # written by this build, not left over from an earlier one
        return safefs.is_file(p) and p.stat().st_mtime >= started_at - 1

    def text(p: Path) -> str:  # TeX wrote it: no link is followed, a runaway log is cut
        return safefs.read_text(p, limit=_LOG_LIMIT, errors="replace")

    diags: list[Diagnostic] = []
    if fresh(blg_path):
        diags += parse_blg(text(blg_path), main=main, root=latex_dir)
    failed = timed_out or rc != 0 or has_errors(diags)
    if safefs.is_file(log_path):
        diags += parse_log(text(log_path), main=main, root=latex_dir, failed=failed)
    diags = note_refusals(diags, output, main=main)
    if timed_out:
        diags.append(
            Diagnostic(
                main,
                None,
                "error",
                f"LaTeX did not finish within {timeout_s:.0f} s and was stopped (a macro "
                f"that expands forever, such as a recursive \\def?)",
                "latex",
            )
        )
    elif rc != 0 and not has_errors(diags):
        tail = " | ".join(line.strip() for line in output.strip().splitlines()[-3:])
        diags.append(
            Diagnostic(main, None, "error", f"latexmk failed (exit {rc}): {tail}", "latex")
        )
    ok = not failed and safefs.is_file(pdf_path) and not has_errors(diags)
    pdf: Path | None = None
    if ok:
        if cancel is not None and cancel.is_set():  # cancelled as latexmk ended: keep the old PDF
            raise Cancelled("The paper build")
        pdf = pdf_path
        if output_pdf is not None:
            pdf = Path(output_pdf)
            synctex = latex_dir / f"{stem}.synctex.gz"
            if safefs.is_file(synctex):
                _copy_atomic(synctex, pdf.with_name(f"{pdf.stem}.synctex.gz"))
            _copy_atomic(pdf_path, pdf)
    log.info(
        "built %s in %.1f s (sandbox %s): %s, %d diagnostics",
        latex_dir / main,
        duration,
        box.sandbox,
        "ok" if ok else ("timed out" if timed_out else "failed"),
        len(diags),
    )
    return BuildResult(
        ok,
        pdf,
        tuple(sorted(dict.fromkeys(diags), key=sort_key)),
        duration,
        log_path if safefs.is_file(log_path) else None,
        timed_out,
        box.sandbox,
        box.user,
    )
