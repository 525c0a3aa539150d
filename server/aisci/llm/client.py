"""The LLM client: every model call aisci makes goes through ``LLMClient``.

Contract:
- ``complete(messages, stage=...)`` returns a ``Reply``; ``complete_json(messages, schema,
  stage=...)`` returns a JSON value validated against ``schema`` (re-asking a malformed
  answer with the problem appended, at most ``settings.json_reasks`` times).
- Before the first live call the model string and its key are checked (``ConfigError``, no
  network). Before every live call the cost is estimated and held against the cap
  (``BudgetExceeded``, the call is not made). The cap is ``settings.max_cost_usd``, else the
  root ledger's ``max_cost_usd``; it counts the root ledger's live (not replayed) spending,
  so ledgers loaded from a resumed run's cost.json count what was already spent.
  Transient failures are retried under ``settings.retry``; see ``retry.py``.
- Every call, live or replayed, lands in the ``Ledger``; ``on_cost(totals)`` runs after each.
- Every paid answer is kept before it is used (answer_store.py): in the idea folder this
  thread works in (``working_in``; its ledger is then ``<idea>/cost.json``, a child of the
  command's), else in the command's store (``answers``). A request whose answer was kept
  before this process opened the store is answered from it, free, marked replayed.
- ``settings.record`` appends each live call to a cassette; ``settings.replay`` answers from
  one without network. With both, a request missing from the replay cassette is made live and
  recorded; with replay alone it raises ``ReplayMissError``.

Cancellation (``cancel`` event): checked before every call, every retry and every re-ask, and
it cuts a backoff wait short. A streamed call stops between chunks. A non-streamed call in
flight cannot be interrupted at the HTTP level: the client returns ``Cancelled`` at once and
abandons the request to a daemon thread, which finishes within ``timeout_s`` and still
records its cost in the ledger (it was spent).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aisci.core.settings import STRUCTURED_OUTPUT

from ._litellm import load_litellm
from .answer_store import AnswerStore, Places
from .answers import AnswerProblem, parse_answer, reask
from .caching import needs_cache_control, with_cache_breakpoints
from .cassette import Cassette, CassetteWriter, Recorded, request_key
from .errors import ConfigError, LLMFormatError, LLMRequestError, ReplayMissError
from .ledger import CallRecord, Ledger, LedgerTotals
from .limiter import Limiter, limiter_for
from .models import (
    check_model,
    estimate_cost,
    key_variable,
    price,
    supports_json_schema,
    warn_unpriced_once,
)
from .responses import recorded_of
from .retry import CONTINUE, call_with_retries, check_cancel
from .settings import LLMSettings

if TYPE_CHECKING:
    from aisci.core.events import RetryWaiting

log = logging.getLogger(__name__)

_REASK_ECHO_LIMIT = 4000  # chars of a bad answer echoed back in a re-ask
_POLL_S = 0.05  # how often a cancel is noticed while a non-streamed call is in flight


@dataclass(frozen=True)
class Reply:
    text: str
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None  # None: the model has no known price
    model: str
    replayed: bool = False


class LLMClient:
    """One model, its ledger and its cassettes. Safe to share between threads."""

    def __init__(
        self,
        settings: LLMSettings,
        ledger: Ledger | None = None,
        cancel: threading.Event | None = None,
        *,
        on_cost: Callable[[LedgerTotals], None] | None = None,
        on_wait: Callable[[RetryWaiting], None] | None = None,
        sleep: Callable[[float], None] | None = None,
        rng: random.Random | None = None,
        limiter: Limiter | None = None,
        answers: Path | str | None = None,
    ):
        self.settings = settings
        # Ledgers and paid-answer stores: the command's, and each idea folder's (answer_store.py).
        self._places = Places(
            ledger if ledger is not None else Ledger(max_cost_usd=settings.max_cost_usd), answers
        )
        self.cancel = cancel
        self.on_cost = on_cost
        # Hears every wait between tries (the front end's progress line); aider's calls too.
        self.on_wait = on_wait
        self._limiter = limiter
        self._sleep = sleep
        self._rng = rng
        self._replay = Cassette(settings.replay) if settings.replay else None
        self._writer = CassetteWriter(settings.record) if settings.record else None
        self._lock = threading.Lock()
        self._checked_provider: str | None = None
        if settings.structured_output not in STRUCTURED_OUTPUT:
            raise ConfigError(
                f"Unknown structured output mode {settings.structured_output!r}.",
                f"Use one of: {', '.join(STRUCTURED_OUTPUT)}.",
            )
        # False once a provider refused a schema (400): plain-text JSON from then on.
        self._schema_mode = settings.structured_output != "off"

    # -- public ----------------------------------------------------------------------------
    def check(self) -> str:
        """Validate the model string and its key now (``ConfigError``); return the provider."""
        with self._lock:
            if self._checked_provider is None:
                self._checked_provider = check_model(self.settings)
            return self._checked_provider

    @property
    def limiter(self) -> Limiter:
        """The process's shared limiter of this provider, model and server (limiter.py)."""
        if self._limiter is None:
            provider = self.check()
            self._limiter = limiter_for(
                provider, f"{self.settings.model}@{self.settings.api_base or ''}"
            )
        return self._limiter

    @property
    def ledger(self) -> Ledger:
        """The ledger of the idea folder this thread works in (its parent: the command's)."""
        return self._places.here().ledger

    @property
    def answer_store(self) -> AnswerStore | None:
        """The paid-answer store of the idea folder this thread works in (else the command's):
        aider's edit calls keep and replay their answers there too (coder/kept_answers.py)."""
        return self._places.here().store

    def set_home(self, ledger: Ledger, answers: Path | str | None = None) -> None:
        """Where calls outside an idea folder land: ``ledger``, and ``answers`` (None: no store)."""
        self._places.set_base(ledger, answers)

    def complete(
        self,
        messages: list[dict],
        *,
        stage: str,
        on_text: Callable[[str], None] | None = None,
        **overrides: Any,
    ) -> Reply:
        """One answer. ``overrides`` (temperature, max_tokens, response_format, stop, seed...)
        go to litellm; ``on_text`` receives streamed text pieces when ``settings.stream``."""
        s = self.settings
        what = f"Model `{s.model}` (stage `{stage}`)"
        check_cancel(self.cancel, what)
        overrides.pop("api_key", None)  # keys come from settings/env, never per call
        params = {"temperature": s.temperature, "max_tokens": s.max_tokens, **overrides}
        key = request_key(s.model, messages, params)

        if self._replay is not None:
            recorded = self._replay.take(key)
            if recorded is not None:
                return self._finish(stage, recorded, 0.0, replayed=True)
            if self._writer is None:
                raise ReplayMissError(
                    f"Replay of stage `{stage}` found no recorded answer for this request "
                    f'(last user message: "{_last_user_text(messages)[:80]}").',
                    "The prompt or settings changed since the recording: record again with "
                    "--record PATH (this needs the model and its key).",
                )

        place = self._places.here()
        kept = place.store.take(key) if place.store is not None else None
        entry: dict[str, Any] = {"key": key, "stage": stage, "model": s.model, "params": params}
        entry["messages"] = messages
        if kept is not None:  # paid before a stop (answer_store.py): replayed, free this time
            if self._writer is not None:  # a recording stays whole
                self._writer.append(**entry, answer=kept, duration_s=0.0)
            return self._finish(stage, replace(kept, cost_usd=0.0), 0.0, replayed=True)

        provider = self.check()
        cap = s.max_cost_usd if s.max_cost_usd is not None else self.ledger.root.max_cost_usd
        estimate = 0.0
        if price(s.model) is None:
            warn_unpriced_once(s.model)  # the cap cannot count this model: say so once
        elif cap is not None:
            estimate = estimate_cost(s, messages, params["max_tokens"]) or 0.0
        budget = self.ledger.root
        budget.reserve(estimate, cap, stage)
        started = time.monotonic()
        try:
            answer = call_with_retries(
                lambda: self._call_once(messages, params, stage, on_text),
                policy=s.retry,
                what=what,
                auth_hint=self._auth_hint(provider),
                cancel=self.cancel,
                sleep=self._sleep,
                rng=self._rng,
                provider=provider,
                stage=stage,
                limiter=self.limiter,
                on_wait=self.on_wait,
            )
        finally:
            budget.release(estimate)
        duration = time.monotonic() - started
        entry.update(answer=answer, duration_s=duration)
        if place.store is not None:
            place.store.keep(**entry)  # kept before it is used: a stop from now on loses nothing
        if self._writer is not None:
            self._writer.append(**entry)
        return self._finish(stage, answer, duration, replayed=False)

    def complete_json(
        self, messages: list[dict], schema: dict, *, stage: str, **overrides: Any
    ) -> Any:
        """A JSON value (dict or list) that satisfies ``schema``, or ``LLMFormatError``."""
        conversation = list(messages)
        answers = self.settings.json_reasks + 1
        problem = ""
        for _ in range(answers):
            reply = self._complete_structured(conversation, schema, stage, overrides)
            try:
                return parse_answer(reply.text, schema)
            except AnswerProblem as exc:
                problem = str(exc)
                log.info("stage %s: unusable JSON answer (%s); re-asking", stage, problem)
            if reply.text.strip():  # providers reject empty assistant turns
                conversation.append(
                    {"role": "assistant", "content": reply.text[:_REASK_ECHO_LIMIT]}
                )
            conversation.append({"role": "user", "content": reask(problem, schema)})
        raise LLMFormatError(
            f"Model `{self.settings.model}` gave no usable JSON for stage `{stage}` after "
            f"{answers} answers: {problem}.",
            f"Choose a stronger model (--model), then {CONTINUE}.",
        )

    # -- internals -------------------------------------------------------------------------
    def _complete_structured(
        self, conversation: list[dict], schema: dict, stage: str, overrides: dict
    ) -> Reply:
        mode = self.settings.structured_output
        use_schema = (
            self._schema_mode
            and schema.get("type") == "object"  # providers want an object at the root
            and "response_format" not in overrides
            # "on": the user knows the server takes a schema (llama.cpp, vLLM...), although
            # litellm does not know an openai/NAME model on a custom api_base.
            and (mode == "on" or supports_json_schema(self.settings.model))
        )
        if not use_schema:
            return self.complete(conversation, stage=stage, **overrides)
        response_format = {
            "type": "json_schema",
            "json_schema": {"name": "answer", "schema": schema, "strict": False},
        }
        try:
            return self.complete(
                conversation, stage=stage, response_format=response_format, **overrides
            )
        except LLMRequestError as exc:
            if exc.status != 400:
                raise
            # The provider refused the schema (unsupported keywords...): parse text instead.
            log.warning("%s; falling back to plain-text JSON answers", exc.message)
            self._schema_mode = False
            return self.complete(conversation, stage=stage, **overrides)

    def _auth_hint(self, provider: str) -> str:
        if self.settings.api_key:
            return "Check the api_key given in the settings for this server."
        if self.settings.api_base:
            return f"Check the key that {self.settings.api_base} expects."
        return (
            f"Check {key_variable(provider)}, the key for provider {provider}, in your "
            "environment (or choose another --model)."
        )

    def _litellm_kwargs(self, messages: list[dict], params: dict) -> dict:
        s = self.settings
        kwargs: dict[str, Any] = {
            "model": s.model,
            "messages": messages,
            "timeout": s.timeout_s,
            "num_retries": 0,  # our RetryPolicy is the only retry layer
            # Leave out what a model refuses (o1/gpt-5 reject temperature, some providers
            # response_format) instead of failing the call.
            "drop_params": True,
            **params,
        }
        if needs_cache_control(s.model):  # Anthropic caches only a prefix the request marks
            kwargs["messages"] = with_cache_breakpoints(messages)
        if s.api_base:
            kwargs["api_base"] = s.api_base
        if s.api_key:
            kwargs["api_key"] = s.api_key
        elif s.api_base:
            # Never the provider's key from the environment: it would go to whatever server
            # api_base names. A key for it comes only from --api-key-env (settings.api_key).
            kwargs["api_key"] = "no-key"  # self-hosted servers ignore it; clients demand one
        return kwargs

    def _call_once(
        self, messages: list[dict], params: dict, stage: str, on_text: Callable | None
    ) -> Recorded:
        kwargs = self._litellm_kwargs(messages, params)
        if self.settings.stream:
            return self._streamed(kwargs, stage, on_text)
        if self.cancel is None:
            return recorded_of(load_litellm().completion(**kwargs), self.settings.model)
        return self._abortable(kwargs, stage)

    def _streamed(self, kwargs: dict, stage: str, on_text: Callable | None) -> Recorded:
        litellm = load_litellm()
        stream = litellm.completion(**kwargs, stream=True, stream_options={"include_usage": True})
        chunks = []
        try:
            for chunk in stream:
                check_cancel(self.cancel, f"Model `{self.settings.model}` (stage `{stage}`)")
                chunks.append(chunk)
                if on_text is not None and chunk.choices:
                    piece = chunk.choices[0].delta.content
                    if piece:
                        on_text(piece)
        finally:
            # Closing the provider's stream drops the connection when a cancel stopped early.
            close = getattr(getattr(stream, "completion_stream", None), "close", None)
            if close is not None:
                try:
                    close()
                except Exception:  # closing a finished stream may fail; nothing to save
                    pass
        response = litellm.stream_chunk_builder(chunks, messages=kwargs["messages"])
        return recorded_of(response, self.settings.model)

    def _abortable(self, kwargs: dict, stage: str) -> Recorded:
        what = f"Model `{self.settings.model}` (stage `{stage}`)"
        done = threading.Event()
        handoff = threading.Lock()  # decides once: the caller gets the answer, or the ledger
        box: dict[str, Any] = {"abandoned": False}

        def work() -> None:
            answer, error = None, None
            try:
                answer = recorded_of(load_litellm().completion(**kwargs), self.settings.model)
            except BaseException as exc:  # handed to the waiting thread
                error = exc
            with handoff:
                box["answer"], box["error"] = answer, error
                abandoned = box["abandoned"]
                done.set()
            if abandoned and answer is not None:
                self._finish(f"{stage} (cancelled)", answer, 0.0, replayed=False)

        threading.Thread(target=work, name="aisci-llm-call", daemon=True).start()
        while not done.wait(_POLL_S):
            if self.cancel is not None and self.cancel.is_set():
                with handoff:
                    if not done.is_set():
                        box["abandoned"] = True
                        check_cancel(self.cancel, what)
        if box["error"] is not None:
            raise box["error"]
        return box["answer"]

    def _finish(self, stage: str, answer: Recorded, duration: float, *, replayed: bool) -> Reply:
        self.ledger.record(
            CallRecord(
                stage=stage,
                model=self.settings.model,
                prompt_tokens=answer.prompt_tokens,
                completion_tokens=answer.completion_tokens,
                cost_usd=answer.cost_usd,
                duration_s=round(duration, 3),
                replayed=replayed,
                cached_prompt_tokens=answer.cached_prompt_tokens,
            )
        )
        if self.on_cost is not None:
            try:
                self.on_cost(self.ledger.totals())
            except Exception:  # a broken reporter must not lose the answer
                log.exception("on_cost callback failed")
        return Reply(
            text=answer.text,
            prompt_tokens=answer.prompt_tokens,
            completion_tokens=answer.completion_tokens,
            cost_usd=answer.cost_usd,
            model=answer.model,
            replayed=replayed,
        )


def _last_user_text(messages: list[dict]) -> str:
    for m in reversed(messages):
        if m.get("role") == "user":
            content = m.get("content")
            if isinstance(content, list):
                content = " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
            return " ".join(str(content or "").split())
    return ""


__all__ = ["LLMClient", "Reply"]
