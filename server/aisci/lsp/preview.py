"""Live preview: rebuild a paper's PDF in the background after a save or an outside edit.

Contract: ``schedule(tex)`` (any thread) debounces per LaTeX folder (``DEBOUNCE_S``); when the
timer fires, a build starts in a worker thread as a ``build_helper`` subprocess in its own
process group. A newer build of the same folder kills an older one's whole group (latexmk,
pdflatex and bibtex with it) and the older one reports nothing. Each finished build
publishes its diagnostics and sends ``aisci/previewReady`` (docs/lsp.md §3). ``stop()``
cancels timers and builds (on shutdown).
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
BUILD_TIMEOUT_S = 180.0


class _Build:
    def __init__(self) -> None:
        self.cancelled = threading.Event()
        self.proc: subprocess.Popen | None = None
        self.lock = threading.Lock()

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

    def schedule(self, tex: Path) -> None:
        target = self.main_of(Path(tex))
        if target is None:
            return
        self._debounce.call(str(target[0].resolve()), self._start, target[0], target[1])

    def _start(self, folder: Path, main: str) -> None:
        key = str(folder.resolve())
        build = _Build()
        with self._lock:
            if self._stopped:
                return
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
            try:
                out, _ = build.proc.communicate(timeout=BUILD_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                build.kill()
                out, _ = build.proc.communicate()
            if build.cancelled.is_set():
                log.info("preview build of %s superseded", folder)
                return
            try:
                result = json.loads(out.decode("utf-8") or "{}")
            except ValueError:
                result = {"ok": False, "error": f"the preview build of {folder} ended without a result"}
            self._publish(folder, main, result)
        except Exception:  # noqa: BLE001 - a preview must never take the server down
            log.exception("preview build of %s failed", folder)
        finally:
            with self._lock:
                if self._builds.get(str(folder.resolve())) is build:
                    del self._builds[str(folder.resolve())]

    def _publish(self, folder: Path, main: str, result: dict) -> None:
        from aisci.core.diagnostics import Diagnostic

        diagnostics = []
        for raw in result.get("diagnostics", []):
            try:
                diagnostics.append(Diagnostic(**raw))
            except (TypeError, ValueError):
                continue
        self.diagnostics.core_diagnostics("build", folder, [d for d in diagnostics if d.source != "chktex"])
        self.diagnostics.core_diagnostics("chktex", folder, [d for d in diagnostics if d.source == "chktex"])
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
