"""The aisci language server: the server object, its services, and ``create_server``.

Contract: ``create_server()`` returns an ``AisciServer`` with every LSP feature
(lsp/features.py) and every ``aisci.*`` command (lsp/commands.py) registered. The server holds
what the handlers share: the workspace folders, the client's settings, the jobs, the cost
tracker, and the services ``initialize`` starts on its event loop (the bridge to the client,
the diagnostics, the PDF preview) and ``initialized`` starts after it (a results watcher per
workspace folder, whose changes lsp/external_changes.py reports). A command on a path works in
the workspace folder holding it (``folder_of``: its settings, its ``results/`` and
``references/``); a path in no folder, and a command on no path, work in the first (``root``).
``cleanup()`` cancels every job and stops the services; the connection (lsp/connection.py)
calls it at its end, ``aisci lsp`` (lsp/main.py) on SIGTERM. Nothing heavy is imported here
(fast ``initialize``); see docs/lsp.md.
"""

from __future__ import annotations

import asyncio
import os
import threading
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from lsprotocol import types

from aisci.core.context import Context
from aisci.core.proposals import AcceptAll
from aisci.errors import ConfigError
from aisci.execution.executor import ExecutorSettings, make_executor
from aisci.lsp.args import Args
from aisci.lsp.commands import COMMANDS, execute  # loading it declares every command
from aisci.lsp.connection import Connection
from aisci.lsp.diagnostics import DiagnosticStore
from aisci.lsp.external_changes import on_external_change
from aisci.lsp.features import register_features
from aisci.lsp.jobs import Bridge, Job, JobManager
from aisci.lsp.preview import Preview
from aisci.lsp.proposals import EditorReviewer
from aisci.lsp.reporter import CostTracker, LspReporter
from aisci.lsp.settings import ClientSettings
from aisci.lsp.uris import path_to_uri, uri_to_path
from aisci.lsp.watcher import ResultsWatcher
from aisci.versions import __version__

# The lsp modules this one loads (lsp/commands.py among them) name the server's type as
# ``AisciServer`` imported under TYPE_CHECKING: a real import would be a cycle.
if TYPE_CHECKING:
    from pygls.workspace import TextDocument

    from aisci.core.settings import Settings
    from aisci.execution.executor import Executor

_Service = TypeVar("_Service")


def _started(service: _Service | None, name: str) -> _Service:
    if service is None:
        raise RuntimeError(f"the language server has no {name} before `initialize`")
    return service


class AisciServer(Connection):
    def __init__(self) -> None:
        super().__init__(
            "aisci",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Full,
        )
        self.root = Path.cwd().resolve()  # the first workspace folder, once initialized
        self.client_settings = ClientSettings()
        self.jobs = JobManager(self.results_of)
        self.costs = CostTracker()
        # Made by `initialize` (they need its event loop and root); the properties below.
        self._bridge: Bridge | None = None
        self._diagnostics: DiagnosticStore | None = None
        self._preview: Preview | None = None
        self._watchers: dict[Path, ResultsWatcher] = {}
        self.pending_messages: list[str] = []
        self._executors: dict[tuple[str, str | None], Executor] = {}
        self._executor_lock = threading.Lock()
        # An editor's untrusted workspace (AISCI_RESTRICTED=1): answer queries, run nothing.
        self.restricted = os.environ.get("AISCI_RESTRICTED") == "1"
        # A client that shows a failed command itself, with a fix as a button (initialize's
        # `showsFailures`, the aisci extension): no window/showMessage of ours beside it.
        self.client_shows_failures = False

    def folders(self) -> list[Path]:
        """The workspace folders, resolved, the root first: those the client named (kept up to
        date by pygls on workspace/didChangeWorkspaceFolders) that exist."""
        roots = [self.root]
        try:
            named = list(self.workspace.folders.values())
        except RuntimeError:  # before initialize
            named = []
        for folder in named:
            path = uri_to_path(folder.uri)
            if path is not None and path.is_dir() and path.resolve() not in roots:
                roots.append(path.resolve())
        return roots

    def folder_of(self, path: Path | str | None) -> Path:
        """The workspace folder holding ``path`` (the innermost, when folders nest); the first
        folder for a path in none, or for no path."""
        if path is None:
            return self.root
        real = Path(path).resolve()
        holding = [f for f in self.folders() if f == real or f in real.parents]
        return max(holding, key=lambda f: len(f.parts)) if holding else self.root

    def results_of(self, path: Path | str | None) -> Path:
        """The results folder of the workspace folder holding ``path``."""
        return self.folder_of(path) / "results"

    @property
    def bridge(self) -> Bridge:
        """The one way to the client, from any thread."""
        return _started(self._bridge, "bridge to the client")

    @property
    def diagnostics(self) -> DiagnosticStore:
        return _started(self._diagnostics, "diagnostics")

    @property
    def preview(self) -> Preview:
        return _started(self._preview, "PDF preview")

    def settings_for(self, args: Args | None) -> Settings:
        """The core Settings for one command (``args`` may override settings keys)."""

        try:
            return self.client_settings.to_settings(
                self.folder_of(args.where() if args is not None else None),
                args.overrides if args is not None else None,
            )
        except ConfigError as e:
            if args is None:
                raise
            raise Args.error(args.command, str(e)) from None

    def make_context(self, job: Job, settings: Settings) -> Context:

        reviewer = AcceptAll() if settings.autonomy == "full" else EditorReviewer(self.bridge, job)
        return Context(
            settings=settings,
            reporter=LspReporter(self.bridge, job, self.diagnostics, self.costs, settings.max_runs),
            reviewer=reviewer,
            cancel=job.cancel,
            executor=self.executor_for(settings),
        )

    def executor_for(self, settings: Settings) -> Executor:
        """One executor per kind and address for the server's life: a Ray connection is made once."""
        key = (settings.executor, settings.ray_address)
        with self._executor_lock:
            if key not in self._executors:
                self._executors[key] = make_executor(
                    ExecutorSettings(settings.executor, settings.ray_address)
                )
            return self._executors[key]

    def open_document(self, uri: str) -> TextDocument | None:
        try:
            return self.workspace.text_documents.get(uri)
        except RuntimeError:
            return None

    def read(self, path: Path) -> str:
        """A file as the editor has it (unsaved changes included), else from disk."""
        document = self.open_document(path_to_uri(path))
        return (
            document.source
            if document is not None
            else Path(path).read_text(encoding="utf-8", errors="replace")
        )

    def start_services(self) -> None:

        self._bridge = bridge = Bridge(self, asyncio.get_running_loop())
        self._diagnostics = diagnostics = DiagnosticStore(bridge)
        self._preview = Preview(
            bridge,
            diagnostics,
            sandbox=lambda folder: self.client_settings.values_for(self.folder_of(folder)).get(
                "sandbox", "auto"
            ),
        )

    def start_watcher(self) -> None:
        """A results watcher for each workspace folder that has none; a folder's watcher stops
        once it is no workspace folder any more."""
        folders = self.folders()
        for root in [r for r in self._watchers if r not in folders]:
            self._watchers.pop(root).stop()
        for root in folders:
            if root not in self._watchers:
                watcher = ResultsWatcher(root, partial(on_external_change, self))
                self._watchers[root] = watcher
                watcher.start()

    def cleanup(self) -> None:
        """Cancel every job and wait (bounded) for their processes; stop preview and watcher."""
        self.jobs.cancel_all()
        if self._preview is not None:
            self._preview.stop()
        self.jobs.join_all()
        for watcher in self._watchers.values():
            watcher.stop()


def create_server() -> AisciServer:
    """The server with its LSP features and its ``aisci.*`` commands registered: every command
    declared by ``@command`` (lsp/registry.py), each answered by lsp/commands.py's ``execute``."""
    server = AisciServer()
    register_features(server)

    def register(name: str) -> None:
        async def run_command(ls: AisciServer, *args: Any) -> Any:
            return await execute(ls, name, args)

        server.command(name)(run_command)

    for name in COMMANDS:
        register(name)
    return server
