"""``aisci template draft TOPIC.md --model M``: a model drafts a runnable template from a topic.

Contract:
- ``draft_template(topic, ctx, parent=..., name=..., max_drafts=...)`` makes ``<parent>/<name>``
  (name: the topic's, unless given) a template that passes the check, runs its smoke baseline in
  the sandbox and makes a figure, and returns a ``DraftOutcome``. Drafting needs a model
  (``require_model``: a ``ConfigError`` naming ``aisci template new`` otherwise).
- The loop is the tree search's draft and debug nodes (draft_record.py): a draft asks the
  model for the files (draft_prompts.py); aisci writes the rest and tries the candidate
  (draft_candidate.py); a failure goes back to the model as a debug child of the node with its
  error, at most ``DEBUG_DEPTH`` debug steps in a row, then a fresh draft. Up to
  ``settings.parallel`` nodes work at once (threads; the client and its limiter are shared).
  The first node that passes wins: its files are copied into the template folder, the others
  are stopped (``cancelled``) and every node stays in ``drafting/``.
- It stops without a winner at ``max_drafts`` nodes, or when the model cannot be asked (the
  cost cap, a refused key, a cancel), with ``DraftingStopped`` naming each node and how it
  ended. Running the same command again resumes: finished nodes are kept, an unfinished one is
  done again and its paid answer comes from the node's answer store.
- Nothing is written outside ``<parent>/<name>``: the smoke runs, the ledgers and the answer
  stores are all in ``drafting/``.
"""

from __future__ import annotations

import concurrent.futures as futures
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from aisci.core.context import Context
from aisci.core.events import Log
from aisci.core.new_template import check_new_template
from aisci.core.search import diff_summary
from aisci.core.settings import Settings
from aisci.errors import AisciError, ConfigError
from aisci.execution import safefs
from aisci.llm import Cancelled, LLMClient, LLMFormatError
from aisci.llm.answer_store import working_in
from aisci.scientists.llm.material import one_line
from aisci.scientists.llm.session import open_client
from aisci.topic.draft_candidate import candidate_problems, try_candidate, write_candidate
from aisci.topic.draft_prompts import (
    DEBUG_SCHEMA,
    DRAFT_SCHEMA,
    STAGE,
    debug_messages,
    draft_messages,
    merge_answer,
)
from aisci.topic.draft_record import (
    FOLDER,
    RECORD,
    DraftNode,
    DraftRecord,
    code_hash,
    load_files,
    load_record,
    node_folder,
    save_files,
    save_record,
    tried_lines,
    write_diff,
)
from aisci.topic.draft_review import review_winner
from aisci.topic.spec import Topic

DEFAULT_MAX_DRAFTS = 6
DEBUG_DEPTH = 3  # debug steps in a row below a draft before a fresh draft is asked for
_POLL_S = 0.25  # how often a cancel is noticed while nodes work


class DraftingStopped(AisciError):
    """The drafting ended without a template that runs."""


@dataclass(frozen=True)
class DraftOutcome:
    folder: Path
    record: DraftRecord
    reused: bool = False  # drafted by an earlier command: nothing was asked or run

    @property
    def winner(self) -> DraftNode:
        return self.record.node(self.record.winner or 0)


def require_model(settings: Settings) -> None:
    """Only the model drafts: the scientist setting chooses who works on the template after
    (``launch --topic --scientist sweep`` drafts with the model, then sweeps its knobs)."""
    if settings.model:
        return
    raise ConfigError(
        "Drafting a template from a topic needs a model, and no --model was given: the sweep "
        "scientist only changes the knobs of code that exists, it cannot write an experiment.",
        "Pass --model (e.g. gpt-4o, or openai/NAME with --api-base), or scaffold a template by "
        "hand: aisci template new NAME, then write its experiment.py for the topic.",
    )


def draft_folder(topic: Topic, parent: Path, name: str | None = None) -> Path:
    """The template folder: an earlier drafting's (resumed), else a new one the rule allows."""
    name = name or topic.name
    dest = Path(parent) / name
    if safefs.kind(dest / FOLDER / RECORD, root=Path(parent)) == "file":
        return dest
    return check_new_template(name, Path(parent))


def draft_template(
    topic: Topic,
    ctx: Context,
    *,
    parent: Path,
    name: str | None = None,
    max_drafts: int = DEFAULT_MAX_DRAFTS,
    **llm_options: Any,
) -> DraftOutcome:
    """``llm_options`` go to the client's settings (tests pass a fast ``retry``)."""
    require_model(ctx.settings)
    dest = draft_folder(topic, parent, name)
    record = load_record(dest) or DraftRecord(str(topic.path), dest.name, ctx.settings.model)
    if record.winner is not None and (dest / "experiment.py").is_file():
        return DraftOutcome(dest, record, reused=True)
    save_record(dest, record)
    # The ledgers and answer stores live in drafting/: drafting/cost.json, and each node's.
    here = replace(ctx, settings=ctx.settings.with_(results=dest))
    client = open_client(FOLDER, here, **llm_options).client
    accepted = False
    while not accepted:  # each rejection adds a node: --max-drafts ends it
        record = _Loop(dest, topic, here, client, max_drafts).run(record)
        record, accepted = review_winner(here, dest, topic, record)
    return DraftOutcome(dest, record)


class _Loop:
    """The nodes of one command, up to ``parallel`` at once; only ``run`` writes the record."""

    def __init__(
        self, dest: Path, topic: Topic, ctx: Context, client: LLMClient, max_drafts: int
    ) -> None:
        self.dest, self.topic, self.ctx, self.client = dest, topic, ctx, client
        self.max_drafts = max_drafts
        self.workers = max(1, ctx.settings.parallel)
        self.stop = threading.Event()  # a winner, a cancel or a problem: the runs stop

    def run(self, record: DraftRecord) -> DraftRecord:
        if record.winner is not None:  # a stop came between the win and the copy
            return record
        running: dict[futures.Future, DraftNode] = {}
        problem: AisciError | None = None
        with futures.ThreadPoolExecutor(self.workers, thread_name_prefix="aisci-draft") as pool:
            try:
                while True:
                    while len(running) < self.workers and not self.stop.is_set():
                        node = self._next(record, {n.id for n in running.values()})
                        if node is None:
                            break
                        record = record.with_node(node)
                        save_record(self.dest, record)
                        running[pool.submit(self._work, record, node)] = node
                    if not running:
                        break
                    done, _ = futures.wait(running, _POLL_S, futures.FIRST_COMPLETED)
                    if self.ctx.cancel.is_set():
                        self.stop.set()
                    for future in done:
                        running.pop(future)
                        try:
                            finished = future.result()
                        except AisciError as exc:  # the model cannot be asked: all stop
                            problem = problem or exc
                            self.stop.set()
                            continue
                        record = self._land(record, finished)
            finally:
                self.stop.set()  # an unexpected error: the other runs stop, their nodes pending
        if record.winner is not None:
            return record
        if problem is not None or self.ctx.cancel.is_set():
            raise self._stopped(record, problem or Cancelled("The drafting"))
        taken = " and was accepted" if any(n.status == "rejected" for n in record.nodes) else ""
        raise DraftingStopped(
            f"Drafting {self.dest.name} stopped after {len(record.nodes)} node(s) "
            f"(--max-drafts {self.max_drafts}) without a template that runs{taken}:\n"
            f"{tried_lines(record)}",
            f"Each node's files, error and diff are in {self.dest / FOLDER}. Run the same "
            "command with a higher --max-drafts to go on (finished nodes are kept), or make the "
            "topic simpler.",
        )

    def _land(self, record: DraftRecord, node: DraftNode) -> DraftRecord:
        if node.status == "cancelled" and record.winner is None:
            return record  # stopped by a problem, not a winner: done again on resume
        record = record.with_node(node)
        if node.status == "passed" and record.winner is None:
            record = replace(record, winner=node.id)
            self.stop.set()
        save_record(self.dest, record)
        why = f": {one_line(node.error)[:200]}" if node.error else ""
        self.ctx.reporter.emit(
            Log(f"{self.dest.name}: {node.label()} {node.status}{why}", "info", str(self.dest))
        )
        return record

    def _next(self, record: DraftRecord, busy: set[int]) -> DraftNode | None:
        """A node left unfinished (a resume's) first; then, under --max-drafts, a debug child of
        a node the researcher rejected (at any depth: the reason is what it fixes), of a failed
        node not yet debugged and under the depth, else a fresh draft."""
        for n in record.nodes:
            if not n.finished and n.id not in busy:
                return n
        if len(record.nodes) >= self.max_drafts:
            return None
        for n in record.nodes:
            if n.status == "rejected" and not record.children(n.id):
                return DraftNode(record.next_id(), "debug", parent=n.id)
        for n in record.nodes:
            if (
                n.status == "failed"
                and n.has_code
                and not record.children(n.id)
                and record.depth(n.id) < DEBUG_DEPTH
            ):
                return DraftNode(record.next_id(), "debug", parent=n.id)
        return DraftNode(record.next_id(), "draft")

    def _work(self, record: DraftRecord, node: DraftNode) -> DraftNode:
        """Ask, write, check and try one node (in a worker thread); the node as it ended."""
        started = time.monotonic()
        folder = node_folder(self.dest, node.id)
        folder.mkdir(parents=True, exist_ok=True)
        parent = load_files(self.dest, node.parent) if node.parent is not None else None
        with working_in(folder):  # this node's ledger and answer store (llm/answer_store.py)
            try:
                answer, unusable = self._ask(record, node, parent), None
            except LLMFormatError as exc:
                answer, unusable = {}, exc.message
            cost = _cost(self.client)
        if unusable is not None:
            node = replace(node, cost_usd=cost)
            return self._ended(node, started, "failed", f"no usable answer: {unusable}")
        files = merge_answer(answer, parent)
        save_files(self.dest, node.id, files)
        tried = one_line(str(files.get("task_description", "")))[:160]
        if parent is not None:
            tried = diff_summary(write_diff(self.dest, node.id, parent, files), 160)
        node = replace(node, has_code=True, code_hash=code_hash(files), tried=tried, cost_usd=cost)
        candidate = folder / self.dest.name
        write_candidate(candidate, self.topic, files)
        problems = candidate_problems(candidate)
        if problems:
            lines = "\n".join(f"- {p}" for p in problems)
            return self._ended(node, started, "failed", f"The template check failed:\n{lines}")
        failure = try_candidate(candidate, folder / "smoke", self.topic, self.ctx, self.stop)
        if failure is None:
            return self._ended(node, started, "passed", None)
        status = "cancelled" if failure.startswith("cancelled") else "failed"
        return self._ended(node, started, status, failure)

    def _ask(self, record: DraftRecord, node: DraftNode, parent: dict | None) -> dict:
        self.ctx.check_cancelled("The drafting")
        if node.kind == "draft" or parent is None:
            messages = draft_messages(self.topic, node.id)
            return self.client.complete_json(messages, DRAFT_SCHEMA, stage=STAGE)
        failed = record.node(node.parent or 0)
        messages = debug_messages(self.topic, failed.id, parent, failed.error or "it failed")
        return self.client.complete_json(messages, DEBUG_SCHEMA, stage=STAGE)

    @staticmethod
    def _ended(node: DraftNode, started: float, status: str, error: str | None) -> DraftNode:
        return replace(
            node, status=status, error=error, duration_s=round(time.monotonic() - started, 2)
        )

    def _stopped(self, record: DraftRecord, problem: AisciError) -> DraftingStopped:
        return DraftingStopped(
            f"Drafting {self.dest.name} stopped: {problem.message}\nThe nodes so far:\n"
            f"{tried_lines(record) or '  (none finished)'}",
            (problem.hint + " " if problem.hint else "")
            + "Then run the same command again: finished nodes are kept and paid answers are "
            "replayed, not asked again.",
        )


def _cost(client: LLMClient) -> float | None:
    """What the calls of the node this thread works in cost; None where none had a price."""
    overall = client.ledger.totals().overall
    if overall.calls and overall.unpriced_calls == overall.calls:
        return None
    return round(overall.cost_usd, 6)
