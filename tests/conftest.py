"""Shared test set-up: no test may reach beyond this machine.

Remote services are replaced at the wire by fake servers on 127.0.0.1 (tests/fakes/). The
guard below makes any connection to a non-loopback address fail the test loudly, so a client
that forgets its base-URL override is caught instead of silently hanging on the network.
"""

from __future__ import annotations

import ipaddress
import socket

import pytest

_real_connect = socket.socket.connect
_real_getaddrinfo = socket.getaddrinfo
_real_connect_ex = socket.socket.connect_ex


class NetworkGuardError(AssertionError):
    pass


def _check(address) -> None:
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return
    host = address[0]
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        if host in ("localhost",):
            return
        raise NetworkGuardError(f"test tried to connect to non-loopback host {host!r}") from None
    if not ip.is_loopback:
        raise NetworkGuardError(f"test tried to connect to non-loopback address {host}")


def _guarded_connect(self, address):
    _check(address)
    return _real_connect(self, address)


def _guarded_connect_ex(self, address):
    _check(address)
    return _real_connect_ex(self, address)


def _guarded_getaddrinfo(host, *args, **kwargs):
    # A name lookup is already a network request: only loopback names may be resolved.
    if host not in (None, "localhost", "") and not str(host).startswith(("127.", "::1")):
        try:
            ipaddress.ip_address(host if isinstance(host, str) else host.decode())
        except ValueError:
            raise NetworkGuardError(f"test tried to resolve host name {host!r}") from None
    return _real_getaddrinfo(host, *args, **kwargs)


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch):
    monkeypatch.setattr(socket, "getaddrinfo", _guarded_getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded_connect_ex)
    # Offline-safe imports of litellm, whichever test imports it first.
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    monkeypatch.setenv("LITELLM_OFFLINE_MODE", "true")
    yield
