"""Live preview: rebuild a paper's PDF in the background after a save or an outside edit.

Contract: ``schedule(tex, saved=...)`` (any thread) debounces per LaTeX folder (``SAVE_DEBOUNCE_S``
after an editor's save, a discrete event; ``DEBOUNCE_S`` after a change the watcher saw, which
comes in bursts); when the timer fires, a build starts in a worker thread, unless the folder's
sources (.tex, .bib, .sty, .cls, .bst: names, sizes, mtimes) are what the last build started
from (a save and the watcher's report of the same write build once). The build is
``compile_paper`` (latexmk in its own process group) with a cancel event: a newer build of the
same folder cancels an older one, whose latexmk group is killed within 0.2 s, and the older
one reports nothing. A build sends ``aisci/previewReady`` with its LaTeX diagnostics as soon as
latexmk ends (docs/lsp.md §3); the source checks and chktex follow, off that critical path.
No Python process is started per build (that was ~0.2-0.5 s of every refresh on a busy
machine). ``stop()`` cancels timers and builds and waits (bounded) for their latexmk groups
to be gone (on shutdown).

What a build reports (the PDF of record, lsp/pdf_record.py): an idea's paper is built with
``output_pdf`` = its ``<idea>.pdf``, so a good build replaces it and a failed one leaves the
last good one; ``aisci/previewReady`` names that PDF, its build time, whether a source is newer,
and this build's first error (the banner's link). When no build can start (TeX missing), the
reason is a Problems entry on the main file and the notification names the missing programs,
each once per server session (``missing``), for the editor's one "Install TeX" message.
``announce(folder)`` sends the same after a paper stage's build (Build Paper) that failed.
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from aisci.core.context import Cancelled
from aisci.core.diagnostics import Diagnostic
from aisci.errors import AisciError
from aisci.execution import safefs
from aisci.lsp import pdf_record, wire
from aisci.lsp.debounce import Debouncer
from aisci.lsp.pdf_record import SOURCES

if TYPE_CHECKING:
    from aisci.lsp.diagnostics import DiagnosticStore
    from aisci.lsp.jobs import Bridge

log = logging.getLogger(__name__)
DEBOUNCE_S = 0.5
SAVE_DEBOUNCE_S = 0.05
BUILD_TIMEOUT_S = 180.0
STOP_GRACE_S = 5.0


class _Build:
    def __init__(self) -> None:
        self.cancelled = threading.Event()
        self.thread: threading.Thread | None = None

    def kill(self) -> None:
        self.cancelled.set()


class Preview:
    def __init__(
        self,
        bridge: Bridge,
        diagnostics: DiagnosticStore,
        is_busy: Callable[[Path], bool] = lambda path: False,
        sandbox: Callable[[Path], str] = lambda folder: "auto",
    ) -> None:
        self.bridge = bridge
        self.diagnostics = diagnostics
        self.is_busy = is_busy
        # The runs' sandbox setting in the latex folder's workspace folder, read at each build: TeX
        # gets the same.
        self.sandbox = sandbox
        self._lock = threading.Lock()
        self._debounce = Debouncer(DEBOUNCE_S)
        self._builds: dict[str, _Build] = {}
        self._built_from: dict[str, tuple] = {}  # folder -> the sources its last build started from
        self._stopped = False
        self._told_missing: set[str] = set()  # TeX programs already named this session

    @staticmethod
    def main_of(tex: Path) -> tuple[Path, str] | None:
        """(latex folder, main file): template.tex beside it, else the file itself if it is a document."""
        folder = tex.parent
        if (folder / "template.tex").is_file():
            return folder, "template.tex"
        try:
            if "\\documentclass" in tex.read_text(encoding="utf-8", errors="replace")[:20000]:
                return folder, tex.name
        except OSError:
            pass
        return None

    def schedule(self, tex: Path, saved: bool = False) -> None:
        target = self.main_of(Path(tex))
        if target is None:
            return
        key = str(target[0].resolve())
        self._debounce.call(
            key, self._start, target[0], target[1], delay_s=SAVE_DEBOUNCE_S if saved else None
        )

    @staticmethod
    def sources_of(folder: Path) -> tuple:
        try:
            return tuple(
                sorted(
                    (p.name, p.stat().st_size, p.stat().st_mtime_ns)
                    for p in folder.iterdir()
                    if p.suffix in SOURCES and p.is_file()
                )
            )
        except OSError:
            return ()

    def _start(self, folder: Path, main: str) -> None:
        key = str(folder.resolve())
        build = _Build()
        sources = self.sources_of(folder)
        with self._lock:
            if self._stopped or (sources and self._built_from.get(key) == sources):
                return
            self._built_from[key] = sources
            older = self._builds.get(key)
            self._builds[key] = build
        if older is not None:
            older.kill()
        build.thread = threading.Thread(
            target=self._run,
            args=(folder, main, build),
            daemon=True,
            name=f"aisci-preview-{folder.parent.name}",
        )
        build.thread.start()

    def _run(self, folder: Path, main: str, build: _Build) -> None:
        # deferred: the paper's build and checks: +20 ms at the server's start, measured
        from aisci.paper.build import compile_paper

        try:
            if build.cancelled.is_set():
                return
            try:
                built = compile_paper(
                    folder,
                    main=main,
                    timeout_s=BUILD_TIMEOUT_S,
                    output_pdf=pdf_record.keep_at(folder, main),
                    cancel=build.cancelled,
                    sandbox=self.sandbox(folder),
                )
            except Cancelled:
                log.info("preview build of %s superseded", folder)
                return
            except AisciError as e:  # no TeX, no main file: nothing could be built
                self._cannot_build(folder, main, str(e))
                return
            if build.cancelled.is_set():
                return
            diagnostics = list(built.diagnostics)
            self._publish(
                folder,
                main,
                diagnostics,
                ok=built.ok,
                duration_s=round(built.duration_s, 3),
            )
            checks = self._checks(folder / main, diagnostics, self.sandbox(folder))
            if not build.cancelled.is_set():
                self.diagnostics.core_diagnostics(
                    "build", folder, diagnostics + [d for d in checks if d.source != "chktex"]
                )
                self.diagnostics.core_diagnostics(
                    "chktex", folder, [d for d in checks if d.source == "chktex"]
                )
        except Exception:
            log.exception("preview build of %s failed", folder)
        finally:
            with self._lock:
                if self._builds.get(str(folder.resolve())) is build:
                    del self._builds[str(folder.resolve())]

    @staticmethod
    def _checks(tex: Path, known: list, sandbox: str) -> list:
        """The cheap source checks (a \\cite key with no entry, a missing figure) and the style lint."""
        # deferred: the paper's build and checks: +20 ms at the server's start, measured
        from aisci.paper.chktex import run_chktex
        from aisci.paper.prechecks import run_prechecks

        found: list = []
        checks = {
            "prechecks": lambda: run_prechecks(tex),
            "chktex": lambda: run_chktex(tex, sandbox=sandbox),
        }
        for name, check in checks.items():
            try:
                found += [d for d in check() if d not in known and d not in found]
            except (AisciError, OSError, ValueError):
                log.warning("%s failed on %s", name, tex, exc_info=True)
        return found

    def yield_to_job(self, folder: Path) -> None:
        """A paper stage (Build Paper) builds the LaTeX ``folder`` now: the preview's own build
        of it stops, so the job's latexmk runs at once (Cancel then stops that one) instead of
        waiting for the folder's lock; the job reports the build."""
        key = str(Path(folder).resolve())
        with self._lock:
            self._built_from[key] = self.sources_of(Path(folder))
            build = self._builds.get(key)
        if build is not None:
            build.kill()

    def _cannot_build(self, folder: Path, main: str, error: str) -> None:
        """No build could start: the reason on the main file's first line, and in the preview."""
        self._publish(
            folder, main, [Diagnostic(main, None, "error", error, "latex")], ok=False, error=error
        )

    def announce(self, folder: Path, error: str | None = None) -> None:
        """After a paper stage's build of ``folder`` (an idea folder) that failed (a LaTeX or
        BibTeX error): its saved diagnostics (latex/diagnostics.json) in the preview's banner.
        With ``error`` (the stage raised): only when TeX is missing, as on save."""
        latex = Path(folder) / "latex"
        if error is not None:
            if self.missing_tex():
                self._cannot_build(latex, "template.tex", error)
            return
        try:
            saved = safefs.read_json(latex / "diagnostics.json", root=Path(folder))
            diagnostics = [Diagnostic(**d) for d in saved]
        except (OSError, ValueError, TypeError, AisciError):
            diagnostics = []
        if not any(d.is_error and d.source in ("latex", "bibtex") for d in diagnostics):
            return  # the PDF was built: a stated number's mismatch is no failed build
        self._publish(latex, "template.tex", diagnostics, ok=False, store=False)

    @staticmethod
    def missing_tex() -> list[str]:
        # deferred: the paper's build and checks: +20 ms at the server's start, measured
        from aisci.paper.build import REQUIRED_PROGRAMS

        return [p for p in REQUIRED_PROGRAMS if shutil.which(p) is None]

    def _publish(
        self,
        folder: Path,
        main: str,
        diagnostics: list,
        *,
        ok: bool,
        duration_s: float | None = None,
        error: str | None = None,  # why no build could start (no TeX, no main file)
        store: bool = True,  # False: the paper stage published them already
    ) -> None:
        # deferred: the paper's build and checks: +20 ms at the server's start, measured
        from aisci.paper.build import INSTALL_COMMAND
        from aisci.paper.latexlog import first_error

        if store:
            self.diagnostics.core_diagnostics("build", folder, diagnostics)
        missing: list[str] = []
        if error:
            self.bridge.log_message(f"preview of {folder / main}: {error}", "error")
            with self._lock:
                missing = [p for p in self.missing_tex() if p not in self._told_missing]
                self._told_missing.update(missing)
        record = pdf_record.of_record(folder, main, last_ok=ok)
        first = first_error(diagnostics, main)
        self.bridge.send(
            wire.PreviewReady(
                folder=str(folder.parent),
                tex=str(folder / main),
                pdf=str(record.pdf) if record else None,
                ok=ok,
                diagnostics=len(diagnostics),
                errors=sum(d.is_error for d in diagnostics),
                duration_s=duration_s,
                built_at=record.built_at if record else None,
                stale=record.stale if record else False,
                first_error=None
                if first is None
                else wire.BuildProblem(first.message, str(folder / first.file), first.line),
                missing=missing,
                install=INSTALL_COMMAND if missing else None,
                error=error,
            )
        )

    def stop(self) -> None:
        self._debounce.stop()
        with self._lock:
            self._stopped = True
            builds = list(self._builds.values())
        for build in builds:
            build.kill()
        for build in builds:  # each kills its latexmk group within 0.2 s of the cancel
            if build.thread is not None:
                build.thread.join(STOP_GRACE_S)
