"""What the drafting tests share: no real key, the test's own cache and data folder (outside the
work folder), and a work folder holding the scripted topic (draft_answers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.topic.draft_answers import write_topic

OFFLINE = {"LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_OFFLINE_MODE": "true"}


@pytest.fixture
def private_places(tmp_path, monkeypatch):
    for name in ("OPENAI_API_KEY", "OPENAI_API_BASE", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AISCI_CACHE_DIR", str(tmp_path / "private" / "cache"))
    monkeypatch.setenv("AISCI_DATA_DIR", str(tmp_path / "private" / "data"))


@pytest.fixture
def work(tmp_path, private_places) -> Path:
    folder = tmp_path / "work"
    folder.mkdir()
    write_topic(folder)
    return folder
