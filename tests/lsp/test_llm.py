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
        if prompt.startswith("Review round"):  # a refinement round: the idea is done as it is
            return Answer(json.dumps({**json.loads(body["messages"][-2]["content"]), "done": True}))
        return Answer(idea_text("warmup_length"), delay_s=delay_s)

    return answer


@pytest.fixture
def key(monkeypatch):
    monkeypatch.setenv(
        "OPENAI_API_KEY", "sk-fake"
    )  # the fake accepts any key; the server reads env only


async def test_ideas_from_a_model_with_cost(workspace, key):
    with FakeOpenAI(default=answers()) as fake:
        client = await start(workspace, settings={**LLM, "apiBase": fake.base_url})
        try:
            result = await client.command(
                "aisci.generateIdeas", {"template": str(workspace / "templates" / "tiny")}
            )
            assert result["ideas"] == ["warmup_length"]
            assert (
                json.loads((workspace / "results" / "tiny" / "ideas.json").read_text())[0]["Name"]
                == "warmup_length"
            )
            changed = await client.wait_for("aisci/ideasChanged")
            assert changed["source"] == "job" and changed["template"] == "tiny"
            cost = await client.wait_for("aisci/costUpdated")
            assert cost["tokensIn"] > 0 and cost["tokensOut"] > 0
            # openai/fake-model has no price: its cost is unknown, never $0.
            assert cost["totalUsd"] is None and cost["unknown"] is True
            assert cost["sessionTotalUsd"] is None and cost["sessionUnknown"] is True
            session = await client.command("aisci.getCost", {})
            assert session["tokensIn"] >= cost["tokensIn"]
            assert session["totalUsd"] is None and session["unknown"] is True
            assert set(session["byStage"].values()) == {None}
            assert session["ledgers"] == [
                {
                    "path": str(workspace / "results" / "tiny" / "cost.json"),
                    "totalUsd": None,
                    "unknown": True,
                }
            ]
            assert fake.requests[0].body["model"] == "fake-model"
        finally:
            await stop(client)


async def test_cancel_stops_a_model_call_in_flight(workspace, key):
    with FakeOpenAI(default=answers(delay_s=120)) as fake:
        client = await start(workspace, settings={**LLM, "apiBase": fake.base_url})
        try:
            run = asyncio.ensure_future(
                client.command(
                    "aisci.generateIdeas", {"template": str(workspace / "templates" / "tiny")}
                )
            )
            started = await client.wait_for("aisci/jobStarted")
            await asyncio.get_running_loop().run_in_executor(None, fake.wait_for_requests, 1, 60)
            asked = time.monotonic()
            await client.command("aisci.cancel", {"job": started["job"]})
            with pytest.raises(JsonRpcException) as cancelled:
                await asyncio.wait_for(run, 30)
            assert cancelled.value.code == -32800
            assert time.monotonic() - asked < 20  # not the 120 s the model would have taken
            assert not (workspace / "results" / "tiny" / "ideas.json").exists()
        finally:
            await stop(client)


async def test_ledgers_say_which_costs_are_known(lsp, workspace):
    def ledger(template: str, calls: int, unpriced: int, cost: float) -> None:
        folder = workspace / "results" / template
        folder.mkdir(parents=True)
        (folder / "cost.json").write_text(
            json.dumps(
                {
                    "version": 1,
                    "totals": {"calls": calls, "unpriced_calls": unpriced, "cost_usd": cost},
                }
            )
        )

    ledger("all_priced", 2, 0, 0.25)
    ledger("none_priced", 2, 2, 0.0)
    ledger("some_priced", 3, 1, 0.5)
    cost = await lsp.command("aisci.getCost", {})
    by_template = {entry["path"].split("/")[-2]: entry for entry in cost["ledgers"]}
    assert (
        by_template["all_priced"]["totalUsd"] == 0.25
        and by_template["all_priced"]["unknown"] is False
    )
    assert (
        by_template["none_priced"]["totalUsd"] is None
        and by_template["none_priced"]["unknown"] is True
    )
    assert (
        by_template["some_priced"]["totalUsd"] == 0.5
        and by_template["some_priced"]["unknown"] is True
    )
    assert cost["totalUsd"] == 0 and cost["unknown"] is False  # no call in this session yet
