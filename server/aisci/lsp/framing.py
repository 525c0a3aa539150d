"""Reading the client's messages: LSP base-protocol frames, robust to bad input.

Contract (replaces pygls's reader loop, which stops answering after one bad frame, dies on a
huge ``Content-Length`` and drops requests whose params it cannot read):
- A frame is header lines, an empty line, and ``Content-Length`` bytes of JSON. A header
  with no usable ``Content-Length`` (missing, not a decimal number, over ``MAX_BODY``) is
  logged and skipped: the reader resynchronizes at the next ``Content-Length:`` it sees (also
  one glued to the end of a body), so the next good frame is answered.
- A body that is not JSON gets a ``-32700`` Parse error (id null); a message that is not a
  JSON-RPC 2.0 object gets ``-32600`` Invalid Request; a request whose params do not fit its
  method gets ``-32602`` Invalid params with the request's id and what did not fit. A
  notification is never answered: a bad one is logged and dropped.
- A declared length longer than its body is noticed when the next frame's header arrives
  inside it: the message is taken and the rest is read as the next frame.
- The end of the input ends the loop. Every skipped or refused message is logged (stderr).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
from concurrent.futures import Executor
from typing import Any, BinaryIO

from cattrs import transform_error
from pygls.protocol import JsonRPCProtocol

from aisci.lsp.pygls_compat import send_raw

log = logging.getLogger("aisci.lsp.framing")

MAX_BODY = 64 * 2**20  # bytes in one message; a bigger one is refused, not allocated
MAX_LINE = 64 * 2**10  # bytes of a header line looked at, at once
HEADER = b"Content-Length:"
HEADER_LINE = re.compile(rb"^[A-Za-z][A-Za-z0-9-]*:[^\r\n]*\r?\n?$")
LENGTH = re.compile(rb"^Content-Length:[ \t]*(\S*)[ \t]*\r?\n?$", re.IGNORECASE)
PARSE_ERROR, INVALID_REQUEST, INVALID_PARAMS = -32700, -32600, -32602


class StdioSource:
    """Blocking reads of the server's stdin, run in a worker thread."""

    def __init__(self, stream: BinaryIO, executor: Executor | None = None) -> None:
        self.stream = stream
        self.executor = executor

    async def readline(self) -> bytes:
        return await asyncio.get_running_loop().run_in_executor(
            self.executor, self.stream.readline, MAX_LINE
        )

    async def read_some(self, n: int) -> bytes:
        read = getattr(self.stream, "read1", self.stream.read)
        return await asyncio.get_running_loop().run_in_executor(self.executor, read, n)


class StreamSource:
    """An asyncio stream (``aisci lsp --tcp``)."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self.reader = reader

    async def readline(self) -> bytes:
        try:
            return await self.reader.readuntil(b"\n")
        except asyncio.IncompleteReadError as e:
            return e.partial
        except asyncio.LimitOverrunError as e:
            return await self.reader.read(max(1, min(e.consumed, MAX_LINE)))

    async def read_some(self, n: int) -> bytes:
        return await self.reader.read(n)


class FrameReader:
    """Frames from a source, with bytes pushed back after a resynchronization."""

    def __init__(self, source: StdioSource | StreamSource) -> None:
        self.source = source
        self.pending = b""

    async def _line(self) -> bytes:
        if self.pending:
            end = self.pending.find(b"\n")
            if end >= 0:
                line, self.pending = self.pending[: end + 1], self.pending[end + 1 :]
                return line
            line = self.pending + await self.source.readline()
            self.pending = b""
            return line
        return await self.source.readline()

    async def _some(self, n: int) -> bytes:
        if self.pending:
            chunk, self.pending = self.pending[:n], self.pending[n:]
            return chunk
        return await self.source.read_some(n)

    async def next_body(self) -> bytes | None:
        """The next frame's body; None at the end of the input."""
        length: int | None = None
        in_headers = skipping = False
        while True:
            line = await self._line()
            if not line:
                return None
            at = line.upper().find(HEADER.upper())
            if skipping:
                if at < 0:
                    continue
                line, skipping = line[at:], False
            if not line.strip():
                if length is not None:
                    return await self._body(length)
                if in_headers:
                    log.error(
                        "skipped a frame without a Content-Length header; waiting for the next one"
                    )
                    in_headers, skipping = False, True
                continue  # stray blank lines between frames
            if not HEADER_LINE.match(line):
                if at < 0:
                    log.error(
                        "skipped input that is not an LSP header: %r; waiting for the next "
                        "Content-Length header",
                        line[:200],
                    )
                    length, in_headers, skipping = None, False, True
                    continue
                line = line[
                    at:
                ]  # a header glued to the end of a body that was shorter than declared
                log.error("skipped %d bytes before a Content-Length header", at)
                length = None
            in_headers = True
            match = LENGTH.match(line)
            if match is None:
                continue  # another header (Content-Type)
            value = match.group(1)
            if not value.isdigit():
                log.error(
                    "skipped a frame: its header %r holds no length in bytes; waiting for the next "
                    "Content-Length header",
                    line.strip()[:200].decode("ascii", "replace"),
                )
                length, in_headers, skipping = None, False, True
            elif int(value) > MAX_BODY:
                log.error(
                    "skipped a frame of %s bytes: the limit is %d bytes; waiting for the next "
                    "Content-Length header",
                    value.decode(),
                    MAX_BODY,
                )
                length, in_headers, skipping = None, False, True
            else:
                length = int(value)

    async def _body(self, length: int) -> bytes | None:
        body = b""
        while len(body) < length:
            chunk = await self._some(min(length - len(body), 1 << 20))
            if not chunk:
                return None
            body += chunk
            recent = body[max(0, len(body) - len(chunk) - len(HEADER)) :]
            early = _complete_json_before_header(body) if HEADER in recent else None
            if early is not None:
                log.error(
                    "a frame declared %d bytes but its message ended after %d: read the rest as "
                    "the next frame",
                    length,
                    early,
                )
                self.pending = body[early:] + self.pending
                return body[:early]
        return body


def _complete_json_before_header(body: bytes) -> int | None:
    try:
        _, end = json.JSONDecoder().raw_decode(body.decode("utf-8", errors="replace"))
    except ValueError:
        return None
    end = len(body.decode("utf-8", errors="replace")[:end].encode("utf-8"))
    return end if body[end:].lstrip().upper().startswith(HEADER.upper()) else None


def _reply_error(protocol: JsonRPCProtocol, msg_id: Any, code: int, message: str) -> None:
    # Written as plain JSON: pygls's serializer drops ``"id": null``, which JSON-RPC requires
    # when the request's id could not be read.
    send_raw(
        protocol, {"jsonrpc": "2.0", "id": msg_id, "error": {"code": code, "message": message}}
    )


def _params_problem(error: BaseException) -> str:
    cause = error.__cause__ or error
    try:
        return "; ".join(transform_error(cause))
    except Exception:
        return str(cause)


def handle_body(protocol: JsonRPCProtocol, body: bytes) -> None:
    """Parse one body and hand it to pygls, answering what it cannot handle."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as e:
        log.error("a message is not JSON (%s): answered Parse error", e)
        _reply_error(protocol, None, PARSE_ERROR, f"Parse error: the message is not JSON: {e}")
        return
    msg_id = data.get("id") if isinstance(data, dict) else None
    is_request = isinstance(data, dict) and "id" in data and "method" in data
    if (
        not isinstance(data, dict)
        or data.get("jsonrpc") != "2.0"
        or not isinstance(data.get("method", ""), str)
    ):
        log.error("a message is not a JSON-RPC 2.0 object: %s", body[:200])
        if not isinstance(data, dict) or "id" in data:
            _reply_error(
                protocol,
                msg_id,
                INVALID_REQUEST,
                "Invalid Request: expected a JSON-RPC 2.0 object.",
            )
        return
    try:
        message = protocol.structure_message(data)
    except Exception as e:
        method = data.get("method")
        problem = _params_problem(e)
        if is_request:
            code = INVALID_PARAMS if "params" in data else INVALID_REQUEST
            log.error("request %r (%s) has params that do not fit: %s", msg_id, method, problem)
            _reply_error(protocol, msg_id, code, f"Invalid params for {method}: {problem}")
        else:
            log.error(
                "dropped a message (%s) that does not fit: %s", method or "a response", problem
            )
        return
    try:
        protocol.handle_message(message)
    except Exception:
        log.exception("could not handle a message (%s)", data.get("method", "a response"))
        if is_request:
            _reply_error(protocol, msg_id, -32603, "Internal error: see the server's log.")


async def serve(
    source: StdioSource | StreamSource, protocol: JsonRPCProtocol, stop_event: threading.Event
) -> None:
    """Read frames until the input ends (or ``stop_event`` is set) and hand them to pygls."""
    frames = FrameReader(source)
    while not stop_event.is_set():
        body = await frames.next_body()
        if body is None:
            log.info("the client closed the connection")
            return
        handle_body(protocol, body)
