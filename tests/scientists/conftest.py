"""Fixtures for the LLM scientist's tests: the fake OpenAI server, the fake literature APIs,
a tiny template, and a Context whose settings point at them."""

from __future__ import annotations

import pytest

from aisci.core import events as ev
from aisci.core.context import Context
from aisci.core.settings import Settings
from aisci.core.template import load_template
from aisci.llm import RetryPolicy
from tests.fakes.fixtures import fake_openai  # noqa: F401  (a fixture)
from tests.fakes.literature_fixtures import (  # noqa: F401  (fixtures)
    fake_arxiv,
    fake_openalex,
    fake_s2,
    literature_settings,
)
from tests.helpers import make_template

FAKE_MODEL = "openai/fake-model"
# Tries stay real; the waits between them are milliseconds.
FAST_RETRY = RetryPolicy(max_attempts=3, base_delay_s=0.001, max_delay_s=0.004, max_total_s=10)


@pytest.fixture(autouse=True)
def _no_provider_keys(monkeypatch, tmp_path):
    """No test may use a real key from the developer's environment, or the user's cache."""
    for name in (
        "OPENAI_API_KEY",
        "OPENAI_API_BASE",
        "OPENAI_BASE_URL",
        "ANTHROPIC_API_KEY",
        "S2_API_KEY",
        "OPENALEX_API_KEY",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AISCI_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture
def template(tmp_path):
    return load_template(make_template(tmp_path))


@pytest.fixture
def make_ctx(tmp_path, fake_openai):  # noqa: F811 - pytest passes the fixture imported above
    def make(**changes) -> Context:
        values = {
            "results": tmp_path / "results",
            "scientist": "llm",
            "model": FAKE_MODEL,
            "api_base": fake_openai.base_url,
            "num_reflections": 0,
            "novelty_rounds": 3,
            "engine": "local",
        }
        values.update(changes)
        return Context(Settings(**values), ev.CollectingReporter())

    return make
