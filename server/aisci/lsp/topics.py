"""The topic commands (docs/topics.md): write an example topic, check one, draft a template from one.

Contract:
- ``aisci.newTopic`` {name, dir} (quick) writes ``<dir>/<name>.md``, the example topic
  (topic/spec.py ``write_example``), and answers its path; a name that is not snake_case, or a
  file that exists, fails with the spec's message. It writes a file, so an untrusted workspace
  refuses it (-32004) before its arguments are read.
- ``aisci.checkTopic`` {path} (quick) answers the topic's problems, each naming its field and
  line, and publishes them as diagnostics on the topic file (their own group, ``topic``: the
  next check replaces them, no template's problems are touched).
- ``aisci.draftTemplate`` {topic, dir?, name?, maxDrafts?} (long) runs topic/draft.py's
  ``draft_template`` with the command's settings (model, API base, sandbox, parallel, cost cap,
  as every stage gets them) into ``<dir>/<name>`` (``dir``: the topic's workspace folder's
  ``templates/``; ``name``: the topic's). It locks ``results/<name>`` (as a launch does), so
  nothing runs on the template while it is drafted. Without a model it fails at once with
  ``require_model``'s message; a topic that cannot be used fails with its problems, also
  published on the file. Each node's end is a progress line; a cancel stops the drafting (the
  loop reads ``ctx.cancel``; finished nodes are kept). The result names the template, the
  winning node, the nodes tried and their cost. The extension refreshes its Templates view
  when the command answers. Under review-edits the winner's template is first one folder
  proposal (``aisci/reviewProposal`` with ``files``: topic/draft_review.py, docs/lsp.md §5).
The topic modules load with the first topic command (``# deferred:``), as the stages do
(lsp/stages.py).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from pygls.exceptions import JsonRpcException

from aisci.core.events import Event, Log, Progress, StageFinished, StageStarted
from aisci.errors import AisciError
from aisci.lsp import diagnostics, wire
from aisci.lsp.args import Args
from aisci.lsp.registry import Plan, command

if TYPE_CHECKING:
    from aisci.core.context import Context
    from aisci.core.events import Reporter
    from aisci.lsp.server import AisciServer  # lsp/server.py loads this module: no real import
    from aisci.problems import Problem

RESTRICTED = -32004  # lsp/commands.py's code for an untrusted workspace (docs/lsp.md §2)
STAGE = "drafting"  # the stage the progress and the status bar name


def _publish(server: AisciServer, path: Path, problems: list[Problem]) -> None:
    """The topic's problems on its file, replacing the last check's."""
    found = [
        diagnostics.make(p.message, p.severity, "aisci-topic", p.line, code=p.field)
        for p in problems
    ]
    server.diagnostics.set_group("topic", path, {path: found} if path.is_file() else {})


@command("aisci.newTopic", keys=("name", "dir"), long=False, trusted_only=True)
def new_topic(server: AisciServer, args: Args) -> wire.TopicWritten:
    if server.restricted:
        raise JsonRpcException(
            code=RESTRICTED,
            message=f"{args.command} did not run: this workspace is not trusted, so the AI "
            "Scientist writes nothing in it. Trust the workspace (Workspaces: Manage Workspace "
            "Trust) to write a topic.",
            data={"command": args.command},
        )
    name, folder = args.text("name"), args.path("dir")
    # deferred: the topic modules load on first use (+200 ms at the server's start, measured)
    from aisci.topic.spec import write_example

    return wire.TopicWritten(str(write_example(folder, name)), name)


@command("aisci.checkTopic", keys=("path",), long=False)
def check_topic(server: AisciServer, args: Args) -> wire.TopicCheck:
    path = args.path("path")
    # deferred: the topic modules load on first use (+200 ms at the server's start, measured)
    from aisci.topic.spec import read_topic

    topic, problems = read_topic(path)
    _publish(server, path, problems)
    return wire.TopicCheck(
        ok=topic is not None,
        topic=str(path),
        name=topic.name if topic else None,
        problems=[
            wire.TemplateProblem(p.file, p.line, p.severity, p.message, p.field) for p in problems
        ],
    )


def _max_drafts(args: Args, default: int) -> int:
    value = args.values.get("maxDrafts")
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise args.fail(f'"maxDrafts" must be a whole number, 1 or more, found {value!r}.')
    return value


class _NodeLines:
    """The job's reporter, with each drafting node's end (the loop's ``Log`` on the template
    folder) also shown as the progress line."""

    def __init__(self, inner: Reporter, folder: Path) -> None:
        self.inner, self.folder = inner, str(folder)

    def emit(self, event: Event) -> None:
        self.inner.emit(event)
        if isinstance(event, Log) and event.folder == self.folder:
            line = event.message.removeprefix(f"{Path(self.folder).name}: ")  # the job's title
            self.inner.emit(Progress(STAGE, line, folder=self.folder))


@command("aisci.draftTemplate", keys=("topic", "dir", "name", "maxDrafts"), long=True)
def draft_template(server: AisciServer, args: Args) -> Plan:
    # deferred: the topic modules load on first use (+200 ms at the server's start, measured)
    from aisci.topic.draft import DEFAULT_MAX_DRAFTS
    from aisci.topic.spec import read_topic

    topic_path = args.path("topic")
    if not topic_path.is_file():
        raise args.fail(
            f"the topic {topic_path} is not a file; write one first (aisci.newTopic, or "
            "aisci template new NAME --topic)."
        )
    parent = args.path("dir") if args.has("dir") else server.folder_of(topic_path) / "templates"
    name = args.text("name", required=False)
    max_drafts = _max_drafts(args, DEFAULT_MAX_DRAFTS)
    readable, _ = read_topic(topic_path)  # the name to lock; the work reads it again
    folder = parent / (name or (readable.name if readable else topic_path.stem))

    def work(ctx: Context) -> wire.TemplateDrafted:
        # deferred: the topic modules load on first use (+200 ms at the server's start, measured)
        from aisci.topic.draft import draft_template as draft
        from aisci.topic.draft import require_model
        from aisci.topic.draft_record import FOLDER
        from aisci.topic.spec import TopicProblems

        require_model(ctx.settings)  # before the topic: the first thing to fix
        topic, problems = read_topic(topic_path)
        _publish(server, topic_path, problems)
        if topic is None:
            raise TopicProblems(topic_path, [p for p in problems if p.is_error])
        here = replace(ctx, reporter=_NodeLines(ctx.reporter, folder))
        here.reporter.emit(
            StageStarted(STAGE, str(folder), f"{folder.name} from {topic_path.name}")
        )
        try:
            outcome = draft(topic, here, parent=parent, name=name, max_drafts=max_drafts)
        except AisciError as e:
            here.reporter.emit(StageFinished(STAGE, str(folder), False, e.message.split("\n")[0]))
            raise
        record, winner = outcome.record, outcome.winner
        costs = [n.cost_usd for n in record.nodes]
        known = [c for c in costs if c is not None]
        message = (
            f"drafted earlier ({winner.label()}); nothing was asked"
            if outcome.reused
            else f"{winner.label()} passed after {len(record.nodes)} node(s)"
        )
        here.reporter.emit(StageFinished(STAGE, str(folder), True, message))
        return wire.TemplateDrafted(
            ok=True,
            message=message,
            template=str(outcome.folder),
            name=outcome.folder.name,
            topic=str(topic_path),
            winner=winner.id,
            winner_label=winner.label(),
            nodes=len(record.nodes),
            cost_usd=round(sum(known), 6) if known else None,
            cost_unknown=len(known) < len(costs),
            reused=outcome.reused,
            record=str(outcome.folder / FOLDER),
        )

    lock = server.results_of(folder) / folder.name
    return Plan(lock, folder, f"Draft of {folder.name}", lambda ctx: wire.to_wire(work(ctx)))
