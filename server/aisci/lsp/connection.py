"""The language server's connection to its client: stdio or one TCP client, and its end.

Contract: ``Connection`` is pygls's ``LanguageServer`` read by our frame reader
(lsp/framing.py: bad input is answered or skipped, never the end of the conversation), with
custom methods' params and results kept as plain JSON (``plain_converter``). ``start_io`` and
``start_tcp`` return when the input ends, ``exit`` arrives or the client goes away; either way
``shutdown`` runs: first ``cleanup()`` (the subclass's children: jobs, preview, watcher), then
the reader stops and pygls's worker threads are dropped without waiting for them.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
from typing import TYPE_CHECKING, Any, BinaryIO

from lsprotocol import converters
from pygls.io_ import StdoutWriter
from pygls.lsp.server import LanguageServer
from pygls.protocol import JsonRPCNotification, JsonRPCRequestMessage, JsonRPCResponseMessage

from aisci.lsp.framing import StdioSource, StreamSource, serve
from aisci.lsp.pygls_compat import stop_thread_pool

if TYPE_CHECKING:
    from cattrs import Converter

log = logging.getLogger("aisci.lsp")


def plain_converter() -> Converter:
    """lsprotocol's converter, keeping the params and results of custom methods as plain JSON
    (pygls's default turns them into namedtuples)."""

    converter = converters.get_converter()
    for kind in (JsonRPCNotification, JsonRPCRequestMessage, JsonRPCResponseMessage):
        converter.register_structure_hook(kind, lambda obj, cls: cls(**obj))
    return converter


class Connection(LanguageServer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, converter_factory=plain_converter, **kwargs)
        self.stop_event: threading.Event | None = None  # set: stop reading the client
        self.tcp_server: asyncio.Server | None = None  # `aisci lsp --tcp`

    def cleanup(self) -> None:
        """End what the server started (a subclass's jobs and services); before the end."""

    def start_io(self, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> None:
        """pygls's stdio server with our reader of frames (lsp/framing.py: bad input is answered
        or skipped, never the end of the conversation)."""
        self.stop_event = stop_event = threading.Event()
        self.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
        try:
            asyncio.run(
                serve(
                    StdioSource(stdin or sys.stdin.buffer, self.thread_pool),
                    self.protocol,
                    stop_event,
                )
            )
        except BrokenPipeError:
            log.error("the client closed its end of the connection; shutting down")
        except (KeyboardInterrupt, SystemExit):
            pass
        except Exception:
            log.exception("the connection to the client failed; shutting down")
            raise
        finally:
            self.shutdown()

    def start_tcp(self, host: str, port: int) -> None:
        """One client on host:port (``aisci lsp --tcp`` passes 127.0.0.1), read like stdio."""
        self.stop_event = stop_event = threading.Event()

        async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.protocol.set_writer(writer)
            await serve(StreamSource(reader), self.protocol, stop_event)
            self.shutdown()

        async def listen() -> None:
            self.tcp_server = tcp_server = await asyncio.start_server(connection, host, port)
            async with tcp_server:
                await tcp_server.serve_forever()

        try:
            asyncio.run(listen())
        except asyncio.CancelledError:
            log.debug("the TCP server was cancelled")

    def shutdown(self) -> None:
        """pygls's end of the connection: our children first. Its thread pool is not waited
        for: after ``exit`` its stdin reader may still block on a pipe the client keeps open."""
        self.cleanup()
        if self.stop_event is not None:
            self.stop_event.set()
        stop_thread_pool(self)
        if self.tcp_server is not None:
            self.tcp_server.close()
