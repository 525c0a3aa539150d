"""HTTP for the literature backends: throttled, retried with capped backoff, never unbounded.

Contract:
- ``Throttle`` sends one request at a time to a server, each no sooner than ``interval_s``
  after the previous one finished. ``shared_throttle`` hands out one per (backend, host) for
  the whole process, so every ``Literature`` instance and thread shares an API's rate limit
  (separate processes do not share it).
- ``Transport.get_json`` / ``get_text`` try at most ``RetryPolicy.max_tries`` times, retrying
  429, 5xx, timeouts and connection errors after exponential backoff with jitter, and never
  wait past the caller's ``deadline`` (a ``time.monotonic()`` value). Other 4xx are not retried.
- Every failure is a ``BackendError`` whose ``reason`` is one short line for the user.
- Only the standard library (urllib) is used, with a User-Agent naming aisci.
"""

from __future__ import annotations

import http.client
import json
import random
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aisci.versions import __version__

USER_AGENT = f"aisci/{__version__} (AI Scientist literature search; Python urllib)"


class BackendError(Exception):
    """One backend could not answer; ``reason`` is shown to the user as it is."""

    def __init__(self, backend: str, reason: str, *, retryable: bool = False):
        super().__init__(f"{backend}: {reason}")
        self.backend = backend
        self.reason = reason
        self.retryable = retryable


@dataclass(frozen=True)
class RetryPolicy:
    max_tries: int = 3
    backoff_base_s: float = 1.0  # first wait; doubles per retry
    backoff_cap_s: float = 8.0
    request_timeout_s: float = 10.0


class Throttle:
    """One request at a time to a server, each starting ``interval_s`` after the last ended.

    Serialising (rather than only spacing the starts) is what keeps the spacing true at the
    server's end: two starts ``interval_s`` apart can still arrive closer together.
    """

    def __init__(self, interval_s: float):
        self.interval_s = interval_s
        self._cond = threading.Condition()
        self._busy = False
        self._next = 0.0  # monotonic time of the earliest next start

    def acquire(self, deadline: float | None = None) -> bool:
        """Wait for the turn; False as soon as it is clear the turn comes after ``deadline``."""
        with self._cond:
            while True:
                now = time.monotonic()
                if not self._busy and now >= self._next:
                    self._busy = True
                    return True
                if deadline is not None and (
                    now >= deadline or (not self._busy and self._next >= deadline)
                ):
                    return False
                waits = [] if self._busy else [self._next - now]
                if deadline is not None:
                    waits.append(deadline - now)
                self._cond.wait(min(waits) if waits else None)

    def release(self) -> None:
        """End the turn taken by ``acquire``; the interval counts from now."""
        with self._cond:
            self._busy = False
            self._next = time.monotonic() + self.interval_s
            self._cond.notify_all()


_THROTTLES: dict[tuple[str, str], Throttle] = {}
_THROTTLES_LOCK = threading.Lock()


def shared_throttle(backend: str, base_url: str, interval_s: float) -> Throttle:
    """The process-wide throttle for ``backend`` at ``base_url``'s host (last interval wins)."""
    host = urllib.parse.urlsplit(base_url).netloc
    with _THROTTLES_LOCK:
        throttle = _THROTTLES.get((backend, host))
        if throttle is None:
            throttle = _THROTTLES[(backend, host)] = Throttle(interval_s)
        else:
            throttle.interval_s = interval_s
        return throttle


def _message_from(body: bytes) -> str:
    """The API's own words for an error, if it gave any ({"message": ...} or {"error": ...})."""
    try:
        data = json.loads(body.decode("utf-8", "replace"))
    except ValueError:
        return ""
    if isinstance(data, dict):
        text = data.get("message") or data.get("error") or data.get("detail") or ""
        return " ".join(str(text).split())[:160]
    return ""


class Transport:
    """GET requests for one backend, through its throttle and retry policy."""

    def __init__(
        self,
        backend: str,
        throttle: Throttle,
        policy: RetryPolicy,
        headers: Mapping[str, str] | None = None,
    ):
        self.backend = backend
        self.throttle = throttle
        self.policy = policy
        self.headers = {"User-Agent": USER_AGENT, **(headers or {})}

    def get_json(
        self, url: str, params: Mapping[str, Any], *, deadline: float | None = None
    ) -> Any:
        body = self.get_bytes(url, params, deadline=deadline, accept="application/json")
        try:
            return json.loads(body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise BackendError(self.backend, f"unreadable JSON response ({exc})") from exc

    def get_text(
        self, url: str, params: Mapping[str, Any], *, deadline: float | None = None
    ) -> str:
        return self.get_bytes(url, params, deadline=deadline).decode("utf-8", "replace")

    def get_bytes(
        self,
        url: str,
        params: Mapping[str, Any],
        *,
        deadline: float | None = None,
        accept: str = "*/*",
    ) -> bytes:
        full_url = f"{url}?{urllib.parse.urlencode(params)}" if params else url
        request = urllib.request.Request(full_url, headers={**self.headers, "Accept": accept})
        last: BackendError | None = None
        for attempt in range(self.policy.max_tries):
            if attempt:
                wait = self._backoff(attempt)
                if deadline is not None and time.monotonic() + wait >= deadline:
                    raise self._capped(last, attempt)
                time.sleep(wait)
            if not self.throttle.acquire(deadline):
                raise self._capped(last, attempt)
            timeout = self.policy.request_timeout_s
            if deadline is not None:
                timeout = min(timeout, max(deadline - time.monotonic(), 0.05))
            try:
                return self._once(request, timeout)
            except BackendError as exc:
                if not exc.retryable:
                    raise
                last = exc
            finally:
                self.throttle.release()
        assert last is not None
        raise BackendError(
            self.backend, f"{last.reason} ({self.policy.max_tries} tries)", retryable=True
        )

    def _backoff(self, attempt: int) -> float:
        # Half fixed, half random ("equal jitter"): clients that failed together spread out.
        full = min(self.policy.backoff_cap_s, self.policy.backoff_base_s * 2 ** (attempt - 1))
        return full / 2 + random.uniform(0, full / 2)

    def _capped(self, last: BackendError | None, tries: int) -> BackendError:
        if last is None:
            return BackendError(
                self.backend,
                "search time cap reached before a request could be sent",
                retryable=True,
            )
        return BackendError(
            self.backend,
            f"{last.reason}; gave up after {tries} "
            f"{'try' if tries == 1 else 'tries'}: search time cap reached",
            retryable=True,
        )

    def _once(self, request: urllib.request.Request, timeout: float) -> bytes:
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.read()
        except urllib.error.HTTPError as exc:
            try:
                body = exc.read()
            except (OSError, http.client.HTTPException):
                body = b""
            said = _message_from(body)
            reason = f"HTTP {exc.code} {exc.reason}" + (f": {said}" if said else "")
            raise BackendError(
                self.backend, reason, retryable=exc.code == 429 or exc.code >= 500
            ) from exc
        except urllib.error.URLError as exc:
            inner = exc.reason
            if isinstance(inner, (socket.timeout, TimeoutError)):
                reason = f"no answer within {timeout:.3g} s"
            elif isinstance(inner, socket.gaierror):
                reason = f"cannot resolve host {request.host!r} (offline?)"
                # An unknown name will not become known in a second: no retry. A temporary
                # resolver failure (EAI_AGAIN) may, so it is retried like a timeout.
                raise BackendError(
                    self.backend, reason, retryable=inner.errno == socket.EAI_AGAIN
                ) from exc
            else:
                reason = f"connection failed ({inner})"
            raise BackendError(self.backend, reason, retryable=True) from exc
        except TimeoutError as exc:
            raise BackendError(
                self.backend, f"no answer within {timeout:.3g} s", retryable=True
            ) from exc
        except (ConnectionError, http.client.HTTPException, OSError) as exc:
            raise BackendError(
                self.backend, f"connection failed ({exc.__class__.__name__}: {exc})", retryable=True
            ) from exc
