"""The topic commands through the real language server over stdio (lsp/topics.py): a topic
written from the example, a broken field checked onto its line, drafting without a model refused
with the message, a topic drafted by a scripted fake model on 127.0.0.1 (a crash debugged, each
node's end a progress line, the new template in the Templates view's query), and a cancel that
stops the drafting while its smoke run works."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from tests.fakes.openai_server import FakeOpenAI
from tests.lsp.conftest import BOUND_S, start, stop, wait_for_file
from tests.topic.draft_answers import CRASH, MARKER, NAME, SLOW, draft, write_topic

LLM = {"scientist": "llm", "model": "openai/fake-model"}


@pytest.fixture
def key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-fake")  # the fake accepts any key


def messages_of(client, token: str) -> list[str]:
    found = []
    for p in client.notes[types.PROGRESS]:
        value = p.value if isinstance(p.value, dict) else p.value.__dict__
        if p.token == token:
            found.append(f"{value['kind']}: {value.get('message') or ''}")
    return found


async def test_a_new_topic_is_the_example_and_a_second_one_is_refused(lsp, workspace):
    topics = workspace / "topics"
    written = await lsp.command("aisci.newTopic", {"name": "noise_study", "dir": str(topics)})
    path = topics / "noise_study.md"
    assert written == {"path": str(path), "name": "noise_study"}
    assert path.read_text().startswith("# Noise study\n") and "## Metric" in path.read_text()
    checked = await lsp.command("aisci.checkTopic", {"path": str(path)})
    assert checked["ok"] and checked["name"] == "noise_study" and checked["problems"] == []

    path.write_text("# Mine\n")  # the person's edits are never overwritten
    for name, says in (("noise_study", "already exists"), ("Noise Study", "snake_case")):
        with pytest.raises(JsonRpcException) as refused:
            await lsp.command("aisci.newTopic", {"name": name, "dir": str(topics)})
        assert refused.value.code == -32001 and says in refused.value.message
    assert path.read_text() == "# Mine\n" and sorted(p.name for p in topics.iterdir()) == [
        "noise_study.md"
    ]


async def test_a_broken_field_is_a_problem_at_its_line_until_it_is_fixed(lsp, workspace):
    path = write_topic(workspace)
    good = path.read_text()
    path.write_text(good.replace("- direction: min", "- direction: sideways"))
    uri = path.as_uri()
    checked = await lsp.command("aisci.checkTopic", {"path": str(path)})
    assert not checked["ok"] and checked["name"] is None
    [problem] = checked["problems"]
    line = good.splitlines().index("- direction: min") + 1
    assert (problem["field"], problem["line"], problem["severity"]) == (
        "metric.direction",
        line,
        "error",
    )
    assert "sideways" in problem["message"] and problem["file"] == "topic.md"
    published = await lsp.wait_for(
        types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, lambda p: p.uri == uri and p.diagnostics
    )
    [diagnostic] = published.diagnostics
    assert diagnostic.range.start.line == line - 1 and diagnostic.source == "aisci-topic"

    path.write_text(good)
    assert (await lsp.command("aisci.checkTopic", {"path": str(path)}))["ok"]
    await lsp.wait_for(
        types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, lambda p: p.uri == uri and not p.diagnostics
    )


async def test_drafting_without_a_model_says_it_needs_one(lsp, workspace):
    path = write_topic(workspace)
    with pytest.raises(JsonRpcException) as refused:
        await lsp.command("aisci.draftTemplate", {"topic": str(path)})
    assert refused.value.code == -32001
    assert "needs a model" in refused.value.message
    assert "aisci template new NAME" in refused.value.data["hint"]
    assert [p.name for p in (workspace / "templates").iterdir()] == ["tiny"]


async def test_a_topic_is_drafted_with_progress_into_a_listed_template(workspace, key):
    path = write_topic(workspace)
    with FakeOpenAI([draft(CRASH), draft(debug=True)]) as fake:
        client = await start(workspace, settings={**LLM, "apiBase": fake.base_url})
        try:
            result = await client.command(
                "aisci.draftTemplate", {"topic": str(path), "dir": str(workspace / "templates")}
            )
            assert len(fake.chat_requests) == 2
            templates = await client.command("aisci.listTemplates", {})
        finally:
            await stop(client)
    folder = workspace / "templates" / NAME
    assert result["ok"] and result["template"] == str(folder) and result["name"] == NAME
    assert (result["winner"], result["winnerLabel"], result["nodes"]) == (
        2,
        "node 2 (debug of node 1)",
        2,
    )
    assert result["costUsd"] is None and result["costUnknown"]  # the fake model has no price
    assert result["record"] == str(folder / "drafting") and not result["reused"]
    assert "boom" not in (folder / "experiment.py").read_text()
    # The Templates view's query lists it, passing its check.
    [listed] = [t for t in templates["templates"] if t["name"] == NAME]
    assert listed["ok"] and listed["path"] == str(folder)

    started = client.notes["aisci/jobStarted"][0]
    assert started["command"] == "aisci.draftTemplate" and started["folder"] == str(folder)
    lines = messages_of(client, started["token"])
    assert lines[0].startswith(f"begin: {folder}") and lines[-1].startswith("end:")
    node_1 = next(
        i for i, m in enumerate(lines) if m.startswith("report: drafting: node 1 (draft) failed")
    )
    node_2 = next(i for i, m in enumerate(lines) if "node 2 (debug of node 1) passed" in m)
    assert node_1 < node_2 and "The smoke run" in lines[node_1]
    stages = [(s["stage"], s["state"]) for s in client.notes["aisci/stageChanged"]]
    assert stages[0] == ("drafting", "started") and stages[-1] == ("drafting", "finished")
    assert client.notes["aisci/jobFinished"][-1]["ok"]


async def test_cancel_stops_the_drafting_in_its_smoke_run(workspace, key):
    path = write_topic(workspace)
    slow = SLOW.replace("time.sleep(1.5)", "time.sleep(120)")
    with FakeOpenAI([draft(slow)]) as fake:
        client = await start(workspace, settings={**LLM, "apiBase": fake.base_url})
        try:
            run = asyncio.ensure_future(client.command("aisci.draftTemplate", {"topic": str(path)}))
            started = await client.wait_for("aisci/jobStarted")
            folder = workspace / "templates" / NAME
            await wait_for_file(folder / "drafting" / "node_1" / "smoke" / "run_0" / MARKER)
            asked = time.monotonic()
            await client.command("aisci.cancel", {"job": started["job"]})
            with pytest.raises(JsonRpcException) as cancelled:
                await asyncio.wait_for(run, BOUND_S)
            assert cancelled.value.code == -32800
            assert time.monotonic() - asked < 20  # not the 120 s the smoke run would take
            finished = await client.wait_for("aisci/jobFinished")
            assert finished["cancelled"] and finished["job"] == started["job"]
        finally:
            await stop(client)
    assert not (folder / "experiment.py").exists()
    record = json.loads((folder / "drafting" / "record.json").read_text())
    assert record["winner"] is None and [n["status"] for n in record["nodes"]] == ["pending"]
    assert record["topic"] == str(path)
