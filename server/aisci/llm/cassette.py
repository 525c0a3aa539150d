"""Record and replay model calls as JSON lines ("cassettes").

Contract:
- A request's key is the sha256 of the canonical JSON of (model, messages, relevant
  parameters: temperature, max_tokens, response_format). Where the model was served from
  (api_base) and whether the answer streamed do not change the key.
- ``CassetteWriter.append`` writes one line per call with one ``write`` on an ``O_APPEND``
  descriptor, then fsync, so a killed run keeps every line it finished. Secrets never reach
  the file: parameters are whitelisted, and any field named like a key or an auth header is
  dropped recursively.
- ``Cassette.take(key)`` answers identical repeated requests in the order they were recorded
  (one queue per key). A truncated last line (a run killed mid-write) is skipped.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aisci.errors import ConfigError

log = logging.getLogger(__name__)

KEY_PARAMS = ("temperature", "max_tokens", "response_format")
# Compared after lower-casing and turning "_" into "-".
_SECRET_NAMES = {"api-key", "x-api-key", "authorization", "proxy-authorization"}


@dataclass(frozen=True)
class Recorded:
    """One recorded answer."""

    text: str
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None
    model: str
    cached_prompt_tokens: int = 0  # of prompt_tokens, served from the provider's cache


def strip_secrets(value: Any) -> Any:
    """A copy of ``value`` without any field named like a key or an auth header."""
    if isinstance(value, dict):
        return {
            k: strip_secrets(v)
            for k, v in value.items()
            if str(k).lower().replace("_", "-") not in _SECRET_NAMES
        }
    if isinstance(value, list):
        return [strip_secrets(v) for v in value]
    return value


def request_key(model: str, messages: list[dict], params: dict) -> str:
    relevant = {k: params.get(k) for k in KEY_PARAMS if params.get(k) is not None}
    canonical = json.dumps(
        {"model": model, "messages": strip_secrets(messages), "params": strip_secrets(relevant)},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def entry_line(
    *,
    key: str,
    stage: str,
    model: str,
    messages: list[dict],
    params: dict,
    answer: Recorded,
    duration_s: float,
) -> bytes:
    """One cassette line (JSON, newline-terminated), secrets stripped."""
    entry = {
        "key": key,
        "stage": stage,
        "model": model,
        "messages": messages,
        "params": {k: params.get(k) for k in KEY_PARAMS if params.get(k) is not None},
        "text": answer.text,
        "usage": {
            "prompt_tokens": answer.prompt_tokens,
            "completion_tokens": answer.completion_tokens,
        },
        "cost_usd": answer.cost_usd,
        "served_by": answer.model,
        "duration_s": round(duration_s, 3),
    }
    return (json.dumps(strip_secrets(entry), ensure_ascii=False) + "\n").encode("utf-8")


def parse_lines(text: str, where: Path) -> list[tuple[str, Recorded]]:
    """(key, answer) of every readable line; an unreadable one (most likely the last line of a
    killed run) is skipped with a warning."""
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            e = json.loads(line)
            usage = e.get("usage") or {}
            rec = Recorded(
                text=e["text"],
                prompt_tokens=int(usage.get("prompt_tokens") or 0),
                completion_tokens=int(usage.get("completion_tokens") or 0),
                cost_usd=e.get("cost_usd"),
                model=e.get("served_by") or e.get("model", ""),
            )
            out.append((str(e["key"]), rec))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning("cassette %s line %d skipped: %s", where, number, exc)
    return out


class CassetteWriter:
    """Appends one JSON line per finished call."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    def append(self, **entry: Any) -> None:
        """``entry``: the keyword arguments of ``entry_line``."""
        line = entry_line(**entry)
        with self._lock:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, line)
                os.fsync(fd)
            finally:
                os.close(fd)


class Cassette:
    """Recorded answers, by request key, each key a FIFO queue."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._queues: dict[str, deque[Recorded]] = {}
        self._lock = threading.Lock()
        self._load()

    def _load(self) -> None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(
                f"Replay cassette {self.path} does not exist.",
                "Record one first (--record PATH), or check the path.",
            ) from None
        for key, rec in parse_lines(text, self.path):
            self._queues.setdefault(key, deque()).append(rec)

    def take(self, key: str) -> Recorded | None:
        """The next recorded answer for ``key``, or None when none is left."""
        with self._lock:
            queue = self._queues.get(key)
            return queue.popleft() if queue else None

    def __len__(self) -> int:
        with self._lock:
            return sum(len(q) for q in self._queues.values())
