"""A scripted, OpenAI-compatible chat server on 127.0.0.1, for tests (stdlib only).

Contract:
- ``POST /v1/chat/completions`` answers in the real OpenAI shape (``id``, ``object``,
  ``created``, ``model``, ``choices[{index, message{role, content}, finish_reason}]``,
  ``usage``); with ``"stream": true`` it answers Server-Sent Events (``data: {chunk}`` lines
  with ``choices[{delta}]``, a usage chunk when ``stream_options.include_usage``, then
  ``data: [DONE]``). ``GET /v1/models`` lists the served model names.
- Replies come from a script (a FIFO queue). Each item is an answer text (``str``), an
  ``Answer`` (text with explicit usage, finish reason or a delay), an ``Error`` (HTTP status
  with the OpenAI error body), or a callable ``(request_json) -> str | Answer | Error``.
  When the queue is empty the ``default`` responder answers; without one the server returns
  500 ``fake server: no scripted reply left``.
- Responders for provider trouble and local servers (openai_responders.py): ``RateLimitStorm`` (429 for N seconds
  from its first request, with or without ``Retry-After``, then another reply) and
  ``SchemaAnswers`` (a server that enforces ``response_format`` ``json_schema``: it answers
  a JSON value in the schema's shape when one is given, free text when none is, or refuses
  the schema with a 400 like a server without grammar support).
- ``cache_min_tokens``: when set, ``usage.prompt_tokens_details.cached_tokens`` reports the
  prompt's prefix shared with an earlier request (chars/4, 0 below the minimum), as a provider
  with prompt caching does.
- Every request is recorded (method, path, headers, parsed body) in ``fake.requests``;
  ``wait_for_requests(n)`` waits on a condition, never on a sleep.
- The server runs in a daemon thread of the test process; another process only needs
  ``fake.base_url`` (e.g. ``openai/fake-model`` with ``api_base=fake.base_url`` and any key).

    with FakeOpenAI() as fake:
        fake.script(["first answer", Error(429), "after retry"])
        ... call fake.base_url ...
        assert fake.requests[0].body["messages"][-1]["content"] == "..."
"""

from __future__ import annotations

import contextlib
import json
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["Answer", "Error", "FakeOpenAI", "RecordedRequest"]

NO_REPLY_LEFT = "fake server: no scripted reply left"

# OpenAI's error bodies, by status: (default message, type, code).
_ERROR_SHAPES: dict[int, tuple[str, str, str | None]] = {
    400: ("Invalid request (fake).", "invalid_request_error", None),
    401: (
        "Incorrect API key provided. You can find your API key at "
        "https://platform.openai.com/account/api-keys.",
        "invalid_request_error",
        "invalid_api_key",
    ),
    403: ("You are not allowed to use this model (fake).", "invalid_request_error", None),
    404: ("The model does not exist (fake).", "invalid_request_error", "model_not_found"),
    429: ("Rate limit reached for requests (fake).", "requests", "rate_limit_exceeded"),
    500: ("The server had an error while processing your request (fake).", "server_error", None),
    502: ("Bad gateway (fake).", "server_error", None),
    503: ("The engine is currently overloaded (fake).", "server_error", None),
}


@dataclass(frozen=True)
class Error:
    """An HTTP error reply. ``body`` overrides the OpenAI-shaped JSON body when given."""

    status: int
    message: str | None = None
    type: str | None = None
    code: str | None = None
    body: dict | str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def payload(self) -> bytes:
        if isinstance(self.body, str):
            return self.body.encode()
        if self.body is not None:
            return json.dumps(self.body).encode()
        message, kind, code = _ERROR_SHAPES.get(
            self.status, (f"Fake error {self.status}.", "server_error", None)
        )
        error = {
            "message": self.message or message,
            "type": self.type or kind,
            "param": None,
            "code": self.code or code,
        }
        return json.dumps({"error": error}).encode()


@dataclass(frozen=True)
class Answer:
    """An answer with explicit details. Token counts default to a rough chars/4 estimate."""

    text: str
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    finish_reason: str = "stop"
    # Seconds to wait before answering (a slow server); cut short when the fake closes.
    delay_s: float = 0.0


Reply = str | Answer | Error | Callable[[dict], str | Answer | Error]


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    body: Any  # parsed JSON, or None


def _estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4)


def _prompt_text(body: dict) -> str:
    parts = []
    for message in body.get("messages") or []:
        content = message.get("content")
        if isinstance(content, list):  # content parts
            content = " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
        parts.append(str(content or ""))
    return "\n".join(parts)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        # A client that gave up (timeout, cancel) closes its socket mid-answer: expected here.
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


class FakeOpenAI:
    """A scripted OpenAI-compatible server; use as a context manager."""

    def __init__(
        self,
        replies: list[Reply] | None = None,
        *,
        default: Reply | None = None,
        models: tuple[str, ...] = ("fake-model",),
        cache_min_tokens: int | None = None,
    ):
        self.default = default
        self.models = models
        # Prompt caching as OpenAI reports it: off (None), or the least prefix it serves.
        self.cache_min_tokens = cache_min_tokens
        self._prompts: list[str] = []
        self._queue: deque[Reply] = deque(replies or [])
        self._requests: list[RecordedRequest] = []
        self._cond = threading.Condition()
        self._closing = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> FakeOpenAI:
        handler = type("_BoundHandler", (_Handler,), {"fake": self})
        self._server = _Server(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(
            # A short poll interval: close() (shutdown) waits up to one interval.
            target=self._server.serve_forever,
            args=(0.02,),
            name="fake-openai",
            daemon=True,
        )
        self._thread.start()
        return self

    def close(self) -> None:
        self._closing.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def port(self) -> int:
        assert self._server is not None, "FakeOpenAI is not running"
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    # -- script and records ----------------------------------------------------------------
    def script(self, replies: list[Reply]) -> None:
        """Append replies to the queue (answered in order, one per chat request)."""
        with self._cond:
            self._queue.extend(replies)

    @property
    def pending(self) -> int:
        with self._cond:
            return len(self._queue)

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._cond:
            return list(self._requests)

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    def wait_for_requests(self, n: int, timeout: float = 10.0) -> list[RecordedRequest]:
        """Block until at least ``n`` requests arrived; raise TimeoutError after ``timeout``."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self._requests) >= n, timeout=timeout):
                raise TimeoutError(f"fake server got {len(self._requests)} of {n} requests")
            return list(self._requests)

    # -- used by the handler ---------------------------------------------------------------
    def _cached_tokens(self, prompt: str) -> int:
        """With ``cache_min_tokens`` set: the estimated tokens of the longest prefix ``prompt``
        shares with an earlier request, when at least ``cache_min_tokens`` (else 0)."""
        with self._cond:
            earlier, self._prompts = list(self._prompts), [*self._prompts, prompt]
        shared = max((_common_prefix(p, prompt) for p in earlier), default=0)
        tokens = shared // 4
        return tokens if tokens >= (self.cache_min_tokens or 0) and tokens else 0

    def _record(self, request: RecordedRequest) -> None:
        with self._cond:
            self._requests.append(request)
            self._cond.notify_all()

    def _next_reply(self, body: dict) -> Answer | Error:
        with self._cond:
            reply = self._queue.popleft() if self._queue else self.default
        if reply is None:
            return Error(500, message=NO_REPLY_LEFT, type="server_error")
        if callable(reply) and not isinstance(reply, (Answer, Error)):
            reply = reply(body)
        if isinstance(reply, str):
            return Answer(reply)
        if isinstance(reply, (Answer, Error)):
            return reply
        raise TypeError(f"fake server: unsupported scripted reply {reply!r}")


class _Handler(BaseHTTPRequestHandler):
    fake: FakeOpenAI  # set on the bound subclass
    protocol_version = "HTTP/1.1"
    server_version = "FakeOpenAI/1.0"

    def log_message(self, format: str, *args) -> None:  # keep test output clean
        pass

    # -- plumbing ----------------------------------------------------------------------------
    def _read_body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return raw.decode("utf-8", "replace")

    def _record(self, body: Any) -> None:
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.fake._record(RecordedRequest(self.command, self.path, headers, body))

    def _send(self, status: int, payload: bytes, headers: dict[str, str] | None = None) -> None:
        # One request per connection: a client's pooled connection never outlives a fake.
        self.close_connection = True
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Connection", "close")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def _not_found(self) -> None:
        self._send(404, Error(404, message=f"fake server: no route {self.path}").payload())

    # -- routes ------------------------------------------------------------------------------
    def do_GET(self) -> None:
        self._record(None)
        if self.path.rstrip("/").endswith("/models"):
            data = [
                {"id": m, "object": "model", "created": 0, "owned_by": "fake"}
                for m in self.fake.models
            ]
            self._send(200, json.dumps({"object": "list", "data": data}).encode())
        else:
            self._not_found()

    def do_POST(self) -> None:
        body = self._read_body()
        self._record(body)
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._not_found()
            return
        if not isinstance(body, dict):
            self._send(400, Error(400, message="fake server: body is not a JSON object").payload())
            return
        reply = self.fake._next_reply(body)
        if isinstance(reply, Error):
            self._send(reply.status, reply.payload(), reply.headers)
            return
        if reply.delay_s:
            self.fake._closing.wait(reply.delay_s)
        usage = {
            "prompt_tokens": reply.prompt_tokens or _estimate_tokens(_prompt_text(body)),
            "completion_tokens": reply.completion_tokens
            if reply.completion_tokens is not None
            else _estimate_tokens(reply.text),
        }
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        if self.fake.cache_min_tokens is not None:
            cached = self.fake._cached_tokens(_prompt_text(body))
            usage["prompt_tokens_details"] = {"cached_tokens": min(cached, usage["prompt_tokens"])}
        model = str(body.get("model") or self.fake.models[0])
        if body.get("stream"):
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            self._stream(model, reply, usage if include_usage else None)
        else:
            self._send(200, json.dumps(_completion(model, reply, usage)).encode())

    def _stream(self, model: str, reply: Answer, usage: dict | None) -> None:
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self.end_headers()
        base = {
            "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": model,
        }

        def event(data: str) -> None:
            payload = f"data: {data}\n\n".encode()
            self.wfile.write(f"{len(payload):x}\r\n".encode() + payload + b"\r\n")
            self.wfile.flush()

        def chunk(delta: dict, finish: str | None) -> None:
            choice = {"index": 0, "delta": delta, "finish_reason": finish}
            event(json.dumps({**base, "choices": [choice]}))

        chunk({"role": "assistant", "content": ""}, None)
        for piece in _pieces(reply.text):
            chunk({"content": piece}, None)
        chunk({}, reply.finish_reason)
        if usage is not None:
            event(json.dumps({**base, "choices": [], "usage": usage}))
        event("[DONE]")
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


def _common_prefix(a: str, b: str) -> int:
    """Characters ``a`` and ``b`` share at their start."""
    n = min(len(a), len(b))
    return next((i for i in range(n) if a[i] != b[i]), n)


def _pieces(text: str, size: int = 16) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def _completion(model: str, reply: Answer, usage: dict) -> dict:
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": reply.text},
                "logprobs": None,
                "finish_reason": reply.finish_reason,
            }
        ],
        "usage": usage,
    }


if __name__ == "__main__":  # manual use: serve a fixed answer until Ctrl-C
    import argparse

    parser = argparse.ArgumentParser(description="Serve a fake OpenAI-compatible API.")
    parser.add_argument("--answer", default="OK", help="the answer to every chat request")
    args = parser.parse_args()
    with FakeOpenAI(default=args.answer) as fake:
        print(fake.base_url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
