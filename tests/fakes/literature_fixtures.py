"""pytest fixtures for the fake literature APIs; import them into a conftest.py.

    from tests.fakes.literature_fixtures import (  # noqa: F401
        fake_arxiv, fake_openalex, fake_s2, literature_settings)

Each ``fake_*`` fixture starts its server, points the matching ``AISCI_*_API_URL`` at it and
removes ``S2_API_KEY``/``OPENALEX_API_KEY`` from the environment (a test that needs a key sets
it). ``literature_settings`` is a ``LiteratureSettings`` with a cache in ``tmp_path`` and tiny
throttle intervals, backoffs and timeouts, so no test waits seconds on politeness.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes.literature_servers import FakeArxiv, FakeOpenAlex, FakeSemanticScholar


def fast_settings(tmp_path: Path, **overrides):
    """Settings for tests: real code paths, test-sized waits."""
    from aisci.literature import LiteratureSettings

    values = {
        "request_timeout_s": 2.0,
        "max_tries": 3,
        "backoff_base_s": 0.01,
        "backoff_cap_s": 0.05,
        "backend_time_cap_s": 5.0,
        "time_cap_s": 10.0,
        "s2_interval_s": 0.01,
        "openalex_interval_s": 0.01,
        "arxiv_interval_s": 0.01,
        "cache_path": tmp_path / "cache" / "literature.sqlite3",
    }
    values.update(overrides)
    return LiteratureSettings(**values)


@pytest.fixture
def literature_settings(tmp_path):
    return fast_settings(tmp_path)


@pytest.fixture
def fake_s2(monkeypatch):
    monkeypatch.delenv("S2_API_KEY", raising=False)
    with FakeSemanticScholar() as fake:
        monkeypatch.setenv("AISCI_S2_API_URL", fake.base_url)
        yield fake


@pytest.fixture
def fake_openalex(monkeypatch):
    monkeypatch.delenv("OPENALEX_API_KEY", raising=False)
    with FakeOpenAlex() as fake:
        monkeypatch.setenv("AISCI_OPENALEX_API_URL", fake.base_url)
        yield fake


@pytest.fixture
def fake_arxiv(monkeypatch):
    with FakeArxiv() as fake:
        monkeypatch.setenv("AISCI_ARXIV_API_URL", fake.base_url)
        yield fake
