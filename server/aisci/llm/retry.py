"""Which failures of a model call are worth retrying, and the retry loop itself.

Retried, for every provider: 429, 408, every 5xx, timeouts and lost or refused connections.
Never retried: 401/403 (``LLMAuthError`` at once), other 4xx (``LLMRequestError``). litellm's
own retries are off (``num_retries=0`` on every call), so the policy here is the only one.

Between tries the loop waits with the injected ``sleep`` (tests pass a no-op or a recorder)
and checks the cancel event before every try.
"""

from __future__ import annotations

import logging
import random
import re
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from aisci.errors import AisciError

from .errors import Cancelled, LLMAuthError, LLMRequestError, LLMUnavailableError
from .settings import RetryPolicy

log = logging.getLogger(__name__)
T = TypeVar("T")

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
        raise Cancelled(f"{what} was cancelled.", "Nothing more is sent; rerun to continue.")


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
) -> T:
    """Run ``call`` under ``policy``; translate its failures into ``LLMError``s.

    ``what`` names the call in messages ("Model `gpt-4o` (stage `ideas`)"); ``auth_hint``
    says which key to fix after a 401/403.
    """
    wait_for: Callable[[float], object]
    if sleep is not None:
        wait_for = sleep
    elif cancel is not None:
        wait_for = cancel.wait  # waiting on the cancel event lets a cancel cut a backoff short
    else:
        wait_for = time.sleep
    start = clock()
    attempt = 0
    while True:
        check_cancel(cancel, what)
        attempt += 1
        try:
            return call()
        except AisciError:  # ours already (Cancelled, BudgetExceeded...): as it is
            raise
        except Exception as exc:  # provider errors arrive as litellm/openai/httpx types
            status = status_of(exc)
            if status in (401, 403):
                raise LLMAuthError(
                    f"{what} was refused ({status}): {short_message(exc)}", auth_hint
                ) from exc
            if not is_transient(exc):
                raise LLMRequestError(
                    f"{what} failed{f' ({status})' if status else ''}: {short_message(exc)}",
                    "Check the model name and the request (a prompt too long for the model's "
                    "context is a common cause).",
                    status=status,
                ) from exc
            elapsed = clock() - start
            wait = policy.delay(attempt - 1, rng)
            if attempt >= policy.max_attempts or elapsed + wait > policy.max_total_s:
                raise LLMUnavailableError(
                    f"{what} failed after {attempt} tr{'y' if attempt == 1 else 'ies'} in "
                    f"{elapsed:.0f} s; the last error was "
                    f"{f'{status}: ' if status else ''}{short_message(exc)}",
                    "The provider is overloaded, rate-limiting or unreachable: wait and rerun "
                    "with --resume, lower --parallel, or raise the retry limits.",
                ) from exc
            log.warning(
                "%s: try %d failed (%s); retrying in %.2f s",
                what,
                attempt,
                status or type(exc).__name__,
                wait,
            )
            wait_for(wait)
