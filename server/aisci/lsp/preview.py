"""Live preview: rebuild a paper's PDF in the background after a save or an outside edit.

Contract: ``schedule(tex, saved=...)`` (any thread) debounces per LaTeX folder (``SAVE_DEBOUNCE_S``
after an editor's save, a discrete event; ``DEBOUNCE_S`` after a change the watcher saw, which
comes in bursts); when the timer fires, a build starts in a worker thread as a ``build_helper``
subprocess in its own process group, unless the folder's sources (.tex, .bib, .sty: names, sizes,
mtimes) are what the last build started from (a save and the watcher's report of the same
write build once). A newer build of the same folder kills an older one's whole group
(latexmk, pdflatex and bibtex with it) and the older one reports nothing. A build sends
``aisci/previewReady`` with its LaTeX diagnostics as soon as the PDF exists (docs/lsp.md §3);
the source checks and chktex follow off that critical path. ``stop()`` cancels timers and
builds (on shutdown).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from aisci.lsp.debounce import Debouncer

log = logging.getLogger(__name__)
DEBOUNCE_S = 0.5
SAVE_DEBOUNCE_S = 0.05
SOURCES = (".tex", ".bib", ".sty", ".cls", ".bst")
BUILD_TIMEOUT_S = 180.0


class _Build:
    def __init__(self) -> None:
        self.cancelled = threading.Event()
        self.timed_out = False
        self.proc: subprocess.Popen | None = None
        self.lock = threading.Lock()

    def time_out(self) -> None:
        self.timed_out = True
        self.kill()

    def kill(self) -> None:
        with self.lock:
            self.cancelled.set()
            proc = self.proc
        if proc is not None and proc.poll() is None:
            try:
                # The helper's SIGTERM handler unwinds compile_paper, which stops latexmk's group.
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass


class Preview:
    def __init__(self, bridge, diagnostics, is_busy=lambda path: False):
        self.bridge = bridge
        self.diagnostics = diagnostics
        self.is_busy = is_busy
        self._lock = threading.Lock()
        self._debounce = Debouncer(DEBOUNCE_S)
        self._builds: dict[str, _Build] = {}
        self._built_from: dict[str, tuple] = {}   # folder -> the sources its last build started from
        self._stopped = False

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
        self._debounce.call(key, self._start, target[0], target[1], delay_s=SAVE_DEBOUNCE_S if saved else None)

    @staticmethod
    def sources_of(folder: Path) -> tuple:
        try:
            return tuple(sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in folder.iterdir()
                                if p.suffix in SOURCES and p.is_file()))
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
        threading.Thread(target=self._run, args=(folder, main, build), daemon=True,
                         name=f"aisci-preview-{folder.parent.name}").start()

    def _run(self, folder: Path, main: str, build: _Build) -> None:
        try:
            with build.lock:
                if build.cancelled.is_set():
                    return
                build.proc = subprocess.Popen([sys.executable, "-m", "aisci.lsp.build_helper", str(folder), main],
                                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                              start_new_session=True)
            timer = threading.Timer(BUILD_TIMEOUT_S, build.time_out)
            timer.daemon = True
            timer.start()
            try:
                result = self._read(build, folder)
                if result is None:
                    return
                self._publish(folder, main, result)
                line = build.proc.stdout.readline()
                if line and not build.cancelled.is_set():
                    try:
                        checks = json.loads(line.decode("utf-8")).get("checks", [])
                    except ValueError:
                        checks = []
                    self._publish_checks(folder, result, checks)
            finally:
                timer.cancel()
                build.proc.stdout.close()
                build.proc.wait()
        except Exception:  # noqa: BLE001 - a preview must never take the server down
            log.exception("preview build of %s failed", folder)
        finally:
            with self._lock:
                if self._builds.get(str(folder.resolve())) is build:
                    del self._builds[str(folder.resolve())]

    @staticmethod
    def _read(build: _Build, folder: Path) -> dict | None:
        """The helper's first line (the build's result), or None when it was superseded."""
        line = build.proc.stdout.readline()
        if build.timed_out:
            return {"ok": False, "error": f"the preview build of {folder} did not finish within {BUILD_TIMEOUT_S:.0f} s"}
        if build.cancelled.is_set():
            log.info("preview build of %s superseded", folder)
            return None
        try:
            return json.loads(line.decode("utf-8") or "{}") or {"ok": False, "error": "no result"}
        except ValueError:
            return {"ok": False, "error": f"the preview build of {folder} ended without a result"}

    @staticmethod
    def _diagnostics(raw_list) -> list:
        from aisci.core.diagnostics import Diagnostic

        diagnostics = []
        for raw in raw_list:
            try:
                diagnostics.append(Diagnostic(**raw))
            except (TypeError, ValueError):
                continue
        return diagnostics

    def _publish_checks(self, folder: Path, result: dict, checks: list) -> None:
        found = self._diagnostics(checks)
        build = self._diagnostics(result.get("diagnostics", []))
        self.diagnostics.core_diagnostics("build", folder, build + [d for d in found if d.source != "chktex"])
        self.diagnostics.core_diagnostics("chktex", folder, [d for d in found if d.source == "chktex"])

    def _publish(self, folder: Path, main: str, result: dict) -> None:
        diagnostics = self._diagnostics(result.get("diagnostics", []))
        self.diagnostics.core_diagnostics("build", folder, diagnostics)
        if result.get("error"):
            self.bridge.log_message(f"preview of {folder / main}: {result['error']}", "error")
        self.bridge.notify("aisci/previewReady", {
            "folder": str(folder.parent), "tex": str(folder / main), "pdf": result.get("pdf"),
            "ok": bool(result.get("ok")), "diagnostics": len(diagnostics),
            "errors": sum(d.is_error for d in diagnostics), "durationS": result.get("durationS"),
            "error": result.get("error")})

    def stop(self) -> None:
        self._debounce.stop()
        with self._lock:
            self._stopped = True
            builds = list(self._builds.values())
        for build in builds:
            build.kill()
