"""Fixtures for the LLM client tests: the fake OpenAI server and fast clients against it."""

from __future__ import annotations

import random

import pytest

from aisci.llm import LLMClient, LLMSettings, RetryPolicy
from tests.fakes.fixtures import fake_openai  # noqa: F401  (a fixture)

FAKE_MODEL = "openai/fake-model"
FAKE_KEY = "sk-fake"
# Tries stay real; the waits between them are milliseconds.
FAST_RETRY = RetryPolicy(max_attempts=4, base_delay_s=0.001, max_delay_s=0.004, max_total_s=10)


@pytest.fixture(autouse=True)
def _no_provider_keys(monkeypatch):
    """No test may use a real key from the developer's environment."""
    for name in ("OPENAI_API_KEY", "OPENAI_API_BASE", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def sleeps():
    """The waits the retry loop asked for (instead of really sleeping)."""
    return []


@pytest.fixture
def make_client(fake_openai, sleeps):  # noqa: F811 - pytest passes the fixture imported above
    def make(ledger=None, cancel=None, on_cost=None, **settings) -> LLMClient:
        settings.setdefault("model", FAKE_MODEL)
        settings.setdefault("api_base", fake_openai.base_url)
        settings.setdefault("api_key", FAKE_KEY)
        settings.setdefault("retry", FAST_RETRY)
        return LLMClient(
            LLMSettings(**settings),
            ledger,
            cancel,
            on_cost=on_cost,
            sleep=sleeps.append,
            rng=random.Random(0),
        )

    return make


def user(text: str) -> list[dict]:
    return [{"role": "user", "content": text}]
