"""What the client hears of changes made outside the server's own commands (the file watcher).

Contract: ``on_external_change(server, kind, path)`` turns one change the watcher saw
(lsp/watcher.py: ``tree``, ``tex``, ``ideas`` or ``run``) into what the client would have heard
had a command of this server made it: ``aisci/treeChanged``, a preview build,
``aisci/ideasChanged`` or ``aisci/runFinished`` (with ``source: "watcher"``) and the run's
diagnostics. A change to a folder one of the server's jobs holds is left to that job.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from aisci.errors import AisciError
from aisci.execution.final_info import load_final_info
from aisci.lsp import wire
from aisci.lsp.queries import folder_runs

if TYPE_CHECKING:
    from aisci.lsp.server import AisciServer


def on_external_change(server: AisciServer, kind: str, path: Path) -> None:
    """A change the watcher saw; a folder one of our jobs holds is left to that job, except
    the search record: no job reports its writes, so every change of it is sent from here."""
    if kind == "tree":
        server.bridge.send(wire.TreeChanged(str(path.parent)))
        return
    try:
        changed_at = path.stat().st_mtime
    except OSError:
        changed_at = 0.0
    if server.jobs.held_at(path, changed_at):
        return
    if kind == "tex":
        if not server.restricted:
            server.preview.schedule(path)
    elif kind == "ideas":
        server.bridge.send(wire.IdeasChanged(path.parent.name, str(path), "watcher"))
    elif kind == "run":
        _external_run(server, path.parent.parent, path.parent.name, path)


def _external_run(server: AisciServer, folder: Path, run: str, final_info: Path) -> None:

    try:
        means, ok, message = load_final_info(final_info).means(), True, f"{run} finished."
    except AisciError as e:
        means, ok, message = {}, False, e.message
    known = (
        next((r for r in folder_runs(server, folder).runs if r.run == run), None)
        if (folder / "state.json").is_file()
        else None
    )
    server.bridge.send(
        wire.RunFinished(
            folder=str(folder),
            run=run,
            ok=ok,
            duration_s=known.duration_s if known else None,
            exit_code=None,
            message=message,
            means=means,
            source="watcher",
        )
    )
    server.diagnostics.run_finished(folder, run, ok)
