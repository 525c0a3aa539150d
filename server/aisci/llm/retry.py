"""Which failures of a model call are worth retrying, and the retry loop itself.

Retried, for every provider: 429, 408, every 5xx, timeouts and lost or refused connections.
Never retried: 401/403 (``LLMAuthError`` at once), other 4xx (``LLMRequestError``). litellm's
own retries are off (``num_retries=0`` on every call), so the policy here is the only one.

``Backoff`` holds the waits of one call, for ``call_with_retries`` and for aider's calls
(coder/model_calls.py): the limit is the policy's time budget, not a count of tries; a
provider's ``Retry-After`` is the wait when it sent one; a 429 (or a ``Retry-After``) pauses
the shared ``Limiter`` of the provider and model (limiter.py), so every other caller of the
process waits with this one; every wait is told to ``on_wait`` as a ``RetryWaiting`` event
(the terminal's progress line, the editor's progress) and logged at WARNING. Waits use the
injected ``sleep`` (tests pass a recorder) or the cancel event, so a cancel cuts one short.
"""

from __future__ import annotations

import logging
import random
import re
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from aisci.core.events import RetryWaiting
from aisci.errors import AisciError

from .errors import Cancelled, LLMAuthError, LLMRequestError, LLMUnavailableError
from .limiter import Limiter, retry_after_s
from .settings import RetryPolicy

log = logging.getLogger(__name__)
T = TypeVar("T")

# What continues the work after a failure: the hint of every give-up says it.
CONTINUE = "run the same command again (with --resume inside a launch) to continue"
_TRANSIENT_NAMES = {
    "Timeout",
    "APITimeoutError",
    "APIConnectionError",
    "TimeoutError",
    "ConnectError",
    "ReadTimeout",
    "ConnectTimeout",
    "RemoteProtocolError",
}


def status_of(exc: BaseException) -> int | None:
    status = getattr(exc, "status_code", None)
    try:
        return int(status) if status is not None else None
    except (TypeError, ValueError):
        return None


def is_transient(exc: BaseException) -> bool:
    status = status_of(exc)
    if status is not None and (status in (408, 429) or status >= 500):
        return True
    # Class names rather than classes: this module must not import litellm, and litellm,
    # openai and httpx each have their own timeout and connection error types.
    return any(cls.__name__ in _TRANSIENT_NAMES for cls in type(exc).__mro__)


# litellm prefixes the provider's words with its own class names; users need only the words.
_PREFIXES = re.compile(r"^(?:litellm\.\w+:\s*)?(?:\w+Error:\s*)?(?:\w+Exception\s*-\s*)?")


def short_message(exc: BaseException, limit: int = 300) -> str:
    text = _PREFIXES.sub("", " ".join(str(exc).split())) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_cancel(cancel: threading.Event | None, what: str) -> None:
    if cancel is not None and cancel.is_set():
        raise Cancelled(
            f"{what} was cancelled.",
            f"Nothing more is sent. {CONTINUE[0].upper()}{CONTINUE[1:]}.",
        )


def sentence(text: str) -> str:
    """``text`` ending with a full stop, so that a hint printed after it never runs on."""
    text = text.rstrip()
    return text if not text or text[-1] in ".!?" else text + "."


def _plural(count: int) -> str:
    return f"{count} tr{'y' if count == 1 else 'ies'}"


class Backoff:
    """The tries and waits of one call under ``policy``. ``gate()`` before each try;
    ``failed(exc)`` after a transient failure waits and returns True, or returns False when
    the budget (or ``max_attempts``) is spent, leaving ``give_up_message()`` to say why."""

    def __init__(
        self,
        policy: RetryPolicy,
        *,
        provider: str = "the provider",
        stage: str = "",
        limiter: Limiter | None = None,
        on_wait: Callable[[RetryWaiting], None] | None = None,
        cancel: threading.Event | None = None,
        sleep: Callable[[float], object] | None = None,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
        what: str = "The model call",
        logger: logging.Logger = log,
    ):
        self.policy = policy
        self.provider = provider
        self.stage = stage
        self.limiter = limiter
        self.on_wait = on_wait
        self.cancel = cancel
        self.rng = rng
        self.clock = clock
        self.what = what
        self.logger = logger
        if sleep is not None:
            self._sleep: Callable[[float], object] = sleep
        elif cancel is not None:
            self._sleep = cancel.wait  # waiting on the cancel event lets a cancel cut it short
        else:
            self._sleep = time.sleep
        self.start = clock()
        self.attempt = 0  # tries made so far
        self._own_pause = float("-inf")  # the limiter pause this call set (already waited)
        self._asked: float | None = None  # a Retry-After that would end past the budget

    def elapsed(self) -> float:
        return self.clock() - self.start

    def gate(self) -> None:
        """Wait while another caller's 429 holds the provider; then count this try."""
        while self.limiter is not None:
            now = self.clock()
            held = self.limiter.remaining(now)
            if held <= 0 or now + held <= self._own_pause:
                break  # free, or held only by the pause this call has already waited out
            left = self.policy.max_total_s - (now - self.start)
            if left <= 0:
                break  # the budget is spent: one last try rather than a silent end
            self._wait(min(held, left), 429, self.attempt + 1, shared=True)
            if self.clock() <= now:
                break  # a sleep that does not move the clock (a test's recorder): no spinning
        check_cancel(self.cancel, self.what)
        self.attempt += 1

    def failed(self, exc: BaseException) -> bool:
        """After a transient failure: wait and return True, or False when out of budget."""
        status = status_of(exc)
        asked = retry_after_s(exc)
        wait = asked if asked is not None else self.policy.delay(self.attempt - 1, self.rng)
        elapsed = self.elapsed()
        left = self.policy.max_total_s - elapsed
        if self.policy.max_attempts is not None and self.attempt >= self.policy.max_attempts:
            return False
        if left <= 0 or (asked is not None and asked > left):
            self._asked = asked
            return False
        wait = min(wait, left)  # the last try lands on the budget's end, not past it
        if self.limiter is not None and (status == 429 or asked is not None):
            resume = self.clock() + wait
            self.limiter.pause_until(resume)  # every caller of this provider waits too
            self._own_pause = resume
        self._wait(wait, status, self.attempt + 1, shared=False, exc=exc)
        return True

    def _wait(
        self,
        wait: float,
        status: int | None,
        attempt: int,
        *,
        shared: bool,
        exc: BaseException | None = None,
    ) -> None:
        event = RetryWaiting(
            provider=self.provider,
            wait_s=wait,
            attempt=attempt,
            status=status,
            stage=self.stage,
            reason=self._reason(status, exc),
        )
        # WARNING when nobody shows the wait, else INFO: the front end's progress line says it.
        self.logger.log(
            logging.WARNING if self.on_wait is None else logging.INFO,
            "%s: %s%s",
            self.what,
            event.message,
            "" if shared or exc is None else f" after: {short_message(exc, 160)}",
        )
        if self.on_wait is not None:
            try:
                self.on_wait(event)
            except Exception:  # a broken reporter must not end the call
                self.logger.exception("on_wait callback failed")
        check_cancel(self.cancel, self.what)
        self._sleep(wait)
        check_cancel(self.cancel, self.what)

    def _reason(self, status: int | None, exc: BaseException | None) -> str:
        if status == 429:
            return f"rate-limited by {self.provider}"
        if status is not None:
            return f"{self.provider} failed ({status})"
        kind = type(exc).__name__ if exc is not None else "no answer"
        return f"{self.provider} did not answer ({kind})"

    def give_up_message(self, exc: BaseException) -> str:
        """What was tried, for how long, and the last error (one sentence)."""
        status = status_of(exc)
        last = f"{f'{status}: ' if status else ''}{short_message(exc)}"
        budget = f"retry budget {self.policy.max_total_s:g} s"
        if self._asked is not None:
            why = f"; the provider asked to wait {self._asked:.0f} s more, past the {budget}"
        else:
            why = f" ({budget})"
        return sentence(
            f"{self.what} failed after {_plural(self.attempt)} in {self.elapsed():.0f} s{why}; "
            f"the last error was {last}"
        )

    def give_up_hint(self, exc: BaseException) -> str:
        status = status_of(exc)
        if status == 429 or self._asked is not None:
            cause = f"{self.provider} kept rate-limiting"
        elif status is not None:
            cause = f"{self.provider} kept failing"
        else:
            cause = f"{self.provider} could not be reached"
        return (
            f"{cause}: wait a few minutes, then {CONTINUE}. To ride out longer trouble, give "
            f"each call more time with --retry-budget SECONDS (now {self.policy.max_total_s:g}), "
            "or run fewer ideas at once (--parallel)."
        )


def call_with_retries(
    call: Callable[[], T],
    *,
    policy: RetryPolicy,
    what: str,
    auth_hint: str,
    cancel: threading.Event | None = None,
    sleep: Callable[[float], None] | None = None,
    rng: random.Random | None = None,
    clock: Callable[[], float] = time.monotonic,
    provider: str = "the provider",
    stage: str = "",
    limiter: Limiter | None = None,
    on_wait: Callable[[RetryWaiting], None] | None = None,
) -> T:
    """Run ``call`` under ``policy``; translate its failures into ``LLMError``s.

    ``what`` names the call in messages ("Model `gpt-4o` (stage `ideas`)"); ``auth_hint``
    says which key to fix after a 401/403. ``limiter``: the shared limiter of the provider
    and model (``limiter_for``); ``on_wait`` hears every wait.
    """
    backoff = Backoff(
        policy,
        provider=provider,
        stage=stage,
        limiter=limiter,
        on_wait=on_wait,
        cancel=cancel,
        sleep=sleep,
        rng=rng,
        clock=clock,
        what=what,
    )
    while True:
        backoff.gate()
        try:
            return call()
        except AisciError:  # ours already (Cancelled, BudgetExceeded...): as it is
            raise
        except Exception as exc:  # provider errors arrive as litellm/openai/httpx types
            status = status_of(exc)
            if status in (401, 403):
                raise LLMAuthError(
                    sentence(f"{what} was refused ({status}): {short_message(exc)}"), auth_hint
                ) from exc
            if not is_transient(exc):
                raise LLMRequestError(
                    sentence(
                        f"{what} failed{f' ({status})' if status else ''}: {short_message(exc)}"
                    ),
                    "Check the model name and the request (a prompt too long for the model's "
                    "context is a common cause).",
                    status=status,
                ) from exc
            if not backoff.failed(exc):
                raise LLMUnavailableError(
                    backoff.give_up_message(exc), backoff.give_up_hint(exc)
                ) from exc
