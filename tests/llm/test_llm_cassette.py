"""Record and replay: a recorded session replays with no server, and keeps no secrets."""

from __future__ import annotations

import json

import pytest

from aisci.errors import ConfigError
from aisci.llm import LLMClient, LLMSettings, ReplayMissError
from aisci.llm.cassette import request_key, strip_secrets
from tests.fakes import Answer, Error, FakeOpenAI

from .conftest import FAKE_KEY, FAST_RETRY, user

SCHEMA = {
    "type": "object",
    "required": ["verdict"],
    "properties": {"verdict": {"enum": ["novel", "not novel"]}},
}


def session(client):
    """A little session: a repeated identical request, a JSON answer with a re-ask."""
    return [
        client.complete(user("same question"), stage="ideas").text,
        client.complete(user("same question"), stage="ideas").text,
        client.complete_json(user("novel?"), SCHEMA, stage="novelty"),
    ]


def test_record_then_replay_without_any_server(tmp_path):
    cassette = tmp_path / "calls.jsonl"
    with FakeOpenAI() as fake:
        fake.script(
            [
                Answer("first", prompt_tokens=5, completion_tokens=1),
                Error(429),  # retried: only the success is recorded
                Answer("second", prompt_tokens=5, completion_tokens=2),
                "Probably novel.",
                '{"verdict": "novel"}',
            ]
        )
        recorder = LLMClient(
            LLMSettings(
                model="openai/fake-model",
                api_base=fake.base_url,
                api_key=FAKE_KEY,
                retry=FAST_RETRY,
                record=cassette,
            ),
            sleep=lambda s: None,
        )
        recorded = session(recorder)
        dead_base = fake.base_url
    assert recorded == ["first", "second", {"verdict": "novel"}]

    # The fake is gone; any network attempt would fail (and the guard would catch it).
    replayer = LLMClient(
        LLMSettings(model="openai/fake-model", api_base=dead_base, replay=cassette)
    )
    assert session(replayer) == recorded
    live = [(r.stage, r.prompt_tokens, r.completion_tokens) for r in recorder.ledger.records]
    again = [(r.stage, r.prompt_tokens, r.completion_tokens) for r in replayer.ledger.records]
    assert again == live and len(again) == 4
    assert all(r.replayed for r in replayer.ledger.records)
    assert "4 replayed" in replayer.ledger.summary()

    text = cassette.read_text()
    assert "sk-fake" not in text and "authorization" not in text.lower()
    lines = [json.loads(line) for line in text.splitlines()]
    assert len(lines) == 4 and lines[0]["stage"] == "ideas"
    assert lines[0]["params"] == {"temperature": 0.7, "max_tokens": 4096}


def test_replay_miss_names_the_stage_and_the_prompt(tmp_path, fake_openai, make_client):
    cassette = tmp_path / "calls.jsonl"
    fake_openai.script(["recorded"])
    make_client(record=cassette).complete(user("the recorded prompt"), stage="ideas")

    client = make_client(replay=cassette)
    long_prompt = "Check whether this idea is novel: " + "grokking " * 20
    with pytest.raises(ReplayMissError) as caught:
        client.complete(user(long_prompt), stage="novelty")
    message = str(caught.value)
    assert "stage `novelty`" in message and long_prompt[:80] in message
    assert long_prompt[:81] not in message and "--record" in message
    assert len(fake_openai.chat_requests) == 1  # only the recording call


def test_changed_settings_miss_too(tmp_path, fake_openai, make_client):
    cassette = tmp_path / "calls.jsonl"
    fake_openai.script(["recorded"])
    make_client(record=cassette).complete(user("q"), stage="s")
    with pytest.raises(ReplayMissError):
        make_client(replay=cassette, temperature=0.0).complete(user("q"), stage="s")


def test_replay_and_record_together_fill_the_gaps(tmp_path, fake_openai, make_client):
    cassette = tmp_path / "calls.jsonl"
    fake_openai.script(["old", "new"])
    make_client(record=cassette).complete(user("old question"), stage="s")

    client = make_client(record=cassette, replay=cassette)
    assert client.complete(user("old question"), stage="s").text == "old"
    assert client.complete(user("new question"), stage="s").text == "new"
    assert len(fake_openai.chat_requests) == 2
    assert len(cassette.read_text().splitlines()) == 2


def test_a_truncated_last_line_is_skipped(tmp_path, fake_openai, make_client):
    cassette = tmp_path / "calls.jsonl"
    fake_openai.script(["kept"])
    make_client(record=cassette).complete(user("q"), stage="s")
    with cassette.open("a") as fh:
        fh.write('{"key": "abc", "text": "half a li')  # a run killed mid-write
    assert make_client(replay=cassette).complete(user("q"), stage="s").text == "kept"


def test_missing_cassette_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        LLMClient(LLMSettings(model="gpt-4o", replay=tmp_path / "none.jsonl"))


def test_replay_needs_no_key(tmp_path, fake_openai, make_client):
    cassette = tmp_path / "calls.jsonl"
    fake_openai.script(["ok"])
    make_client(model="gpt-4o", record=cassette, api_key="sk-fake").complete(user("q"), stage="s")
    replay = LLMClient(LLMSettings(model="gpt-4o", replay=cassette))  # OPENAI_API_KEY unset
    assert replay.complete(user("q"), stage="s").text == "ok"


def test_secrets_are_stripped_and_keys_ignore_where_it_was_served():
    dirty = {
        "api_key": "sk-1",
        "headers": {"Authorization": "Bearer x", "X-Api-Key": "k", "Accept": "json"},
        "nested": [{"api-key": "k"}],
    }
    assert strip_secrets(dirty) == {"headers": {"Accept": "json"}, "nested": [{}]}
    msgs = user("q")
    assert request_key(
        "m", msgs, {"temperature": 0.5, "api_base": "a", "stream": True}
    ) == request_key("m", msgs, {"temperature": 0.5, "api_base": "b"})
    assert request_key("m", msgs, {"temperature": 0.5}) != request_key("m", msgs, {})
