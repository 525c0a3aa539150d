"""A drafted template under review-edits through the real language server over stdio: the
editor gets one ``aisci/reviewProposal`` for the whole folder (every file, each with its URI,
"" as its original), its rejection's reason goes back to the scripted fake model on 127.0.0.1
as a debug step, and the next template is accepted with one file edited, which is what the
template folder gets; an edit naming a file the proposal does not hold fails with a message."""

from __future__ import annotations

import json

import pytest
from pygls.exceptions import JsonRpcException
from tests.fakes.openai_server import FakeOpenAI
from tests.lsp.conftest import start, stop
from tests.topic.draft_answers import NAME, draft, write_topic

from aisci.lsp.uris import path_to_uri

REVIEW = {"scientist": "llm", "model": "openai/fake-model", "autonomy": "review-edits"}
REASON = "seed the draws from AISCI_SEED only"
EDIT = "# read by the researcher\n"


@pytest.fixture
def key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-fake")  # the fake accepts any key


def edited(params: dict) -> dict:
    [experiment] = [f for f in params["files"] if f["file"] == "experiment.py"]
    return {
        "action": "edit",
        "files": [{"file": "experiment.py", "text": experiment["proposed"] + EDIT}],
    }


async def test_the_drafted_template_is_one_folder_proposal_rejected_then_edited(workspace, key):
    path = write_topic(workspace)
    templates = workspace / "templates"
    folder = templates / NAME
    with FakeOpenAI([draft(), draft(debug=True)]) as fake:
        client = await start(workspace, settings={**REVIEW, "apiBase": fake.base_url})
        client.review_answers = [{"action": "reject", "reason": REASON}, edited]
        try:
            result = await client.command("aisci.draftTemplate", {"topic": str(path)})
            listed = await client.command("aisci.listTemplates", {})
        finally:
            await stop(client)
        debug = fake.chat_requests[1].body["messages"][-1]["content"]
    assert len(fake.chat_requests) == 2 and REASON in debug
    first, second = client.reviews
    for review, node in ((first, 1), (second, 2)):
        assert (review["folder"], review["file"], review["stage"]) == (
            str(templates),
            NAME,
            "drafting",
        )
        assert review["uri"] == path_to_uri(folder) and f"node {node} (" in review["description"]
        names = [f["file"] for f in review["files"]]
        assert {"experiment.py", "plot.py", "latex/template.tex", "topic.md"} <= set(names)
        assert all(f["original"] == "" and f["proposed"] for f in review["files"])
        assert review["files"][names.index("plot.py")]["uri"] == path_to_uri(folder / "plot.py")
        assert f"+++ b/{NAME}/experiment.py" in review["diff"]
    assert result["ok"] and result["winner"] == 2
    assert (folder / "experiment.py").read_text().endswith(EDIT)
    record = json.loads((folder / "drafting" / "record.json").read_text())
    assert [(n["status"], n["review"]) for n in record["nodes"]] == [
        ("rejected", "rejected"),
        ("passed", "edited: experiment.py"),
    ]
    assert [t["name"] for t in listed["templates"] if t["name"] == NAME and t["ok"]] == [NAME]
    decided = [(d["file"], d["action"]) for d in client.notes["aisci/proposalDecided"]]
    assert decided == [(NAME, "reject"), (NAME, "edit")]


async def test_an_edit_of_a_file_the_folder_proposal_does_not_hold_fails_with_a_message(
    workspace, key
):
    path = write_topic(workspace)
    wrong = {"action": "edit", "files": [{"file": "../elsewhere.py", "text": "x = 1\n"}]}
    with FakeOpenAI([draft()]) as fake:
        client = await start(workspace, settings={**REVIEW, "apiBase": fake.base_url})
        client.review_answers = [wrong]
        try:
            with pytest.raises(JsonRpcException) as failed:
                await client.command("aisci.draftTemplate", {"topic": str(path)})
        finally:
            await stop(client)
    assert failed.value.code == -32001
    assert (
        "the proposal does not hold" in failed.value.message
        and "elsewhere.py" in failed.value.message
    )
    assert not (workspace / "templates" / NAME / "experiment.py").exists()
    assert not (workspace / "elsewhere.py").exists()
