"""``aisci lsp [--tcp PORT]``: the process around the language server.

Contract: ``main(tcp_port)`` refuses an untested pygls (lsp/pygls_compat.py), sends logging to
stderr (warnings and errors; everything with ``AISCI_LSP_DEBUG=1``), keeps fd 1 for the protocol
alone (anything else that writes to stdout lands on stderr), serves over stdio (or
127.0.0.1:PORT) until the client sends ``exit`` or goes away, then cancels every job (their
experiment process groups are killed), stops the preview and the watcher, and exits: status 0
only after ``shutdown`` and ``exit``, else 1. SIGTERM ends the jobs too, then exits with 1.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from types import FrameType

from pygls.exceptions import JsonRpcException

from aisci.lsp.pygls_compat import check_versions, shutdown_requested
from aisci.lsp.server import create_server

log = logging.getLogger("aisci.lsp")


class AnsweredErrors(logging.Filter):
    """pygls logs every error answer of a request with its traceback, although an error answer is
    how a command says it was cancelled (-32800), refused as busy (-32002), given bad params
    (-32602) or failed with a message the client shows (-32001). Those are one line (the expected
    ones at INFO), never a traceback; an unexpected exception keeps its traceback."""

    QUIET = (-32800, -32002, -32602)

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if not isinstance(error, JsonRpcException):
            return True
        record.msg, record.args = (
            f"{record.getMessage()} answered with error {error.code}: {error.message}",
            (),
        )
        record.exc_info, record.exc_text = None, None
        if error.code in self.QUIET:
            record.levelno, record.levelname = logging.INFO, "INFO"
            return logging.getLogger().isEnabledFor(logging.INFO)
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def main(tcp_port: int | None = None) -> None:
    """``aisci lsp [--tcp PORT]``."""
    check_versions()
    logging.basicConfig(
        level=logging.INFO if os.environ.get("AISCI_LSP_DEBUG") else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
        force=True,
    )
    logging.getLogger("pygls.protocol.json_rpc").addFilter(AnsweredErrors())
    # The protocol owns fd 1; anything that prints (a library, a stray print) goes to stderr instead.
    protocol_out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    server = create_server()

    def on_term(signum: int, frame: FrameType | None) -> None:
        # The editor (or the system) stopping us: end our children, then go. The job threads
        # finish without the event loop, which this handler interrupts.
        server.cleanup()
        os._exit(1)

    signal.signal(signal.SIGTERM, on_term)
    try:
        if tcp_port is not None:
            server.start_tcp("127.0.0.1", tcp_port)
        else:
            server.start_io(sys.stdin.buffer, protocol_out)
    finally:
        clean = shutdown_requested(server.protocol)
        if not clean:
            log.warning("exiting with status 1: the connection ended without a shutdown request")
        server.cleanup()
        logging.shutdown()
        # Exit now: a thread blocked reading a stdin the client keeps open must not keep us alive.
        # LSP: status 0 only after shutdown and exit.
        os._exit(0 if clean else 1)
