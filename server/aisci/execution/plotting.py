"""Running ``python plot.py`` in a folder, and taking back the figures it wrote.

In the sandbox, plot.py sees the folder read-only except for a fresh, empty folder mounted at
the folder's own path, with every entry of the folder bound read-only inside it but the
figures (so it can write new ones and rewrite old ones, and nothing else). Afterwards aisci
copies back only regular image files, through ``safefs``: a link plot.py left in place of a
figure is refused and named, never followed. Without a sandbox, plot.py writes in the folder
itself and the figures are the image files it wrote or rewrote (links refused the same way).
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from aisci.execution import safefs
from aisci.execution import sandbox as sandboxes
from aisci.execution.runner import ScriptOutcome, run_script, tail

FIGURE_EXTENSIONS = (".png", ".pdf", ".jpg", ".jpeg", ".svg")
FIGURE_LIMIT = 50 << 20
LOG_DIR = Path("logs") / "plot"


@dataclass(frozen=True)
class PlotRun:
    outcome: ScriptOutcome
    figures: tuple[str, ...]  # PNG figures now in the folder that this run wrote
    refused: tuple[str, ...]  # what plot.py left that aisci would not take, and why
    stderr_tail: str


def _is_figure(name: str) -> bool:
    return name.lower().endswith(FIGURE_EXTENSIONS)


def _figures_in(folder: Path, refused: list[str]) -> list[tuple[str, Path]]:
    """The image files plot.py left in ``folder`` as (name, path); anything else named like a
    figure (a link, a device) goes to ``refused`` with what it is."""
    found = []
    for name, what in safefs.list_dir(folder):
        if not _is_figure(name):
            continue
        if what == "file":
            found.append((name, folder / name))
        else:
            refused.append(
                f"{name} ({'a symbolic link' if what == 'link' else 'not a regular file'})"
            )
    return found


def run_plot(
    folder: Path,
    *,
    timeout_s: float,
    sandbox: str = "auto",
    cancel: threading.Event | None = None,
    python: str | None = None,
) -> PlotRun:
    folder = Path(folder).resolve()
    used = sandboxes.resolve(sandbox)
    command = [python or sys.executable, "plot.py"]
    refused: list[str] = []
    if used == "none":
        started = time.time()
        outcome = run_script(
            folder,
            command,
            log_dir=folder / LOG_DIR,
            timeout_s=timeout_s,
            sandbox=used,
            cancel=cancel,
        )
        written = [
            name
            for name, path in _figures_in(folder, refused)
            if os.lstat(path).st_mtime >= started - 1
        ]
    else:
        # Outside the results folder: nothing that lists idea folders, or watches them, sees it.
        out = Path(tempfile.mkdtemp(prefix=f"aisci-plot-{folder.name}-"))
        try:
            sandboxes.writable_by_run(out)
            # Figures stay out so plot.py can write them anew; links stay out so bwrap never follows one.
            hidden = tuple(
                name for name, what in safefs.list_dir(folder) if _is_figure(name) or what == "link"
            )
            outcome = run_script(
                folder,
                command,
                log_dir=folder / LOG_DIR,
                timeout_s=timeout_s,
                sandbox=used,
                cancel=cancel,
                mount_over=out,
                hide_in_workdir=hidden,
            )
            written = []
            for name, path in _figures_in(out, refused):
                try:
                    safefs.copy_file(
                        path, folder / name, src_root=out, dst_root=folder, limit=FIGURE_LIMIT
                    )
                except safefs.UnsafePathError as e:
                    refused.append(f"{name} ({e.message})")
                    continue
                written.append(name)
        finally:
            safefs.remove(out)
    figures = tuple(sorted(n for n in written if n.lower().endswith(".png")))
    return PlotRun(
        outcome, figures, tuple(refused), tail(folder / LOG_DIR / "stderr.log", root=folder)
    )
