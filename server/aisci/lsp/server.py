"""The aisci language server: creation and feature registration (handlers only translate).

Contract: ``main(tcp_port)`` serves over stdio (or 127.0.0.1:PORT) until the client sends
``exit`` or goes away, then cancels every job (their experiment process groups are killed),
stops the preview and the watcher, and returns. stdout carries only the protocol: logging
goes to stderr. Nothing heavy is imported here (fast ``initialize``); see docs/lsp.md.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from aisci import __version__
from aisci.lsp import latex_features
from aisci.lsp.jobs import Bridge, JobManager
from aisci.lsp.pygls_compat import (
    cancel_requests_in_flight,
    check_versions,
    shutdown_requested,
    stop_thread_pool,
)
from aisci.lsp.reporter import CostTracker
from aisci.lsp.settings import ClientSettings, section_of
from aisci.lsp.uris import path_to_uri, uri_to_path

if TYPE_CHECKING:
    from aisci.lsp.diagnostics import DiagnosticStore
    from aisci.lsp.preview import Preview
    from aisci.lsp.watcher import ResultsWatcher

log = logging.getLogger("aisci.lsp")
TEMPLATE_FILES = (
    "prompt.json",
    "seed_ideas.json",
    "experiment.py",
    "plot.py",
    "knobs.json",
    "template.tex",
)
_Service = TypeVar("_Service")


def _started(service: _Service | None, name: str) -> _Service:
    if service is None:
        raise RuntimeError(f"the language server has no {name} before `initialize`")
    return service


def plain_converter():
    """lsprotocol's converter, keeping the params and results of custom methods as plain JSON
    (pygls's default turns them into namedtuples)."""
    from lsprotocol import converters
    from pygls.protocol import JsonRPCNotification, JsonRPCRequestMessage, JsonRPCResponseMessage

    converter = converters.get_converter()
    for kind in (JsonRPCNotification, JsonRPCRequestMessage, JsonRPCResponseMessage):
        converter.register_structure_hook(kind, lambda obj, cls: cls(**obj))
    return converter


class AisciServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "aisci",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Full,
            converter_factory=plain_converter,
        )
        self.root = Path.cwd().resolve()
        self.client_settings = ClientSettings()
        self.jobs = JobManager(lambda: self.results)
        self.costs = CostTracker()
        # Made by `initialize` (they need its event loop and root); the properties below.
        self._bridge: Bridge | None = None
        self._diagnostics: DiagnosticStore | None = None
        self._preview: Preview | None = None
        self._watcher: ResultsWatcher | None = None
        self.stop_event: threading.Event | None = None  # set: stop reading the client
        self.tcp_server: asyncio.Server | None = None  # `aisci lsp --tcp`
        self.pending_messages: list[str] = []
        self._executors: dict = {}
        self._executor_lock = threading.Lock()
        # An editor's untrusted workspace (AISCI_RESTRICTED=1): answer queries, run nothing.
        self.restricted = os.environ.get("AISCI_RESTRICTED") == "1"

    @property
    def results(self) -> Path:
        return self.root / "results"

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

    def settings_for(self, args):
        """The core Settings for one command (``args`` may override settings keys)."""
        from aisci.errors import ConfigError
        from aisci.lsp.args import Args

        try:
            return self.client_settings.to_settings(
                self.root, args.overrides if args is not None else None
            )
        except ConfigError as e:
            if args is None:
                raise
            raise Args.error(args.command, str(e)) from None

    def make_context(self, job, settings):
        from aisci.core.context import Context
        from aisci.core.proposals import AcceptAll
        from aisci.lsp.proposals import EditorReviewer
        from aisci.lsp.reporter import LspReporter

        reviewer = AcceptAll() if settings.autonomy == "full" else EditorReviewer(self.bridge, job)
        return Context(
            settings=settings,
            reporter=LspReporter(self.bridge, job, self.diagnostics, self.costs, settings.max_runs),
            reviewer=reviewer,
            cancel=job.cancel,
            executor=self.executor_for(settings),
        )

    def executor_for(self, settings):
        """One executor per kind and address for the server's life: a Ray connection is made once."""
        from aisci.execution.executor import ExecutorSettings, make_executor

        key = (settings.executor, settings.ray_address)
        with self._executor_lock:
            if key not in self._executors:
                self._executors[key] = make_executor(
                    ExecutorSettings(settings.executor, settings.ray_address)
                )
            return self._executors[key]

    def open_document(self, uri: str):
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
        from aisci.lsp.diagnostics import DiagnosticStore
        from aisci.lsp.preview import Preview

        self._bridge = bridge = Bridge(self, asyncio.get_running_loop())
        self._diagnostics = diagnostics = DiagnosticStore(bridge)
        self._preview = Preview(bridge, diagnostics)

    def start_watcher(self) -> None:
        from aisci.lsp.watcher import ResultsWatcher

        self._watcher = watcher = ResultsWatcher(self.root, self.on_external_change)
        watcher.start()

    def on_external_change(self, kind: str, path: Path) -> None:
        """A change the watcher saw; a folder one of our jobs holds is left to that job, except
        the search record: no job reports its writes, so every change of it is sent from here."""
        if kind == "tree":
            self.bridge.notify("aisci/treeChanged", {"folder": str(path.parent)})
            return
        try:
            changed_at = path.stat().st_mtime
        except OSError:
            changed_at = 0.0
        if self.jobs.held_at(path, changed_at):
            return
        if kind == "tex":
            if not self.restricted:
                self.preview.schedule(path)
        elif kind == "ideas":
            self.bridge.notify(
                "aisci/ideasChanged",
                {"template": path.parent.name, "path": str(path), "source": "watcher"},
            )
        elif kind == "run":
            self._external_run(path.parent.parent, path.parent.name, path)

    def _external_run(self, folder: Path, run: str, final_info: Path) -> None:
        from aisci.errors import AisciError
        from aisci.execution.final_info import load_final_info
        from aisci.lsp.queries import runs_of

        try:
            means, ok, message = load_final_info(final_info).means(), True, f"{run} finished."
        except AisciError as e:
            means, ok, message = {}, False, e.message
        step: dict[str, Any] = (
            next((r for r in runs_of(self, folder)["runs"] if r["run"] == run), {})
            if (folder / "state.json").is_file()
            else {}
        )
        self.bridge.notify(
            "aisci/runFinished",
            {
                "folder": str(folder),
                "run": run,
                "ok": ok,
                "durationS": step.get("durationS"),
                "exitCode": None,
                "message": message,
                "means": means,
                "source": "watcher",
            },
        )
        self.diagnostics.run_finished(folder, run, ok)

    def cleanup(self) -> None:
        """Cancel every job and wait (bounded) for their processes; stop preview and watcher."""
        self.jobs.cancel_all()
        if self._preview is not None:
            self._preview.stop()
        self.jobs.join_all()
        if self._watcher is not None:
            self._watcher.stop()

    def start_io(self, stdin=None, stdout=None) -> None:
        """pygls's stdio server with our reader of frames (lsp/framing.py: bad input is answered
        or skipped, never the end of the conversation)."""
        from pygls.io_ import StdoutWriter

        from aisci.lsp.framing import StdioSource, serve

        self.stop_event = stop_event = threading.Event()
        self.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
        try:
            asyncio.run(
                serve(
                    StdioSource(stdin or sys.stdin.buffer, self.thread_pool),
                    self.protocol,
                    stop_event,
                )
            )
        except BrokenPipeError:
            log.error("the client closed its end of the connection; shutting down")
        except (KeyboardInterrupt, SystemExit):
            pass
        except Exception:
            log.exception("the connection to the client failed; shutting down")
            raise
        finally:
            self.shutdown()

    def start_tcp(self, host: str, port: int) -> None:
        """One client on host:port (``aisci lsp --tcp`` passes 127.0.0.1), read like stdio."""
        from aisci.lsp.framing import StreamSource, serve

        self.stop_event = stop_event = threading.Event()

        async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.protocol.set_writer(writer)
            await serve(StreamSource(reader), self.protocol, stop_event)
            self.shutdown()

        async def listen() -> None:
            self.tcp_server = tcp_server = await asyncio.start_server(connection, host, port)
            async with tcp_server:
                await tcp_server.serve_forever()

        try:
            asyncio.run(listen())
        except asyncio.CancelledError:
            log.debug("the TCP server was cancelled")

    def shutdown(self) -> None:
        """pygls's end of the connection: our children first. Its thread pool is not waited
        for: after ``exit`` its stdin reader may still block on a pipe the client keeps open."""
        self.cleanup()
        if self.stop_event is not None:
            self.stop_event.set()
        stop_thread_pool(self)
        if self.tcp_server is not None:
            self.tcp_server.close()


def _root_of(params: types.InitializeParams) -> Path | None:
    for uri in [f.uri for f in params.workspace_folders or []] + [params.root_uri or ""]:
        path = uri_to_path(uri) if uri else None
        if path is not None and path.is_dir():
            return path.resolve()
    if params.root_path and Path(params.root_path).is_dir():
        return Path(params.root_path).resolve()
    return None


def create_server() -> AisciServer:
    server = AisciServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: AisciServer, params: types.InitializeParams) -> None:
        root = _root_of(params)
        if root is not None:
            ls.root = root  # what the CLI finds in its current directory the server finds here
        ls.pending_messages += ls.client_settings.merge(section_of(params.initialization_options))
        ls.start_services()

    @server.feature(types.INITIALIZED)
    def initialized(ls: AisciServer, params: types.InitializedParams) -> None:
        ls.start_watcher()
        for message in ls.pending_messages:
            ls.bridge.show_message(message, "warning" if "ignored" in message else "error")
        ls.pending_messages.clear()

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def did_change_configuration(
        ls: AisciServer, params: types.DidChangeConfigurationParams
    ) -> None:
        for message in ls.client_settings.merge(section_of(params.settings)):
            ls.bridge.show_message(message, "warning" if "ignored" in message else "error")

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
    async def did_save(ls: AisciServer, params: types.DidSaveTextDocumentParams) -> None:
        path = uri_to_path(params.text_document.uri)
        if path is None:
            return
        if path.suffix == ".tex" and not ls.restricted and not ls.jobs.holder_of(path):
            ls.preview.schedule(path, saved=True)
        from aisci.lsp.locate import is_template

        template = path.parent.parent if path.name == "template.tex" else path.parent
        if (
            path.name in TEMPLATE_FILES
            and is_template(template)
            and not (template / "state.json").exists()
        ):
            from aisci.core.template import check_template

            problems = await asyncio.get_running_loop().run_in_executor(
                None, check_template, template
            )
            ls.diagnostics.template_problems(template, problems)

    @server.feature(
        types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=["{", ","])
    )
    def completion(ls: AisciServer, params: types.CompletionParams) -> types.CompletionList | None:
        path, document = (
            uri_to_path(params.text_document.uri),
            ls.open_document(params.text_document.uri),
        )
        if path is None or document is None or path.suffix != ".tex":
            return None
        offset = document.offset_at_position(params.position)
        start = latex_features.cite_context(document.source, offset)
        if start is None:
            return None
        begin = types.Position(params.position.line, params.position.character - (offset - start))
        edit_range = types.Range(begin, params.position)
        items = [
            types.CompletionItem(
                label=key,
                kind=types.CompletionItemKind.Reference,
                detail=e["title"],
                documentation=types.MarkupContent(
                    types.MarkupKind.Markdown, latex_features.describe(key, e)
                ),
                filter_text=key,
                text_edit=types.TextEdit(edit_range, key),
            )
            for key, e in latex_features.bib_entries(path, document.source, ls.read).items()
        ]
        return types.CompletionList(is_incomplete=False, items=items)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: AisciServer, params: types.HoverParams) -> types.Hover | None:
        path, document = (
            uri_to_path(params.text_document.uri),
            ls.open_document(params.text_document.uri),
        )
        if path is None or document is None or path.suffix != ".tex":
            return None
        lines = document.lines
        if params.position.line >= len(lines):
            return None
        key = latex_features.cite_key_at(lines[params.position.line], params.position.character)
        if not key:
            return None
        entry = latex_features.bib_entries(path, document.source, ls.read).get(key)
        if entry is None:
            return None
        return types.Hover(
            types.MarkupContent(types.MarkupKind.Markdown, latex_features.describe(key, entry))
        )

    @server.feature(types.TEXT_DOCUMENT_CODE_LENS)
    def code_lens(ls: AisciServer, params: types.CodeLensParams) -> list[types.CodeLens] | None:
        from aisci.lsp.locate import is_template, template_for_name

        path = uri_to_path(params.text_document.uri)
        if path is None or path.name != "ideas.json":
            return None
        template = (
            path.parent
            if is_template(path.parent)
            else template_for_name(ls.root, path.parent.name)
        )
        if template is None:
            return None
        lenses = []
        for line, name in latex_features.idea_lenses(ls.read(path)):
            where = types.Range(types.Position(line, 0), types.Position(line, 0))
            for title, command, arg in (
                (
                    "Check novelty",
                    "aisci.checkNovelty",
                    {"template": str(template), "ideas": [name]},
                ),
                (
                    "Run experiments",
                    "aisci.runExperiments",
                    {"template": str(template), "idea": name},
                ),
                ("Write paper", "aisci.draftPaper", {"template": str(template), "idea": name}),
            ):
                lenses.append(
                    types.CodeLens(
                        where, types.Command(title=title, command=command, arguments=[arg])
                    )
                )
        return lenses

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: AisciServer, params: Any = None) -> None:
        ls.jobs.cancel_all()
        # pygls then cancels every pending request while iterating over its table, which a
        # cancelled executeCommand leaves at once (an upstream bug, see pygls_compat): cancel
        # them here first, over a copy.
        cancel_requests_in_flight(ls.protocol)

    from aisci.lsp.commands import COMMANDS, execute

    def register(name: str) -> None:
        async def run_command(ls: AisciServer, *args: Any) -> Any:
            return await execute(ls, name, args)

        server.command(name)(run_command)

    for name in COMMANDS:
        register(name)
    return server


class AnsweredErrors(logging.Filter):
    """pygls logs every error answer of a request with its traceback, although an error answer is
    how a command says it was cancelled (-32800), refused as busy (-32002), given bad params
    (-32602) or failed with a message the client shows (-32001). Those are one line (the expected
    ones at INFO), never a traceback; an unexpected exception keeps its traceback."""

    QUIET = (-32800, -32002, -32602)

    def filter(self, record: logging.LogRecord) -> bool:
        from pygls.exceptions import JsonRpcException

        error = record.exc_info[1] if record.exc_info else None
        if not isinstance(error, JsonRpcException):
            return True
        record.msg, record.args = (
            f"{record.getMessage()} answered with error {error.code}: {error.message}",
            (),
        )
        record.exc_info, record.exc_text = None, None
        if error.code in self.QUIET:
            record.levelno, record.levelname = logging.INFO, "INFO"
            return logging.getLogger().isEnabledFor(logging.INFO)
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def main(tcp_port: int | None = None) -> None:
    """``aisci lsp [--tcp PORT]``."""
    check_versions()
    logging.basicConfig(
        level=logging.INFO if os.environ.get("AISCI_LSP_DEBUG") else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
        force=True,
    )
    logging.getLogger("pygls.protocol.json_rpc").addFilter(AnsweredErrors())
    # The protocol owns fd 1; anything that prints (a library, a stray print) goes to stderr instead.
    protocol_out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    server = create_server()

    def on_term(signum, frame):
        # The editor (or the system) stopping us: end our children, then go. The job threads
        # finish without the event loop, which this handler interrupts.
        server.cleanup()
        os._exit(1)

    signal.signal(signal.SIGTERM, on_term)
    try:
        if tcp_port is not None:
            server.start_tcp("127.0.0.1", tcp_port)
        else:
            server.start_io(sys.stdin.buffer, protocol_out)
    finally:
        clean = shutdown_requested(server.protocol)
        if not clean:
            log.warning("exiting with status 1: the connection ended without a shutdown request")
        server.cleanup()
        logging.shutdown()
        # Exit now: a thread blocked reading a stdin the client keeps open must not keep us alive.
        # LSP: status 0 only after shutdown and exit.
        os._exit(0 if clean else 1)
