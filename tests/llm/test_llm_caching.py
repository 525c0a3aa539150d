"""Prompt caching: cached tokens from the provider's usage into the ledger (and its price),
and the cache marks an Anthropic request carries on the wire."""

from __future__ import annotations

import json

import pytest

from aisci.errors import AisciError
from aisci.llm import LLMClient, LLMSettings
from aisci.llm.caching import cached_prompt_tokens, needs_cache_control, with_cache_breakpoints
from aisci.llm.ledger import Ledger
from tests.fakes import Answer, FakeOpenAI

from .conftest import FAST_RETRY

STABLE = "You plan the runs of one experiment. " * 40  # ~1,500 characters that repeat


def messages(question: str) -> list[dict]:
    return [{"role": "system", "content": STABLE}, {"role": "user", "content": question}]


def client_for(fake: FakeOpenAI, model: str = "openai/fake-model", **settings) -> LLMClient:
    return LLMClient(
        LLMSettings(
            model=model, api_base=fake.base_url, api_key="sk-fake", retry=FAST_RETRY, **settings
        ),
        Ledger(),
    )


def test_a_repeated_prefix_is_recorded_as_cached_in_the_ledger_and_cost_json(tmp_path):
    with FakeOpenAI(default="ok", cache_min_tokens=64) as fake:
        client = client_for(fake)
        client.complete(messages("Plan run 1."), stage="experiments")
        client.complete(messages("Plan run 2."), stage="experiments")
        client.complete([{"role": "user", "content": "Something else."}], stage="ideas")
    first, second, other = client.ledger.records
    assert first.cached_prompt_tokens == 0  # nothing was sent before it
    # The fake counts chars/4 of the shared prefix: the system text and the run prompt's start.
    assert len(STABLE) // 4 <= second.cached_prompt_tokens < second.prompt_tokens
    assert other.cached_prompt_tokens == 0  # shares too little with the earlier prompts
    totals = client.ledger.totals()
    assert totals.by_stage["experiments"].cached_prompt_tokens == second.cached_prompt_tokens
    assert totals.overall.cached_prompt_tokens == second.cached_prompt_tokens

    client.ledger.save(tmp_path / "cost.json")
    saved = json.loads((tmp_path / "cost.json").read_text())
    assert saved["calls"][1]["cached_prompt_tokens"] == second.cached_prompt_tokens
    assert saved["by_stage"]["experiments"]["cached_prompt_tokens"] == second.cached_prompt_tokens
    again = Ledger.load(tmp_path / "cost.json")
    assert again.records[1].cached_prompt_tokens == second.cached_prompt_tokens


def test_cached_tokens_are_priced_lower_for_a_priced_model():
    # gpt-4o's list price has a cached rate; the same usage with a cached part costs less.
    answers = [
        Answer("ok", prompt_tokens=2000, completion_tokens=10),
        Answer("ok", prompt_tokens=2000, completion_tokens=10),
    ]
    with FakeOpenAI(answers, models=("gpt-4o",), cache_min_tokens=64) as fake:
        client = client_for(fake, model="openai/gpt-4o")
        client.complete(messages("Plan run 1."), stage="experiments")
        client.complete(messages("Plan run 2."), stage="experiments")
    cold, warm = client.ledger.records
    assert cold.cached_prompt_tokens == 0 and warm.cached_prompt_tokens > 300
    assert cold.cost_usd is not None and warm.cost_usd is not None
    assert warm.cost_usd < cold.cost_usd
    # OpenAI bills a cached token at half the input price (litellm's map for gpt-4o).
    saved = cold.cost_usd - warm.cost_usd
    assert saved == pytest.approx(warm.cached_prompt_tokens * 2.5e-6 / 2, rel=1e-6)


def test_no_cached_field_in_the_usage_means_zero_cached_tokens(fake_openai, make_client):
    fake_openai.script([Answer("ok", prompt_tokens=50, completion_tokens=2)])
    client = make_client()
    client.complete(messages("Plan run 1."), stage="experiments")
    (record,) = client.ledger.records
    assert record.cached_prompt_tokens == 0
    assert "prompt_tokens_details" not in json.dumps(fake_openai.chat_requests[0].body)


@pytest.mark.parametrize(
    ("usage", "cached"),
    [
        ({"prompt_tokens": 90, "prompt_tokens_details": {"cached_tokens": 64}}, 64),
        ({"prompt_tokens": 90, "cache_read_input_tokens": 32}, 32),  # Anthropic's name
        ({"prompt_tokens": 90, "prompt_tokens_details": None}, 0),
        ({"prompt_tokens": 90, "prompt_tokens_details": {"cached_tokens": "x"}}, 0),
        (None, 0),
    ],
)
def test_cached_prompt_tokens_reads_either_usage_shape(usage, cached):
    assert cached_prompt_tokens(usage) == cached


@pytest.mark.parametrize(
    ("model", "marks"),
    [
        ("anthropic/claude-sonnet-4-5", True),
        ("claude-3-5-haiku-20241022", True),
        ("bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0", True),
        ("bedrock/us.anthropic.claude-3-7-sonnet-20250219-v1:0", True),
        ("bedrock/meta.llama3-70b-instruct-v1:0", False),
        ("gpt-4o", False),
        ("openai/fake-model", False),
        ("deepseek/deepseek-chat", False),
        ("gemini/gemini-2.5-pro", False),
    ],
)
def test_only_anthropic_models_need_cache_marks(model, marks):
    assert needs_cache_control(model) is marks


def test_breakpoints_mark_the_system_message_and_the_end_of_the_earlier_turns():
    conversation = [
        {"role": "system", "content": "rules"},
        {"role": "user", "content": "draft"},
        {"role": "assistant", "content": "answer"},
        {"role": "user", "content": "review it"},
    ]
    before = json.dumps(conversation)
    marked = with_cache_breakpoints(conversation)
    assert json.dumps(conversation) == before  # the caller's list is untouched
    assert marked[0]["content"] == [
        {"type": "text", "text": "rules", "cache_control": {"type": "ephemeral"}}
    ]
    assert marked[2]["content"][-1]["cache_control"] == {"type": "ephemeral"}
    assert marked[1] == conversation[1] and marked[3] == conversation[3]  # the new turn: not
    one_turn = with_cache_breakpoints(messages("Plan run 1."))
    assert "cache_control" in one_turn[0]["content"][0] and one_turn[1]["content"] == "Plan run 1."


def test_an_anthropic_request_carries_the_cache_mark_on_the_wire(monkeypatch):
    # litellm turns our marks into Anthropic's request body; the fake records that body (and
    # answers 404: it speaks only OpenAI's protocol), so the request is seen as it was sent.
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    with FakeOpenAI() as fake:
        client = client_for(fake, model="anthropic/claude-sonnet-4-5")
        with pytest.raises(AisciError):  # the fake does not speak Anthropic: a 404
            client.complete(messages("Plan run 1."), stage="experiments")
        (request,) = [r for r in fake.requests if r.method == "POST"]
    assert request.path.endswith("/messages")
    system = request.body["system"]
    assert system[-1]["text"] == STABLE and system[-1]["cache_control"] == {"type": "ephemeral"}
    assert "cache_control" not in json.dumps(request.body["messages"])


def test_an_openai_request_goes_unmarked(fake_openai, make_client):
    fake_openai.script(["ok"])
    make_client().complete(messages("Plan run 1."), stage="experiments")
    body = fake_openai.chat_requests[0].body
    assert body["messages"] == messages("Plan run 1.")
