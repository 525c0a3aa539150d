"""The results watcher's one warnings filter is installed when a watcher starts, not on import,
and it silences only watchdog's re-watch warning."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

from tests.helpers import REPO

from aisci.lsp.watcher import ResultsWatcher

REWATCH = "Callback with id 'x' already exists for watch /w. It will be Overwritten."


def test_importing_the_watcher_changes_no_warnings_filter():
    code = (
        "import warnings; before = list(warnings.filters); import aisci.lsp.watcher; "
        "print(warnings.filters == before)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        env={"PYTHONPATH": str(REPO / "server")},
    )
    assert out.stdout.strip() == "True", out.stderr


def test_a_started_watcher_ignores_watchdogs_rewatch_warning_only(tmp_path: Path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        watcher = ResultsWatcher(tmp_path, lambda kind, path: None)
        watcher.start()
        try:
            for module in ("watchdog.observers.inotify", "somewhere.else"):
                warnings.warn_explicit(REWATCH, RuntimeWarning, "f.py", 1, module=module)
        finally:
            watcher.stop()
    assert [str(w.message) for w in caught] == [REWATCH]  # the one from somewhere.else
