"""One node of the search, run in its own work folder so variants with different code run at once.

The work folder ``<idea>/.search/node_<id>/`` holds the idea folder's top-level files (the
template: experiment.py replaced by the node's snapshot ``run_<id>.py``, plot.py, aisci.json,
data the template ships) and nothing of the search's history. The run goes through
``ctx.executor`` (this machine or a Ray cluster) like any run; its folder then lands in the idea
folder as ``run_<id>/`` (copied without following links, within ``safetree.RUN_COPY``, replacing
an earlier attempt's; what the copy left out is logged) and the work folder is removed. Events name the idea folder, not the work folder.
"""

from __future__ import annotations

import logging
import re
from dataclasses import fields, replace
from pathlib import Path
from typing import Any, cast

from aisci.core.context import Context
from aisci.core.events import Event, Reporter
from aisci.core.runs import execute_run
from aisci.core.search.tree import Node
from aisci.execution import safefs, safetree
from aisci.execution.executor import RunSpec
from aisci.execution.runner import RunResult

log = logging.getLogger(__name__)

WORK = ".search"
# Not copied into a node's work folder: the search's own history and products.
_SKIP = re.compile(
    r"^(run_\d+(\.py)?|state\.json|tree\.json|notes\.txt|idea\.json|.*\.(png|pdf|lock|tmp))$"
)


class _IdeaFolderReporter:
    """Passes events on with the work folder replaced by the idea folder."""

    def __init__(self, inner: Reporter, work: Path, folder: Path) -> None:
        self.inner, self.work, self.folder = inner, str(work), str(folder)

    def emit(self, event: Event) -> None:
        if (
            any(f.name == "folder" for f in fields(event))
            and getattr(event, "folder", None) == self.work
        ):
            # The event classes that have a folder are several: the check above, not the type.
            event = replace(cast(Any, event), folder=self.folder)
        self.inner.emit(event)


def prepare_work_folder(folder: Path, node_id: int) -> Path:
    work = folder / WORK / f"node_{node_id}"
    safefs.remove(work, root=folder)
    safefs.make_dirs(work, root=folder)
    for name, kind in safefs.list_dir(folder):
        if kind == "file" and not name.startswith(".") and not _SKIP.match(name):
            safefs.copy_file(folder / name, work / name, src_root=folder, dst_root=folder)
    safefs.copy_file(
        folder / f"run_{node_id}.py", work / "experiment.py", src_root=folder, dst_root=folder
    )
    return work


def run_node(folder: Path, node: Node, ctx: Context) -> RunResult:
    """Run ``node`` (its snapshot) and land its run folder in ``folder``; never raises for a
    failing experiment (a failure is a result)."""
    work = prepare_work_folder(folder, node.id)
    run = f"run_{node.id}"
    s = ctx.settings
    spec = RunSpec(work, node.id, s.timeout_s, s.sandbox, s.scale, ctx.gpu, seed=node.seed)
    try:
        result = execute_run(
            ctx.executor, spec, _IdeaFolderReporter(ctx.reporter, work, folder), ctx.cancel
        )
        if safefs.kind(work / run, root=folder) == "dir":
            safefs.remove(folder / run, root=folder)
            skipped = safefs.copy_tree(
                work / run,
                folder / run,
                src_root=folder,
                dst_root=folder,
                links="skip",
                budget=safetree.RUN_COPY,
            )
            for item in skipped:
                log.warning("%s: the copy of %s left out %s", folder.name, run, item)
    finally:
        safefs.remove(work, root=folder)
    outputs = {k: str(folder / run / Path(v).name) for k, v in result.outputs.items()}
    return replace(result, outputs=outputs)
