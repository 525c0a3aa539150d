"""The LLM scientist's model client for one command: settings, cost ledgers, live cost events.

Contract:
- ``open_client(template_name, ctx)`` builds one ``LLMClient`` from ``ctx.settings`` (model,
  api_base, max_cost_usd, record, replay) and checks the model string and its key at once, so
  a missing key fails before any work with a message naming the variable (``ConfigError``).
  Replaying a cassette without recording needs no key and no model: the model comes from the
  cassette when ``--model`` is not given.
- Two ledgers: ``results/<template>/cost.json`` keeps every call of every command on this
  template (it is loaded and appended to); its parent, in memory, holds this command's calls
  and the cap. So ``--max-cost`` is what this command may spend, and a launch stopped by the
  cap continues with ``--resume --max-cost X`` where X is what the rest may spend.
- Paid answers are kept in ``results/<template>/.aisci/answers.jsonl`` (and, for the work on
  an idea folder, in that folder: llm/answer_store.py), so a resume never pays for one twice.
- After every call a ``CostUpdated`` event reports this command's spending (total and per
  stage; ``None`` where no call had a known price) to ``ctx.reporter``.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aisci.core.events import CostUpdated
from aisci.errors import ConfigError
from aisci.llm import Ledger, LedgerTotals, LLMClient, LLMSettings, RetryPolicy, StageTotals
from aisci.llm.aliases import resolve_model

if TYPE_CHECKING:
    from aisci.core.context import Context

log = logging.getLogger(__name__)


def cost_path(results: Path, template_name: str) -> Path:
    return Path(results) / template_name / "cost.json"


@dataclass
class Session:
    client: LLMClient
    ledger: Ledger  # cost.json: every call on this template, all commands
    command_ledger: Ledger  # this command's calls; the cap is checked here

    def summary(self) -> str:
        return self.command_ledger.summary()


def _stage_usd(totals: StageTotals) -> float | None:
    if totals.calls and totals.unpriced_calls == totals.calls:
        return None  # nothing in it had a price: unknown, not free
    return totals.cost_usd


def cost_event(totals: LedgerTotals, folder: str | None = None) -> CostUpdated:
    return CostUpdated(
        total_usd=_stage_usd(totals.overall),
        by_stage={name: _stage_usd(t) for name, t in totals.by_stage.items()},
        tokens_in=totals.overall.prompt_tokens,
        tokens_out=totals.overall.completion_tokens,
        folder=folder,
        unpriced_calls=totals.overall.unpriced_calls,
    )


def model_from_cassette(path: Path) -> str:
    """The model of the first readable entry of a cassette written by --record."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(
            f"Replay cassette {path} cannot be read: {exc.strerror or exc}.",
            "Record one first (--record PATH), or check the path.",
        ) from None
    for line in lines:
        try:
            model = json.loads(line).get("model")
        except (ValueError, AttributeError):
            continue
        if model:
            return str(model)
    raise ConfigError(
        f"Replay cassette {path} holds no recorded call.",
        "Record one first (--record PATH), or give --model.",
    )


def open_client(template_name: str, ctx: Context, **llm_options: Any) -> Session:
    """``llm_options`` go to ``LLMSettings`` (tests pass a fast ``retry``)."""
    s = ctx.settings
    model, note = resolve_model(s.model)
    if note:
        log.info("%s", note)
    if not model:
        if s.replay is None:
            raise ConfigError(
                "The LLM scientist needs a model: none was given.",
                "Pass --model (e.g. gpt-4o, or openai/NAME with --api-base), or use "
                "--scientist sweep to work without a model.",
            )
        model = model_from_cassette(s.replay)
    api_key = None
    if s.api_key_env:
        # A key goes to a custom server only when the user names its variable.
        api_key = os.environ.get(s.api_key_env, "").strip()
        if not api_key:
            raise ConfigError(
                f"The API key variable {s.api_key_env} (--api-key-env) is not set.",
                f"Set {s.api_key_env} in the environment, or leave out --api-key-env.",
            )
        llm_options.setdefault("api_key", api_key)
    llm_options.setdefault("retry", RetryPolicy(max_total_s=s.retry_budget_s))
    llm_options.setdefault("structured_output", s.structured_output)
    settings = LLMSettings(
        model=model,
        api_base=s.api_base,
        max_cost_usd=s.max_cost_usd,
        record=s.record,
        replay=s.replay,
        **llm_options,
    )
    command_ledger = Ledger(max_cost_usd=s.max_cost_usd)
    ledger = Ledger.load(cost_path(s.results, template_name))
    ledger.parent = command_ledger
    folder = str(cost_path(s.results, template_name).parent)

    def on_cost(_file_totals: LedgerTotals) -> None:
        ctx.reporter.emit(cost_event(command_ledger.totals(), folder))

    # Every wait between tries (this client's and aider's) shows on the front end's progress.
    client = LLMClient(
        settings,
        ledger,
        ctx.cancel,
        on_cost=on_cost,
        on_wait=ctx.reporter.emit,
        # Paid answers of the stages above an idea (ideas, novelty): a resume replays them.
        answers=Path(folder) / ".aisci" / "answers.jsonl",
    )
    if s.replay is None or s.record is not None:
        client.check()  # live calls may happen: a missing key fails now, before any work
    return Session(client, ledger, command_ledger)
