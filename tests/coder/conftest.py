"""Fixtures for the aider tests: a scratch HOME, an idea folder, coders against the fake server.

aider writes to ~/.aider (analytics, model-metadata caches): HOME points at a temp folder, and
tests check that nothing appeared there. The suite's guard fails connections to non-loopback
addresses; offline, a download dies earlier, at the name lookup, so name lookups are guarded
here too.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from aisci.coder import AiderCoder
from aisci.llm import RetryPolicy
from tests.coder.helpers import EXPERIMENT, FAKE_KEY, FAKE_MODEL, PLOT, TEX
from tests.fakes.fixtures import fake_openai  # noqa: F401  (a fixture)

_LOOPBACK = {"127.0.0.1", "::1", "localhost", None, b"127.0.0.1"}


@pytest.fixture(autouse=True)
def _scratch_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for name in ("OPENAI_API_KEY", "OPENAI_API_BASE", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture(autouse=True)
def lookups(monkeypatch):
    """Every non-loopback name lookup; the test fails if there was any."""
    seen: list[str] = []
    real = socket.getaddrinfo

    def guarded(host, *args, **kwargs):
        if host not in _LOOPBACK:
            seen.append(str(host))
            raise socket.gaierror(socket.EAI_NONAME, f"test guard: no lookups of {host}")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded)
    yield seen
    assert seen == [], f"name lookups of non-loopback hosts: {seen}"


@pytest.fixture
def idea(tmp_path) -> Path:
    folder = tmp_path / "results" / "20250101_000000_lr_sweep"
    (folder / "latex").mkdir(parents=True)
    (folder / "experiment.py").write_text(EXPERIMENT, encoding="utf-8")
    (folder / "plot.py").write_text(PLOT, encoding="utf-8")
    (folder / "latex" / "template.tex").write_text(TEX, encoding="utf-8")
    return folder


@pytest.fixture
def make_coder(fake_openai):  # noqa: F811 - pytest passes the fixture imported above
    def make(**options) -> AiderCoder:
        options.setdefault("api_base", fake_openai.base_url)
        options.setdefault("api_key", FAKE_KEY)
        # Tries stay real; the waits between them are milliseconds.
        options.setdefault(
            "retry", RetryPolicy(max_attempts=3, base_delay_s=0.001, max_delay_s=0.004)
        )
        return AiderCoder(options.pop("model", FAKE_MODEL), **options)

    return make
