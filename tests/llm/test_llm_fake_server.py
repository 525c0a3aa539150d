"""The fake OpenAI server itself, spoken to with the standard library (no litellm)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from tests.fakes import Answer, Error, FakeOpenAI
from tests.fakes.openai_server import NO_REPLY_LEFT


def post(url, body, headers=None):
    req = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    return urllib.request.urlopen(req, timeout=10)


def chat(fake, **extra):
    body = {"model": "fake-model", "messages": [{"role": "user", "content": "hi"}], **extra}
    return post(f"{fake.base_url}/chat/completions", body, {"Authorization": "Bearer sk-x"})


def test_answers_in_the_openai_shape(fake_openai):
    fake_openai.script([Answer("hello", prompt_tokens=3, completion_tokens=1)])
    data = json.load(chat(fake_openai))
    assert data["object"] == "chat.completion" and data["id"].startswith("chatcmpl-")
    assert data["model"] == "fake-model" and isinstance(data["created"], int)
    assert data["choices"][0]["message"] == {"role": "assistant", "content": "hello"}
    assert data["choices"][0]["finish_reason"] == "stop"
    assert data["usage"] == {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}
    (req,) = fake_openai.requests
    assert req.headers["authorization"] == "Bearer sk-x" and req.body["model"] == "fake-model"


def test_streams_server_sent_events_with_usage(fake_openai):
    fake_openai.script(["a streamed answer of some length"])
    raw = chat(fake_openai, stream=True, stream_options={"include_usage": True}).read().decode()
    events = [line[len("data: ") :] for line in raw.splitlines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
    assert text == "a streamed answer of some length"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["completion_tokens"] > 0
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"


def test_stream_without_usage_has_no_usage_chunk(fake_openai):
    fake_openai.script(["x"])
    raw = chat(fake_openai, stream=True).read().decode()
    assert '"usage"' not in raw


def test_errors_in_the_openai_shape(fake_openai):
    fake_openai.script([Error(429), Error(500, message="boom"), Error(503, body="not json")])
    with pytest.raises(urllib.error.HTTPError) as caught:
        chat(fake_openai)
    assert caught.value.code == 429
    assert json.load(caught.value)["error"]["code"] == "rate_limit_exceeded"
    with pytest.raises(urllib.error.HTTPError) as caught:
        chat(fake_openai)
    assert json.load(caught.value)["error"] == {
        "message": "boom",
        "type": "server_error",
        "param": None,
        "code": None,
    }
    with pytest.raises(urllib.error.HTTPError) as caught:
        chat(fake_openai)
    assert caught.value.code == 503 and caught.value.read() == b"not json"


def test_callables_defaults_and_an_empty_script():
    with FakeOpenAI([lambda body: body["messages"][-1]["content"].upper()]) as fake:
        assert json.load(chat(fake))["choices"][0]["message"]["content"] == "HI"
        with pytest.raises(urllib.error.HTTPError) as caught:
            chat(fake)
        assert caught.value.code == 500
        assert json.load(caught.value)["error"]["message"] == NO_REPLY_LEFT
        fake.default = "default answer"
        assert json.load(chat(fake))["choices"][0]["message"]["content"] == "default answer"
        assert fake.pending == 0 and len(fake.wait_for_requests(3, timeout=1)) == 3


def test_lists_models_and_waits_with_a_bound(fake_openai):
    data = json.load(urllib.request.urlopen(f"{fake_openai.base_url}/models", timeout=10))
    assert data["object"] == "list" and data["data"][0]["id"] == "fake-model"
    with pytest.raises(TimeoutError, match="got 1 of 2 requests"):
        fake_openai.wait_for_requests(2, timeout=0.05)
