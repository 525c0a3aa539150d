"""Responders for the fake OpenAI server (openai_server.py): provider trouble, local servers.

``RateLimitStorm``: 429 for N seconds from its first request (with or without
``Retry-After``), then another reply. ``SchemaAnswers``: a server that enforces
``response_format`` ``json_schema`` (it answers a value of the schema's shape; free text
without a schema; or a 400 when it takes no schemas). Both are callables for ``default=`` or
``script``.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from tests.fakes.openai_server import Answer, Error, Reply

__all__ = ["RateLimitStorm", "SchemaAnswers", "instance_of"]


class RateLimitStorm:
    """A responder: 429 for ``seconds`` from the first request it sees, then ``then``.

    ``retry_after`` sets the ``Retry-After`` header (seconds as text, or an HTTP date); None
    sends none, as many providers do. ``refused`` counts the 429s given (thread-safe)."""

    def __init__(self, seconds: float, then: Reply, retry_after: str | None = None):
        self.seconds = seconds
        self.then = then
        self.retry_after = retry_after
        self.refused = 0
        self._lock = threading.Lock()
        self._start: float | None = None

    def __call__(self, body: dict) -> str | Answer | Error:
        with self._lock:
            now = time.monotonic()
            if self._start is None:
                self._start = now
            if now - self._start < self.seconds:
                self.refused += 1
                headers = {"Retry-After": self.retry_after} if self.retry_after else {}
                return Error(429, headers=headers)
        then = self.then
        if callable(then) and not isinstance(then, (Answer, Error)):
            return then(body)
        return then


def instance_of(schema: dict) -> Any:
    """The smallest JSON value that satisfies ``schema`` (the subset our prompts use: object,
    array, string, number, integer, boolean, enum, required, minItems)."""
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or (kind is None and "properties" in schema):
        props = schema.get("properties") or {}
        return {name: instance_of(props.get(name) or {}) for name in schema.get("required", props)}
    if kind == "array":
        return [instance_of(schema.get("items") or {})] * int(schema.get("minItems", 0))
    if kind == "string":
        return "x" * int(schema.get("minLength", 1))
    if kind in ("number", "integer"):
        return schema.get("minimum", 0)
    if kind == "boolean":
        return False
    return None


class SchemaAnswers:
    """A responder that plays a local server enforcing ``response_format`` ``json_schema``
    (llama.cpp's grammar, vLLM's guided decoding): with a schema it answers a value of the
    schema's shape (``instance_of``); without one it answers ``free_text`` (a model left to
    itself, here prose that is no JSON). ``refuse=True`` plays a server that does not take
    schemas: 400 whenever one is sent."""

    def __init__(self, free_text: str = "Here is my idea, in words.", *, refuse: bool = False):
        self.free_text = free_text
        self.refuse = refuse

    def __call__(self, body: dict) -> str | Error:
        fmt = body.get("response_format") or {}
        if fmt.get("type") != "json_schema":
            return self.free_text
        if self.refuse:
            return Error(400, message="fake server: response_format json_schema is not supported")
        schema = (fmt.get("json_schema") or {}).get("schema") or {}
        return json.dumps(instance_of(schema))
