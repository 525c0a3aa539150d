"""The file watcher: changes made outside the server's own commands, as notifications.

Contract: ``ResultsWatcher(root, on_change)`` watches ``<root>/results`` recursively with a
watchdog observer (and ``<root>`` itself, shallowly, until ``results/`` appears). A file event
is classified as ``run`` (``run_<i>/final_info.json`` written), ``ideas`` (an ``ideas.json``),
``tree`` (a search record ``tree.json``) or ``tex`` (a ``.tex`` in a ``latex/`` folder),
debounced per path (``DEBOUNCE_S``: one atomic write is several events), then handed to
``on_change(kind, path)`` on a timer thread.
Whether to notify (a command of this server may own the folder) is the callback's decision.
``stop()`` ends the observer and the timers; it is safe to call twice.
"""

from __future__ import annotations

import logging
import re
import threading
import warnings
from collections.abc import Callable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import ObservedWatch

from aisci.lsp import locate
from aisci.lsp.debounce import Debouncer

log = logging.getLogger(__name__)
DEBOUNCE_S = 0.3
_RUN_DIR = re.compile(r"^run_\d+$")


def ignore_rewatch_warnings() -> None:
    """watchdog's inotify backend warns, from its own threads, when a recursive watch meets a
    folder it already watches (an idea folder is copied as <name>.partial, then renamed); the
    watch is reused and nothing is lost. The warning comes from the observer's thread whenever
    such a folder appears, long after ``start`` returned, so a ``catch_warnings`` around the
    start would not cover it: the filter (process-wide, as every warnings filter) is installed
    when a watcher starts, not on import, and only for watchdog's observers. Installing it
    twice keeps one."""
    warnings.filterwarnings(
        "ignore",
        message=r"Callback with id .* already exists",
        category=RuntimeWarning,
        module=r"watchdog\.observers\.",
    )


def classify(path: Path) -> str | None:
    if path.name == "final_info.json" and _RUN_DIR.match(path.parent.name):
        return "run"
    if path.name == "ideas.json":
        return "ideas"
    if path.name == "tree.json":
        return "tree"
    if path.suffix == ".tex" and "latex" in path.parent.parts[-1:]:
        return "tex"
    return None


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: ResultsWatcher):
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write", "deleted"):
            return
        if event.is_directory:
            if event.event_type == "created" and Path(str(event.src_path)) == self.watcher.results:
                self.watcher.watch_results()
                # What was written into the new folder before the watch began is new too.
                for path in locate.walk_results(self.watcher.results):
                    self.watcher.seen(path)
            return
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            if raw:
                self.watcher.seen(Path(str(raw)))


class ResultsWatcher:
    def __init__(self, root: Path, on_change: Callable[[str, Path], None]):
        self.root = Path(root).resolve()
        self.results = self.root / "results"
        self.on_change = on_change
        self._observer = Observer()
        self._observer.daemon = True
        self._handler = _Handler(self)
        self._lock = threading.Lock()
        self._debounce = Debouncer(DEBOUNCE_S)
        self._results_watch: ObservedWatch | None = None
        self._stopped = False

    def start(self) -> None:
        ignore_rewatch_warnings()
        if self.results.is_dir():
            self.watch_results()
        else:
            self._observer.schedule(self._handler, str(self.root), recursive=False)
        self._observer.start()

    def watch_results(self) -> None:
        with self._lock:
            if self._results_watch is not None or self._stopped:
                return
            try:
                self._results_watch = self._observer.schedule(
                    self._handler, str(self.results), recursive=True
                )
            except OSError:
                log.warning("cannot watch %s", self.results, exc_info=True)

    def seen(self, path: Path) -> None:
        kind = classify(path)
        if kind is None:
            return
        self._debounce.call((kind, str(path)), self._fire, kind, path)

    def _fire(self, kind: str, path: Path) -> None:
        try:
            self.on_change(kind, path)
        except Exception:
            log.exception("handling a change of %s failed", path)

    def stop(self) -> None:
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
        self._debounce.stop()
        try:
            self._observer.stop()
            self._observer.join(timeout=5)
        except RuntimeError:  # never started
            pass
