"""Literature tests: fake APIs on 127.0.0.1, a cache in tmp_path, no keys from the shell."""

from __future__ import annotations

import pytest

from tests.fakes.literature_fixtures import (  # noqa: F401 -- fixtures used by name
    fake_arxiv,
    fake_openalex,
    fake_s2,
    literature_settings,
)


@pytest.fixture(autouse=True)
def _isolated_literature_env(monkeypatch, tmp_path):
    monkeypatch.setenv("AISCI_CACHE_DIR", str(tmp_path / "default-cache"))
    for name in ("S2_API_KEY", "OPENALEX_API_KEY"):
        monkeypatch.delenv(name, raising=False)
