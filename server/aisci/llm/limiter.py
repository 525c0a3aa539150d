"""One rate limiter per (provider, model), shared by every model call of the process.

Contract: ``limiter_for(provider, model)`` returns the same ``Limiter`` to every caller of
this process (stages, parallel idea threads, aider's edit calls, the tree search). When one
caller is told to slow down (a 429, or any answer with ``Retry-After``), it calls
``pause_until(t)``; every caller then waits ``remaining(now)`` seconds before it sends, so
parallel workers stop hammering a provider whose limiter is already hot instead of each
retrying alone. The limiter keeps no clock of its own: callers pass ``now`` from the clock
they measure with (``time.monotonic`` outside tests), so a test can drive it with a fake one.

``retry_after_s(exc)`` reads the wait a provider asked for from a failed call: litellm keeps
the provider's headers in ``exc.litellm_response_headers`` (its ``exc.response`` is a
synthetic response without them); openai and httpx errors carry ``exc.response.headers``.
``retry-after-ms`` (OpenAI's) wins over ``Retry-After`` (seconds, or an HTTP date).
"""

from __future__ import annotations

import email.utils
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["Limiter", "limiter_for", "retry_after_s"]

# A Retry-After longer than this is treated as this: a misconfigured proxy's "3600" must not
# park the process for an hour, and the time budget still bounds the whole wait.
_MAX_RETRY_AFTER_S = 600.0


class Limiter:
    """The shared "resume at" time of one provider and model. Thread-safe."""

    def __init__(self, name: str = "") -> None:
        self.name = name
        self._lock = threading.Lock()
        self._resume_at = float("-inf")

    def pause_until(self, resume_at: float) -> None:
        """Nobody sends before ``resume_at`` (a later pause wins; an earlier one is ignored)."""
        with self._lock:
            self._resume_at = max(self._resume_at, resume_at)

    def remaining(self, now: float) -> float:
        """Seconds every caller still waits before sending (0 when free)."""
        with self._lock:
            return max(0.0, self._resume_at - now)


_registry: dict[tuple[str, str], Limiter] = {}
_registry_lock = threading.Lock()


def limiter_for(provider: str, model: str) -> Limiter:
    """The process's limiter of ``provider`` and ``model`` (created on first use)."""
    key = (provider, model)
    with _registry_lock:
        limiter = _registry.get(key)
        if limiter is None:
            limiter = _registry[key] = Limiter(f"{provider}/{model}")
        return limiter


def _headers_of(exc: BaseException) -> list[Mapping[str, Any]]:
    found: list[Mapping[str, Any]] = []
    for headers in (
        getattr(exc, "litellm_response_headers", None),
        getattr(getattr(exc, "response", None), "headers", None),
    ):
        if headers is not None and hasattr(headers, "get"):
            found.append(headers)
    return found


def _header(headers: Mapping[str, Any], name: str) -> str | None:
    value = headers.get(name)
    if value is None:  # a plain dict is case-sensitive; httpx.Headers is not
        value = next((v for k, v in headers.items() if str(k).lower() == name), None)
    return None if value is None else str(value).strip()


def parse_retry_after(value: str, now_wall: Callable[[], float] = time.time) -> float | None:
    """Seconds from a ``Retry-After`` value: a number of seconds, or an HTTP date."""
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        seconds = when.timestamp() - now_wall()
    if seconds != seconds:  # nan
        return None
    return min(max(0.0, seconds), _MAX_RETRY_AFTER_S)


def retry_after_s(exc: BaseException, now_wall: Callable[[], float] = time.time) -> float | None:
    """The wait the provider asked for in the failed call's headers, or None."""
    for headers in _headers_of(exc):
        millis = _header(headers, "retry-after-ms")
        if millis:
            try:
                return min(max(0.0, float(millis) / 1000.0), _MAX_RETRY_AFTER_S)
            except ValueError:
                pass
        value = _header(headers, "retry-after")
        if value:
            parsed = parse_retry_after(value, now_wall)
            if parsed is not None:
                return parsed
    return None
