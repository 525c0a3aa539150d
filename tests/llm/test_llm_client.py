"""LLMClient against the fake OpenAI server: the real litellm HTTP path, offline."""

from __future__ import annotations

import threading
import time

import pytest

from aisci.errors import ConfigError
from aisci.llm import (
    Cancelled,
    LLMAuthError,
    LLMClient,
    LLMRequestError,
    LLMSettings,
    LLMUnavailableError,
    RetryPolicy,
)
from aisci.llm.retry import call_with_retries
from tests.fakes import Answer, Error

from .conftest import user


def test_plain_completion_reaches_the_server_and_lands_in_the_ledger(fake_openai, make_client):
    fake_openai.script([Answer("Hello, scientist.", prompt_tokens=12, completion_tokens=4)])
    seen = []
    client = make_client(on_cost=seen.append, temperature=0.2, max_tokens=64)

    reply = client.complete(user("Say hello."), stage="ideas")

    assert reply.text == "Hello, scientist."
    assert (reply.prompt_tokens, reply.completion_tokens) == (12, 4)
    assert reply.cost_usd is None  # a model without a price: unknown, not free
    body = fake_openai.chat_requests[0].body
    assert body["model"] == "fake-model"
    assert body["messages"] == user("Say hello.")
    assert body["temperature"] == 0.2 and body["max_tokens"] == 64
    assert fake_openai.chat_requests[0].headers["authorization"] == "Bearer sk-fake"
    (rec,) = client.ledger.records
    assert (rec.stage, rec.prompt_tokens, rec.completion_tokens, rec.replayed) == (
        "ideas",
        12,
        4,
        False,
    )
    assert rec.cost_usd is None
    assert seen and seen[-1].overall.calls == 1


def test_streamed_completion_gives_pieces_and_usage(fake_openai, make_client):
    text = "A streamed answer, long enough to arrive in several chunks."
    fake_openai.script([Answer(text, prompt_tokens=9, completion_tokens=13)])
    client = make_client(stream=True)

    reply = client.complete(user("Stream please."), stage="write")

    assert reply.text == text
    body = fake_openai.chat_requests[0].body
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert (reply.prompt_tokens, reply.completion_tokens) == (9, 13)


def test_streamed_pieces_reach_the_callback(fake_openai, make_client):
    text = "x" * 40 + " and the rest"
    fake_openai.script([text])
    pieces = []
    make_client(stream=True).complete(user("go"), stage="s", on_text=pieces.append)
    assert len(pieces) > 1 and "".join(pieces) == text


def test_known_model_price_gives_a_cost(fake_openai, make_client):
    # openai/gpt-4o has a price in litellm's bundled map; the fake serves it.
    fake_openai.script([Answer("ok", prompt_tokens=1000, completion_tokens=100)])
    reply = make_client(model="openai/gpt-4o").complete(user("hi"), stage="review")
    assert reply.cost_usd == pytest.approx(1000 * 2.5e-6 + 100 * 1e-5)


def test_rate_limit_then_success_retries_and_records_one_call(fake_openai, make_client, sleeps):
    fake_openai.script([Error(429), Error(503), "finally"])
    client = make_client()

    reply = client.complete(user("hi"), stage="novelty")

    assert reply.text == "finally"
    assert len(fake_openai.chat_requests) == 3
    assert len(sleeps) == 2 and all(0 <= s <= 0.004 for s in sleeps)
    assert len(client.ledger.records) == 1


def test_server_error_storm_stops_after_the_policy_with_a_clear_error(fake_openai, make_client):
    fake_openai.script([Error(500)] * 10)
    started = time.monotonic()
    with pytest.raises(LLMUnavailableError) as caught:
        make_client().complete(user("hi"), stage="ideas")
    assert time.monotonic() - started < 30
    assert len(fake_openai.chat_requests) == 4  # FAST_RETRY.max_attempts
    message = str(caught.value)
    assert "after 4 tries" in message and "500" in message and "stage `ideas`" in message
    assert "--resume" in message  # what to do


def test_connection_refused_is_retried_then_reported(fake_openai, make_client):
    client = make_client(api_base="http://127.0.0.1:9/v1")  # nothing listens on port 9
    with pytest.raises(LLMUnavailableError, match="after 4 tries"):
        client.complete(user("hi"), stage="ideas")


def test_timeout_is_retried(fake_openai, make_client):
    fake_openai.script([Answer("too late", delay_s=5), "in time"])
    reply = make_client(timeout_s=0.3).complete(user("hi"), stage="ideas")
    assert reply.text == "in time"
    assert len(fake_openai.chat_requests) == 2


def test_unauthorized_fails_at_once_naming_the_key(fake_openai, make_client, monkeypatch):
    # gpt-4o through OPENAI_API_BASE: the key comes from OPENAI_API_KEY, as for real users.
    monkeypatch.setenv("OPENAI_API_KEY", "sk-fake")
    monkeypatch.setenv("OPENAI_API_BASE", fake_openai.base_url)
    fake_openai.script([Error(401), "never asked"])
    client = make_client(model="gpt-4o", api_base=None, api_key=None)

    with pytest.raises(LLMAuthError) as caught:
        client.complete(user("hi"), stage="ideas")

    assert len(fake_openai.chat_requests) == 1
    message = str(caught.value)
    assert "401" in message and "Incorrect API key" in message
    assert "OPENAI_API_KEY" in message and "openai" in message
    assert client.ledger.records == []


def test_forbidden_is_an_auth_error_too(fake_openai, make_client):
    fake_openai.script([Error(403)])
    with pytest.raises(LLMAuthError, match="403"):
        make_client().complete(user("hi"), stage="ideas")
    assert len(fake_openai.chat_requests) == 1


def test_bad_request_is_not_retried(fake_openai, make_client):
    fake_openai.script([Error(400, message="context too long (fake)")] * 3)
    with pytest.raises(LLMRequestError, match="context too long") as caught:
        make_client().complete(user("hi"), stage="write")
    assert caught.value.status == 400
    assert len(fake_openai.chat_requests) == 1


def test_missing_key_is_named_before_any_network_attempt(fake_openai, monkeypatch):
    monkeypatch.setenv("OPENAI_API_BASE", fake_openai.base_url)  # would reach the fake
    client = LLMClient(LLMSettings(model="gpt-4o"))
    with pytest.raises(ConfigError) as caught:
        client.complete(user("hi"), stage="ideas")
    assert str(caught.value) == (
        "Model `gpt-4o` needs an API key: OPENAI_API_KEY is not set. "
        "Set it in your environment (or choose another --model)."
    )
    assert fake_openai.requests == []


@pytest.mark.parametrize(
    "model",
    [
        "gpt-4o",
        "anthropic/claude-3-5-sonnet-20241022",
        "deepseek/deepseek-chat",
        "gemini/gemini-1.5-pro",
    ],
)
def test_each_provider_names_its_own_key(model):
    with pytest.raises(ConfigError, match=r"needs an API key: \w+_API_KEY"):
        LLMClient(LLMSettings(model=model)).check()


def test_ollama_and_api_base_models_need_no_key(fake_openai, monkeypatch):
    monkeypatch.delenv("OLLAMA_API_BASE", raising=False)
    assert LLMClient(LLMSettings(model="ollama/llama3")).check() == "ollama"
    assert LLMClient(LLMSettings(model="openai/x", api_base=fake_openai.base_url)).check()


def test_api_base_without_any_key_still_works(fake_openai):
    fake_openai.script(["served"])
    client = LLMClient(LLMSettings(model="openai/local-model", api_base=fake_openai.base_url))
    assert client.complete(user("hi"), stage="s").text == "served"


@pytest.mark.parametrize("model", ["foo-bar", "nonsense/xyz"])
def test_unknown_model_string_is_a_clear_config_error(model):
    with pytest.raises(ConfigError) as caught:
        LLMClient(LLMSettings(model=model)).complete(user("hi"), stage="ideas")
    message = str(caught.value)
    assert f"`{model}`" in message and "`provider/model`" in message
    assert "anthropic/" in message and "ollama/" in message  # examples


def test_cancel_before_a_call_sends_nothing(fake_openai, make_client):
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        make_client(cancel=cancel).complete(user("hi"), stage="ideas")
    assert fake_openai.requests == []


def test_cancel_during_backoff_stops_the_retries(fake_openai, make_client, sleeps):
    cancel = threading.Event()
    fake_openai.script([Error(429)] * 5)
    client = make_client(cancel=cancel)
    client._sleep = lambda s: cancel.set()  # the cancel arrives while waiting to retry
    with pytest.raises(Cancelled):
        client.complete(user("hi"), stage="ideas")
    assert len(fake_openai.chat_requests) == 1


def test_cancel_returns_at_once_from_a_call_in_flight(fake_openai, make_client):
    cancel = threading.Event()
    fake_openai.script([Answer("slow", delay_s=30)])

    def cancel_when_asked():
        fake_openai.wait_for_requests(1, timeout=30)
        cancel.set()

    threading.Thread(target=cancel_when_asked, daemon=True).start()
    started = time.monotonic()
    with pytest.raises(Cancelled):
        make_client(cancel=cancel).complete(user("hi"), stage="ideas")
    assert time.monotonic() - started < 10


def test_cancel_stops_a_stream_between_chunks(fake_openai, make_client):
    cancel = threading.Event()
    fake_openai.script(["y" * 200])
    pieces = []

    def on_text(piece):
        pieces.append(piece)
        cancel.set()

    with pytest.raises(Cancelled):
        make_client(cancel=cancel, stream=True).complete(user("hi"), stage="s", on_text=on_text)
    assert len(pieces) == 1


def test_retry_loop_stops_at_the_total_time_cap():
    clock = iter(range(0, 1000, 50))  # each look at the clock: 50 s later

    def failing():
        raise TimeoutError("slow network")

    policy = RetryPolicy(max_attempts=100, base_delay_s=1, max_delay_s=1, max_total_s=120)
    with pytest.raises(LLMUnavailableError, match="slow network"):
        call_with_retries(
            failing,
            policy=policy,
            what="call",
            auth_hint="",
            sleep=lambda s: None,
            clock=lambda: next(clock),
        )


def test_backoff_is_capped_full_jitter():
    import random

    policy = RetryPolicy(base_delay_s=1, max_delay_s=20)
    rng = random.Random(1)
    delays = [policy.delay(n, rng) for n in range(12) for _ in range(50)]
    assert max(delays) <= 20 and min(delays) >= 0
    assert max(policy.delay(0, rng) for _ in range(50)) <= 1
