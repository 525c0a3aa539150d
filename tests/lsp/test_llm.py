"""The LLM scientist through the server, against the fake OpenAI server on 127.0.0.1: ideas
with cost notifications, and a cancel that stops a model call in flight."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from pygls.exceptions import JsonRpcException

from tests.fakes.openai_server import Answer, FakeOpenAI
from tests.lsp.conftest import start, stop
from tests.scientists.answers import idea_text

LLM = {"scientist": "llm", "model": "openai/fake-model", "numIdeas": 1}


def answers(delay_s: float = 0.0):
    def answer(body: dict):
        prompt = body["messages"][-1]["content"]
        if prompt.startswith("Review round"):   # a refinement round: the idea is done as it is
            return Answer(json.dumps({**json.loads(body["messages"][-2]["content"]), "done": True}))
        return Answer(idea_text("warmup_length"), delay_s=delay_s)
    return answer


@pytest.fixture
def key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-fake")     # the fake accepts any key; the server reads env only


async def test_ideas_from_a_model_with_cost(workspace, key):
    with FakeOpenAI(default=answers()) as fake:
        client = await start(workspace, settings={**LLM, "apiBase": fake.base_url})
        try:
            result = await client.command("aisci.generateIdeas", {"template": str(workspace / "templates" / "tiny")})
            assert result["ideas"] == ["warmup_length"]
            assert json.loads((workspace / "results" / "tiny" / "ideas.json").read_text())[0]["Name"] == "warmup_length"
            changed = await client.wait_for("aisci/ideasChanged")
            assert changed["source"] == "job" and changed["template"] == "tiny"
            cost = await client.wait_for("aisci/costUpdated")
            assert cost["tokensIn"] > 0 and cost["tokensOut"] > 0
            assert (await client.command("aisci.getCost", {}))["tokensIn"] >= cost["tokensIn"]
            assert fake.requests[0].body["model"] == "fake-model"
        finally:
            await stop(client)


async def test_cancel_stops_a_model_call_in_flight(workspace, key):
    with FakeOpenAI(default=answers(delay_s=120)) as fake:
        client = await start(workspace, settings={**LLM, "apiBase": fake.base_url})
        try:
            run = asyncio.ensure_future(client.command("aisci.generateIdeas",
                                                       {"template": str(workspace / "templates" / "tiny")}))
            started = await client.wait_for("aisci/jobStarted")
            await asyncio.get_running_loop().run_in_executor(None, fake.wait_for_requests, 1, 60)
            asked = time.monotonic()
            await client.command("aisci.cancel", {"job": started["job"]})
            with pytest.raises(JsonRpcException) as cancelled:
                await asyncio.wait_for(run, 30)
            assert cancelled.value.code == -32800
            assert time.monotonic() - asked < 20        # not the 120 s the model would have taken
            assert not (workspace / "results" / "tiny" / "ideas.json").exists()
        finally:
            await stop(client)
