"""``workspace/executeCommand``: each aisci command, translated to one core call.

Contract (docs/lsp.md §2): a long command validates its one argument on the event loop, locks
its path (``Busy`` -> -32002 at once), builds a ``Context`` (settings, the LSP reporter, the
editor reviewer under review-edits, the job's cancel event) and runs the stage in the job's
thread with work-done progress; it answers with the stage's result, or with an error: -32001
(the stage failed: message, hint, log), -32800 (cancelled), -32004 (an untrusted workspace:
AISCI_RESTRICTED=1 runs no long command). Quick commands (``aisci.checkTemplate``,
``aisci.cancel``, ``aisci.steerNode`` and the queries) run in a worker thread; only a steering
write takes the folder's lock, briefly.
Each command is declared once, by ``@command`` beside its handler (lsp/registry.py): here
``aisci.cancel`` and ``aisci.steerNode``, the long commands in lsp/stages.py, the queries in
lsp/queries.py, the topic commands in lsp/topics.py. This module imports them all, so
``COMMANDS`` is complete once it is loaded.
Nothing here does research work itself.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pygls.exceptions import JsonRpcException

from aisci.core.search import load_tree, steer
from aisci.core.template import TemplateProblems
from aisci.errors import AisciError
from aisci.lsp import queries, stages, topics  # noqa: F401 (their @command declarations fill COMMANDS)
from aisci.lsp.args import Args
from aisci.lsp.jobs import Busy, run_job
from aisci.lsp.pygls_compat import current_request
from aisci.lsp.registry import COMMANDS, Plan, command
from aisci.lsp.reporter import LspReporter
from aisci.lsp.wire import Cancelled, NodeSteered, to_wire

if TYPE_CHECKING:
    from aisci.core.events import Reporter

    # lsp/server.py loads this module to register the commands: a real import would be a cycle.
    from aisci.lsp.server import AisciServer

log = logging.getLogger(__name__)

STAGE_FAILED, BUSY, RESTRICTED, CANCELLED = -32001, -32002, -32004, -32800
STEERING = ("pin", "unpin", "prune")


@command("aisci.cancel", keys=("job", "folder"), long=False)
def cancel(server: AisciServer, args: Args) -> Cancelled:
    if args.has("job"):
        return Cancelled(server.jobs.cancel(job_id=args.text("job")))
    if args.has("folder"):
        return Cancelled(server.jobs.cancel(folder=str(args.path("folder"))))
    raise args.fail('give {"job": "aisci-job-N"} or {"folder": "/abs/folder"}.')


@command("aisci.steerNode", keys=("folder", "node", "action"), long=False, trusted_only=True)
def steer_node(server: AisciServer, args: Args) -> NodeSteered:
    """A person's pin or prune of a search node (core.tree.steer), under the folder's lock.

    When one of this server's jobs holds the folder (a search running here), its lock is ours and
    tree.json's per-file lock orders this write with the search's; otherwise the folder is locked
    for the write, so a search running in another process (an ``aisci launch`` in a terminal)
    refuses it as busy rather than losing one of the two writes."""
    folder = args.path("folder")
    node, action = args.values.get("node"), args.text("action")
    if isinstance(node, bool) or not isinstance(node, int) or node < 0:
        raise args.fail(
            f'"node" must be a node id (a whole number, the run index), found {node!r}.'
        )
    if action not in STEERING:
        raise args.fail(f'"action" must be one of {", ".join(STEERING)}, found {action!r}.')
    if server.restricted:
        raise _error(
            RESTRICTED,
            f"{args.command} did not run: this workspace is not trusted, so the AI Scientist "
            "changes nothing in it. Trust the workspace (Workspaces: Manage Workspace Trust) "
            "to steer a search.",
            command=args.command,
        )
    tree = load_tree(folder)
    if tree is None or not any(n.id == node for n in tree.nodes):
        raise args.fail(
            f"{folder} has no search node {node}" + ("" if tree else " (it has no tree.json)") + "."
        )
    job = None
    if server.jobs.holder_of(folder) is None:
        try:
            job = server.jobs.reserve(args.command, folder)
        except Busy as e:
            raise _error(BUSY, str(e), command=args.command, running=e.running) from None
    try:
        tree = steer(folder, node, action)
    finally:
        if job is not None:
            server.jobs.release(job)
    changed = tree.node(node)
    return NodeSteered(str(folder), node, action, changed.status, changed.pinned, changed.pruned)


def _error(code: int, text: str, **data: Any) -> JsonRpcException:
    return JsonRpcException(message=text, code=code, data=data)


def _location(error: AisciError) -> dict[str, Any] | None:
    """The file and line to open for a failure (a template's first error), else None."""
    if not isinstance(error, TemplateProblems):
        return None
    first = error.problems[0]
    return {"file": str(error.path / first.file), "line": first.line}


def _log_of(error: AisciError, reporter: Reporter, folder: Path) -> str | None:
    """The log that tells most about a failure: the failed run's stderr, else the plot log."""
    if isinstance(reporter, LspReporter) and reporter.last_failure_log:
        return reporter.last_failure_log
    for candidate in (folder / "logs" / "plot" / "stderr.log",):
        if candidate.is_file() and str(candidate) in f"{error.message} {error.hint}":
            return str(candidate)
    return None


async def execute(server: AisciServer, name: str, arguments: tuple[Any, ...]) -> Any:
    spec = COMMANDS[name]
    args = Args.parse(name, arguments, spec.keys)
    loop = asyncio.get_running_loop()
    handler = spec.handler
    if not spec.long:  # a quick command that refuses an untrusted workspace does so itself
        try:
            # A quick command answers with its lsp/wire type: the JSON is made here, once.
            return to_wire(await loop.run_in_executor(None, handler, server, args))
        except AisciError as e:
            raise _error(
                STAGE_FAILED,
                str(e),
                command=name,
                message=e.message,
                hint=e.hint,
                log=None,
                folder=None,
            ) from None
        except (JsonRpcException, asyncio.CancelledError):
            raise
        except Exception as e:
            log.exception("%s failed unexpectedly", name)
            text = f"{name} failed unexpectedly: {type(e).__name__}: {e}. The traceback is in the server's log."
            raise _error(
                STAGE_FAILED, text, command=name, message=text, hint=None, log=None, folder=None
            ) from None
    if spec.trusted_only and server.restricted:
        raise _error(
            RESTRICTED,
            f"{name} did not run: this workspace is not trusted, so the AI Scientist only "
            "shows what is in it and runs nothing (no experiment, no LaTeX). Trust the "
            "workspace (Workspaces: Manage Workspace Trust) to run commands.",
            command=name,
        )
    plan: Plan = handler(server, args)
    settings = server.settings_for(args)  # a bad override is a bad argument (-32602)
    try:
        job = server.jobs.reserve(name, plan.lock, plan.folder)
    except Busy as e:
        raise _error(BUSY, str(e), command=name, running=e.running) from None
    ctx = server.make_context(job, settings)
    # $/cancelRequest cancels pygls's future of the executeCommand request, not this coroutine:
    # make it cancel the job too.
    request = current_request(server.protocol)
    if request is not None:
        request.add_done_callback(lambda f: job.request_cancel() if f.cancelled() else None)
    try:
        result = await run_job(server, server.bridge, job, plan.title, lambda: plan.work(ctx))
        return result
    except AisciError as e:
        if job.cancel.is_set():
            raise _error(
                CANCELLED,
                f"{name} was cancelled; everything that finished is saved. Run it again "
                "to continue.",
                command=name,
                job=job.id,
            ) from None
        log_path = _log_of(e, ctx.reporter, plan.folder)
        text = str(e) + (f" Log: {log_path}" if log_path and log_path not in str(e) else "")
        if isinstance(e, TemplateProblems):  # in the Problems panel, at their lines
            server.diagnostics.template_problems(e.path, e.problems)
        if not server.client_shows_failures:
            server.bridge.show_message(f"{name} failed: {text}")
        raise _error(
            STAGE_FAILED,
            text,
            command=name,
            message=e.message,
            hint=e.hint,
            log=log_path,
            folder=str(plan.folder),
            location=_location(e),
        ) from None
    except (asyncio.CancelledError, JsonRpcException):
        raise
    except Exception as e:
        if job.cancel.is_set():
            raise _error(CANCELLED, f"{name} was cancelled.", command=name, job=job.id) from None
        log.exception("%s failed unexpectedly", name)
        text = f"{name} failed unexpectedly: {type(e).__name__}: {e}. The traceback is in the server's log."
        if not server.client_shows_failures:
            server.bridge.show_message(text)
        raise _error(
            STAGE_FAILED,
            text,
            command=name,
            message=text,
            hint=None,
            log=None,
            folder=str(plan.folder),
            location=None,
        ) from None
    finally:
        server.jobs.release(job)
