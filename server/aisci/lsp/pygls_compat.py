"""Every use of a pygls private, in one place, for the pygls this server is tested with.

Contract: nothing else in aisci reads or writes a private attribute of pygls (a test checks
this); it calls the functions here. They reach past pygls's public API where it has nothing
for what the server needs:

- ``send_raw``: ``JsonRPCProtocol._send_data`` writes a JSON object as it is. The frame
  reader (framing.py) answers a message whose id could not be read with ``"id": null``, which
  pygls's own serializer would drop.
- ``current_request`` and ``forget_request`` read and pop ``JsonRPCProtocol._request_futures``
  (the futures of the requests in flight, both ways): a cancelled ``executeCommand`` cancels its
  job; a request of ours the client no longer needs to answer is withdrawn.
- ``cancel_requests_in_flight``: pygls's own ``shutdown`` handler cancels every pending request
  while iterating over that table, and a cancelled request removes itself from it at once
  ("dictionary changed size during iteration"), an open upstream bug:
  https://github.com/openlawlibrary/pygls/issues/606. The server's ``shutdown`` handler, which
  pygls runs first, cancels them over a copy.
- ``shutdown_requested``: ``JsonRPCProtocol._shutdown``, whether ``shutdown`` came before the
  end of the connection (LSP: exit status 0 only then).
- ``stop_thread_pool``: ``JsonRPCServer._thread_pool`` is shut down without waiting (pygls's
  ``shutdown`` waits, and after ``exit`` its stdin reader may still block on a pipe the client
  keeps open). The attribute, not the ``thread_pool`` property: none is created to be stopped.

``check_versions()`` (``aisci lsp`` calls it before it starts) refuses any other pygls or
lsprotocol with a message naming the versions found and what to do; ``missing_privates()``
lists what this module needs that the installed pygls lacks. tests/lsp/test_pygls_compat.py
runs both, so a pygls upgrade fails that one test, with its reason, before anything at run time.
"""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

from pygls.protocol import JsonRPCProtocol
from pygls.server import JsonRPCServer

from aisci import versions
from aisci.errors import ConfigError

# The versions pinned in pyproject.toml, the only ones the server's tests ran against.
TESTED = {"pygls": "2.1.1", "lsprotocol": "2025.0.0"}
# The privates used below: (what owns them, attribute names).
PRIVATES = {
    "JsonRPCProtocol": ("_send_data", "_request_futures", "_shutdown"),
    "JsonRPCServer": ("_thread_pool",),
}


def installed_versions() -> dict[str, str | None]:
    """The installed version of each tested package; ``None`` where it is not installed."""
    return versions.installed(TESTED)


def version_problem() -> str | None:
    """What differs from the tested versions, in words; ``None`` when nothing does."""
    return versions.differences(TESTED, installed_versions())


def check_versions() -> None:
    """Refuse to serve with a pygls or lsprotocol other than the tested ones (``ConfigError``)."""
    problem = version_problem()
    if problem is None:
        return
    pins = " ".join(f"'{name}=={version}'" for name, version in TESTED.items())
    raise ConfigError(
        f"The aisci language server cannot start: this environment has {problem}. The server "
        "uses pygls internals (aisci/lsp/pygls_compat.py) that other versions may lack.",
        f"Install the tested versions (pip install {pins}, or reinstall aisci: pip install -e .). "
        "To move aisci to another pygls, change TESTED in aisci/lsp/pygls_compat.py and the pins "
        "in pyproject.toml, then run tests/lsp.",
    )


def missing_privates(server: JsonRPCServer) -> list[str]:
    """The privates this module uses that ``server`` (a fresh pygls server) and its protocol lack."""
    owners: dict[str, Any] = {"JsonRPCProtocol": server.protocol, "JsonRPCServer": server}
    return [
        f"{owner}.{name}"
        for owner, names in PRIVATES.items()
        for name in names
        if not hasattr(owners[owner], name)
    ]


def send_raw(protocol: JsonRPCProtocol, data: dict[str, Any]) -> None:
    """Write ``data`` as one message, exactly as given (pygls's serializer is not used)."""
    protocol._send_data(data)


def current_request(protocol: JsonRPCProtocol) -> Future[Any] | None:
    """pygls's future of the client request being handled now (cancelled by ``$/cancelRequest``)."""
    msg_id = protocol.msg_id
    return None if msg_id is None else protocol._request_futures.get(msg_id)


def forget_request(protocol: JsonRPCProtocol, msg_id: str) -> Future[Any] | None:
    """Stop waiting for the answer to our request ``msg_id``; its future, if it was pending."""
    return protocol._request_futures.pop(msg_id, None)


def cancel_requests_in_flight(protocol: JsonRPCProtocol) -> None:
    """Cancel every pending request but the one being handled, over a copy of pygls's table
    (https://github.com/openlawlibrary/pygls/issues/606)."""
    current = protocol.msg_id
    for msg_id, future in list(protocol._request_futures.items()):
        if msg_id != current and not future.done():
            future.cancel()


def shutdown_requested(protocol: JsonRPCProtocol) -> bool:
    """True once the client sent ``shutdown``."""
    return bool(protocol._shutdown)


def stop_thread_pool(server: JsonRPCServer) -> None:
    """Stop pygls's worker threads without waiting for them (a blocked stdin read included)."""
    pool = server._thread_pool
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)
