"""The ``aisci.*`` commands, each declared once: ``@command`` beside its handler fills ``COMMANDS``.

Contract: ``@command("aisci.name", keys=(...), long=...)`` on a handler ``(server, Args)``
records a ``Command`` in ``COMMANDS`` when the handler's module is imported (lsp/stages.py,
lsp/queries.py and lsp/commands.py; lsp/commands.py imports the other two, so the registry is
complete once the dispatcher is loaded). The declaration carries what the rest of aisci reads:
the argument keys the command takes (any settings key is accepted besides them, lsp/args.py),
whether it is long (its handler returns a ``Plan``: validated on the event loop, locked, run in
the job's thread with progress) or quick (its handler returns the result, in a worker thread),
and whether an untrusted workspace (``AISCI_RESTRICTED=1``) refuses it with -32004. The server
offers exactly these ids (lsp/server.py), commands.execute dispatches by them, and
tests/lsp/test_command_registry.py checks docs/lsp.md and the extension against them.
This module imports nothing of aisci but ``Args``, so the handlers' modules can import it
without a cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from aisci.lsp.args import Args

if TYPE_CHECKING:  # types only: this module loads no more of aisci (see above)
    from aisci.core.context import Context
    from aisci.lsp.server import AisciServer

Handler = Callable[["AisciServer", Args], Any]  # -> Plan (long) or the result (quick)
_H = TypeVar("_H", bound=Handler)


@dataclass(frozen=True)
class Plan:
    """What a long command will do: the path it locks, its title, and its work."""

    lock: Path
    folder: Path
    title: str
    work: Callable[[Context], dict[str, Any]]  # the result, in the job's thread


@dataclass(frozen=True)
class Command:
    """One ``aisci.*`` command as declared by ``@command``."""

    id: str
    handler: Handler
    keys: tuple[str, ...]
    long: bool
    # Refused with -32004 in an untrusted workspace. The dispatcher refuses a long command before
    # its plan; a quick one that is refused says so itself, after checking its arguments
    # (aisci.steerNode), so a bad argument is still -32602 there.
    trusted_only: bool


COMMANDS: dict[str, Command] = {}


def command(
    id: str, *, keys: tuple[str, ...] = (), long: bool, trusted_only: bool | None = None
) -> Callable[[_H], _H]:
    """Declare the decorated handler as the command ``id`` (``trusted_only`` defaults to ``long``:
    a long command changes files, a quick one only reads them)."""

    def register(handler: _H) -> _H:
        if id in COMMANDS:  # two handlers for one id: the second would silently win
            raise ValueError(f"{id} is declared twice: {COMMANDS[id].handler} and {handler}")
        COMMANDS[id] = Command(
            id, handler, tuple(keys), long, long if trusted_only is None else trusted_only
        )
        return handler

    return register
