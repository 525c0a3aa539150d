"""The LLM scientist's code edits: aider proposes, in a dry run, an edit of one file of the idea
folder, and a person's rejection of the last proposal goes into the next instruction.

Attempts. aider runs with the client's model, api_base and key, one aider reflection per
attempt, at most ``EDIT_ATTEMPTS`` attempts; a failed attempt (a SEARCH block that never
matched, an answer that changed nothing, a ``check`` that refused the text) goes to the next
attempt's instruction. When every attempt failed, an ``ExperimentError`` names the failure:
a launch reports it for that idea, and ``--resume`` asks again (finished runs are kept; a
failed edit keeps none of its answers, coder/kept_answers.py).
Returning None instead would read as "the model is done" and hide the failure.

Cost. Before each edit the edit's first request is estimated (its instruction and file, plus
``AIDER_PROMPT_TOKENS`` for aider's own prompt) and held against the cap, so ``--max-cost``
stops mid-idea with ``BudgetExceeded`` before aider is called. Afterwards aider's usage is
recorded in the scientist's ledger as one call per edit (its reflections included), which
updates cost.json and the live cost. aider's answers of an edit that changed the file are kept in the client's
answer store (the idea folder's ``.aisci/answers.jsonl``) before the edit is used, so a resume
replays an edit that was paid for before a stop: those answers land in the ledger as one more record,
marked replayed, costing nothing. Cassettes do not hold aider's calls: an edit replayed
from ``--replay`` alone is refused with a ``ConfigError``.

Rejections. ``LastProposals`` keeps, per idea folder, the description of what this scientist
proposed last, so the instruction after a rejection can name what was rejected. Each
``LLMScientist`` has its own (two scientists in one process never mix their records), and hands
it with its client to the stages that edit code as one ``EditSession``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from aisci.coder import AiderCoder
from aisci.core.events import Log
from aisci.core.proposals import Proposal
from aisci.errors import ConfigError, ExperimentError
from aisci.llm import CallRecord, count_tokens
from aisci.llm.models import price

from .material import one_line
from .prompts import render

if TYPE_CHECKING:
    from aisci.coder import ProposedEdit, Usage
    from aisci.core.context import Context
    from aisci.llm import LLMClient, LLMSettings

log = logging.getLogger(__name__)
EDIT_ATTEMPTS = 2  # fresh aider conversations per edit, the last failure fed to the next
AIDER_REFLECTIONS = 1  # aider's own re-ask of an answer it could not apply, per attempt
# aider's system prompt with its one example and the words around the file (diff format, our
# text: coder/edit_prompts.py): ~330 measured; the estimate stays above it, as a cap must.
AIDER_PROMPT_TOKENS = 600


class LastProposals:
    """What was proposed last in each idea folder, so a rejection can name what it rejected."""

    def __init__(self) -> None:
        self._last: dict[str, str] = {}
        self._lock = threading.Lock()  # runs of several idea folders propose in parallel

    def remember(self, folder: Path, description: str) -> None:
        with self._lock:
            self._last[str(folder)] = description

    def rejection(self, folder: Path, feedback: str | None) -> str:
        """The paragraph an instruction gets after a person rejected the last proposal in
        ``folder`` ("" the first time)."""
        if feedback is None:
            return ""
        with self._lock:
            last = self._last.get(str(folder))
        what = f" ({last})" if last else ""
        return "\n" + render("experiment_rejected", what=what, feedback=one_line(feedback)) + "\n"


@dataclass(frozen=True)
class EditSession:
    """What the stages that have aider edit an idea folder share (runs.py, fixes.py, plots.py,
    search.py): the client, whose model, cap and ledger aider's calls use, and the proposals
    last made in each folder, which the instruction after a rejection names."""

    client: LLMClient
    last_proposals: LastProposals


def edit_file(
    client: LLMClient,
    folder: Path,
    file: str,
    instruction: str,
    ctx: Context,
    stage: str,
    what: str,
    *,
    check: Callable[[str], str | None] | None = None,
    require_change: bool = True,
) -> ProposedEdit:
    """aider's dry-run edit of ``file``, with at most ``EDIT_ATTEMPTS`` attempts."""
    problem = None
    for attempt in range(1, EDIT_ATTEMPTS + 1):
        text = (
            instruction
            if problem is None
            else f"{instruction}\n\n{render('experiment_retry', problem=problem)}"
        )
        edit = _aider(client, Path(folder), file, text, ctx, stage)
        problem = edit.error
        if problem is None and file not in edit.proposed and require_change:
            problem = (
                f"The answer changed nothing in {file}; give edit blocks that make the change."
            )
        if problem is None and check is not None and file in edit.proposed:
            problem = check(edit.proposed[file])
        if problem is None:
            return edit
        first = problem.strip().splitlines()[0] if problem.strip() else "unknown problem"
        ctx.reporter.emit(
            Log(
                f"the edit of {file} for {what} failed (attempt {attempt} of {EDIT_ATTEMPTS}): "
                f"{first}",
                "warning",
                str(folder),
            )
        )
        log.info("edit of %s in %s failed: %s", file, folder, problem)
    raise ExperimentError(
        f"The model's edit of {file} for {what} failed after {EDIT_ATTEMPTS} attempts: {first}",
        "Run the launch again with --resume to ask again (finished runs are kept), or use a "
        "stronger model (--model).",
    )


def proposal_of(edit: ProposedEdit, file: str, description: str, stage: str) -> Proposal | None:
    """The edit's proposal of ``file``, described as the scientist means it."""
    for proposal in edit.proposals(stage, description):
        if proposal.file == file:
            return proposal
    return None


def _aider(
    client: LLMClient, folder: Path, file: str, instruction: str, ctx: Context, stage: str
) -> ProposedEdit:
    s = client.settings
    if s.replay is not None and s.record is None:
        raise ConfigError(
            "Code edits cannot be replayed: aider's model calls are not kept in cassettes.",
            "Replay covers ideas and novelty; run the experiments live (without --replay), "
            "or with --scientist sweep.",
        )
    coder = AiderCoder(
        s.model,
        api_base=s.api_base,
        api_key=_api_key(s),
        timeout_s=s.timeout_s,
        max_reflections=AIDER_REFLECTIONS,
        retry=s.retry,
        limiter=client.limiter,  # aider's calls wait with the stages' calls
        on_wait=client.on_wait,
    )
    budget = client.ledger.root
    cap = s.max_cost_usd if s.max_cost_usd is not None else budget.max_cost_usd
    estimate = (
        _estimate(s, instruction + (folder / file).read_text(encoding="utf-8"))
        if cap is not None
        else 0.0
    )
    budget.reserve(estimate, cap, stage)  # BudgetExceeded here: aider is never called
    started = time.monotonic()
    try:
        edit = coder.propose(
            folder, [file], instruction, cancel=ctx.cancel, answers=client.answer_store
        )
    finally:
        budget.release(estimate)
    _record_usage(client, stage, edit.usage, time.monotonic() - started)
    return edit


def _api_key(settings: LLMSettings) -> str | None:
    if settings.api_key or not settings.api_base:
        return settings.api_key
    # Never the provider's key from the environment to a custom server (--api-key-env names
    # one); the OpenAI client refuses to start without some key.
    return "no-key"


def _estimate(settings: LLMSettings, text: str) -> float:

    p = price(settings.model)
    if p is None:
        return 0.0  # unpriced: the cap cannot count it (the client warns once)
    prompt = count_tokens(text, settings.model) + AIDER_PROMPT_TOKENS
    answer = min(settings.max_tokens, settings.expected_completion_tokens)
    return prompt * p.input_per_token + answer * p.output_per_token


def _record_usage(client: LLMClient, stage: str, usage: Usage, duration_s: float) -> None:
    if not usage.requests and not usage.replayed:
        return
    model = client.settings.model
    if usage.requests:
        client.ledger.record(
            CallRecord(
                stage=stage,
                model=model,
                prompt_tokens=usage.prompt_tokens,
                completion_tokens=usage.completion_tokens,
                cost_usd=usage.cost_usd,
                duration_s=round(duration_s, 3),
                cached_prompt_tokens=usage.cached_prompt_tokens,
            )
        )
    if usage.replayed:  # answers paid for before a stop: free this time
        client.ledger.record(
            CallRecord(
                stage=stage,
                model=model,
                prompt_tokens=usage.replayed_prompt_tokens,
                completion_tokens=usage.replayed_completion_tokens,
                cost_usd=0.0,
                duration_s=0.0,
                replayed=True,
            )
        )
    if client.on_cost is not None:
        try:
            client.on_cost(client.ledger.totals())
        except Exception:  # a broken reporter must not lose the edit
            log.exception("on_cost callback failed")
