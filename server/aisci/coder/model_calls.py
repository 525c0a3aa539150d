"""The model calls of one code edit: counted, kept, cancellable, and retried under our policy.

``ModelCalls.send`` takes the place of ``coder.send`` (one model call). It checks the cancel
event before each call and retries a call that failed for a passing reason (429, 408, 5xx, a
timeout, a lost connection: ``aisci.llm.retry.is_transient``) with the same ``Backoff`` as
every other model call (aisci/llm/retry.py): within the policy's time budget, obeying
``Retry-After``, through the process's shared limiter of the provider (so aider's calls and
the stages' calls wait together), each wait logged at WARNING and told to ``on_wait`` (the
front end's progress line) -- instead of aider's own three tries in under a second. A cancel,
or a call that still fails or fails for good, unwinds aider's loop at once with ``Stop``,
whose hint says what to check: the key, the provider's load, the server's reachability
(``failure_hint`` guesses one from the reason when the call gave none).

With ``kept`` (kept_answers.py, the idea folder's answer store), a request whose answer was
kept before this process opened the store is replayed into aider instead of asked (no wait,
no limiter, no cost: ``replayed`` lists those answers, and aider's cost report skips them);
every live answer is kept before aider reads it. ``requests`` counts the calls sent.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable

from aisci.core.context import Cancelled
from aisci.core.events import RetryWaiting
from aisci.llm.cassette import Recorded
from aisci.llm.errors import Cancelled as CallCancelled
from aisci.llm.limiter import Limiter
from aisci.llm.retry import Backoff, is_transient, status_of
from aisci.llm.settings import RetryPolicy

from .kept_answers import KeptAnswers

# The retry lines keep the logger name they had when this was part of aider_coder.py.
log = logging.getLogger("aisci.coder.aider_coder")


class Stop(BaseException):
    """Unwinds aider's loop at once. A BaseException, because aider catches ``Exception``."""

    def __init__(self, reason: str, cause: BaseException | None = None, hint: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.cause = cause
        self.hint = hint


class ModelCalls:
    """Wraps ``coder.send`` (one model call): counts calls, keeps each answer, checks the
    cancel event before each call, and retries a call that failed for a passing reason under
    our ``RetryPolicy`` and shared ``Limiter`` (aider's own loop would give it three tries in
    under a second)."""

    def __init__(
        self,
        coder,
        io,
        cancel: threading.Event | None,
        policy: RetryPolicy,
        *,
        provider: str = "the provider",
        limiter: Limiter | None = None,
        on_wait: Callable[[RetryWaiting], None] | None = None,
        stage: str = "code edit",
        kept: KeptAnswers | None = None,
    ):
        self._send = coder.send
        self._coder = coder
        self._io = io
        self.mark = 0  # where the last call's messages start in ``io.recorded``
        self._cancel = cancel
        self._policy = policy
        self._provider = provider
        self._limiter = limiter
        self._on_wait = on_wait
        self._stage = stage
        self._kept = kept
        self.requests = 0
        self.replies: list[str] = []
        self.replayed: list[Recorded] = []
        if kept is not None:  # a replayed answer costs nothing: aider's report skips it
            report = coder.calculate_and_show_tokens_and_cost

            def priced(messages, completion=None):
                if not kept.is_replayed(completion):
                    report(messages, completion)

            coder.calculate_and_show_tokens_and_cost = priced

    def send(self, messages, model=None, functions=None):
        # deferred: aider takes ~0.45 s to import; only an AI edit needs it
        from aider.coders.base_coder import FinishReasonLength

        model = model or self._coder.main_model
        key = None
        if self._kept is not None:
            key = self._kept.key(model, messages, functions, self._coder.temperature)
            answer = self._kept.take(key)
            if answer is not None and key is not None:
                yield from self._replay(messages, model, functions, key, answer)
                return
            model = self._kept.keeping(model, key, self._stage)
        backoff = Backoff(
            self._policy,
            provider=self._provider,
            stage=self._stage,
            limiter=self._limiter,
            on_wait=self._on_wait,
            cancel=self._cancel,
            what="code edit: model call",
            logger=log,
        )
        while True:
            try:
                backoff.gate()
            except CallCancelled:
                raise Stop("cancelled", Cancelled("The code edit")) from None
            self.requests += 1
            self.mark = len(self._io.recorded)
            try:
                # stream=False: nothing is yielded before the answer is whole, so a failed
                # try leaves nothing half-shown and the next try starts clean.
                yield from self._send(messages, model=model, functions=functions)
                break
            except FinishReasonLength:
                raise  # aider reports a cut-off answer itself; it ends up in ``error``
            except Exception as err:
                passing = is_transient(err)
                try:
                    again = passing and backoff.failed(err)
                except CallCancelled:
                    raise Stop("cancelled", Cancelled("The code edit")) from None
                if not again:
                    attempt, elapsed = backoff.attempt, backoff.elapsed()
                    tries = f" after {attempt} tries in {elapsed:.0f} s" if attempt > 1 else ""
                    raise Stop(
                        f"the model call failed{tries}: {_one_line(err)}",
                        err,
                        _call_hint(err) or (backoff.give_up_hint(err) if passing else None),
                    ) from None
        self.replies.append(self._coder.partial_response_content or "")

    def _replay(self, messages, model, functions, key: str, answer: Recorded):
        """The kept ``answer``, through aider's own ``send`` as if the model had given it."""
        if self._cancel is not None and self._cancel.is_set():
            raise Stop("cancelled", Cancelled("The code edit"))
        assert self._kept is not None
        self.mark = len(self._io.recorded)
        stand_in = self._kept.replaying(model, key, answer)
        yield from self._send(messages, model=stand_in, functions=functions)
        self.replayed.append(answer)
        self.replies.append(self._coder.partial_response_content or "")
        log.info("code edit: a kept answer replayed (%d prompt tokens, free)", answer.prompt_tokens)


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split()) or type(err).__name__
    return text if len(text) <= 300 else text[:297] + "..."


def _call_hint(err: BaseException) -> str | None:
    """The hint for a model call that failed for good, from its status rather than its
    words (litellm reports a refused connection as a 500, so that one is told by its words)."""
    status = status_of(err)
    if status in (401, 403):
        return "Check the API key for the model."
    if status != 429 and re.search(r"connect|timed? ?out", str(err), re.IGNORECASE):
        return "Check that the model's server (api_base) is reachable, then run the edit again."
    return None


def failure_hint(reason: str) -> str:
    """The hint for a ``Stop`` that carries none, guessed from its reason's words."""
    lowered = reason.lower()
    if "auth" in lowered or "api key" in lowered or "401" in lowered:
        return "Check the API key for the model."
    if "connect" in lowered or "timeout" in lowered or "timed out" in lowered:
        return "Check that the model's server (api_base) is reachable, then run the edit again."
    return "Check the model name and server, then run the edit again."
