"""Paid answers kept where the work is (llm/answer_store.py), through the real client and the
fake OpenAI server: a new client (a resumed process) replays a kept answer instead of paying
again, an identical request asked again in one process reaches the model, and each idea
folder keeps its own answers and cost.json."""

from __future__ import annotations

import json
import os
import threading

import pytest

from aisci.execution.safefs import UnsafePathError
from aisci.llm import Ledger, LLMClient, LLMSettings
from aisci.llm.answer_store import STORE, AnswerStore, current_folder, working_in
from aisci.llm.cassette import Recorded, request_key
from tests.fakes import Answer

from .conftest import FAKE_KEY, FAKE_MODEL, FAST_RETRY, user


@pytest.fixture
def make_client(fake_openai):
    """A client against the fake server, with a paid-answer store when ``answers`` is given."""

    def make(ledger=None, answers=None, **settings) -> LLMClient:
        settings.setdefault("model", FAKE_MODEL)
        values = {"api_base": fake_openai.base_url, "api_key": FAKE_KEY, "retry": FAST_RETRY}
        return LLMClient(LLMSettings(**values, **settings), ledger, answers=answers)

    return make


def answered(fake, prefix="answer"):
    """A fake model that numbers its answers, so a replay is told apart from a new call."""
    count = iter(range(1, 1000))
    fake.default = lambda body: Answer(f"{prefix} {next(count)}", 10, 5)


def test_a_kept_answer_is_replayed_free_by_the_next_process(fake_openai, make_client, tmp_path):
    answered(fake_openai)
    store = tmp_path / "results" / "tiny" / ".aisci" / "answers.jsonl"
    first = make_client(answers=store)
    assert first.complete(user("Propose an idea."), stage="ideas").text == "answer 1"
    assert len(fake_openai.chat_requests) == 1
    line = json.loads(store.read_text())
    assert line["text"] == "answer 1" and line["stage"] == "ideas"

    # A resume is a new process: a new client opens the store and pays nothing for it.
    ledger = Ledger(tmp_path / "cost.json")
    again = make_client(ledger=ledger, answers=store)
    reply = again.complete(user("Propose an idea."), stage="ideas")
    assert (reply.text, reply.replayed, reply.cost_usd) == ("answer 1", True, 0.0)
    assert len(fake_openai.chat_requests) == 1
    [call] = json.loads((tmp_path / "cost.json").read_text())["calls"]
    assert call["replayed"] is True and call["cost_usd"] == 0.0

    # The same request again in this process: the kept answer was used, so the model answers.
    assert again.complete(user("Propose an idea."), stage="ideas").text == "answer 2"
    assert len(fake_openai.chat_requests) == 2
    # A third process has both answers, in the order they were paid for.
    third = make_client(answers=store)
    texts = [third.complete(user("Propose an idea."), stage="ideas").text for _ in range(3)]
    assert texts == ["answer 1", "answer 2", "answer 3"]
    assert len(fake_openai.chat_requests) == 3


def test_another_request_or_model_is_not_answered_from_the_store(
    fake_openai, make_client, tmp_path
):
    answered(fake_openai)
    store = tmp_path / ".aisci" / "answers.jsonl"
    make_client(answers=store).complete(user("One."), stage="ideas")
    client = make_client(answers=store)
    assert client.complete(user("Two."), stage="ideas").text == "answer 2"
    other = make_client(answers=store, model="openai/other-model")
    assert other.complete(user("One."), stage="ideas").text == "answer 3"
    assert len(fake_openai.chat_requests) == 3


def test_each_idea_folder_keeps_its_answers_and_its_cost(fake_openai, make_client, tmp_path):
    answered(fake_openai)
    template_folder = tmp_path / "results" / "tiny"
    ideas = [template_folder / "20260101_a", template_folder / "20260101_b"]
    for folder in ideas:
        folder.mkdir(parents=True)
    command = Ledger(max_cost_usd=None)
    template_ledger = Ledger(template_folder / "cost.json", parent=command)
    client = make_client(ledger=template_ledger, answers=template_folder / STORE)

    client.complete(user("Which ideas?"), stage="ideas")

    def work(folder):
        with working_in(folder):
            assert current_folder() == folder.resolve()
            client.complete(user(f"Plan run 1 of {folder.name}."), stage="experiments")

    threads = [threading.Thread(target=work, args=(f,)) for f in ideas]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert current_folder() is None
    for folder in ideas:
        kept = [json.loads(line) for line in (folder / STORE).read_text().splitlines()]
        assert [k["messages"][-1]["content"] for k in kept] == [f"Plan run 1 of {folder.name}."]
        cost = json.loads((folder / "cost.json").read_text())
        assert cost["totals"]["calls"] == 1 and cost["by_stage"]["experiments"]["calls"] == 1
    top = [json.loads(line) for line in (template_folder / STORE).read_text().splitlines()]
    assert [k["stage"] for k in top] == ["ideas"]
    # The template's cost.json totals every call, and the command's ledger holds the cap.
    assert json.loads((template_folder / "cost.json").read_text())["totals"]["calls"] == 3
    assert command.totals().overall.calls == 3

    # A resumed process replays each folder's answer from that folder, free.
    resumed = make_client(ledger=Ledger(parent=Ledger()), answers=template_folder / STORE)
    with working_in(ideas[1]):
        reply = resumed.complete(user(f"Plan run 1 of {ideas[1].name}."), stage="experiments")
        assert reply.replayed and resumed.ledger.path == ideas[1] / "cost.json"
    assert len(fake_openai.chat_requests) == 3
    calls = json.loads((ideas[1] / "cost.json").read_text())["calls"]
    assert [c["replayed"] for c in calls] == [False, True]


def test_unknown_prices_are_null_and_unpriced_in_cost_json(fake_openai, make_client, tmp_path):
    answered(fake_openai)
    client = make_client(ledger=Ledger(tmp_path / "cost.json"))
    client.complete(user("Hello."), stage="ideas")
    data = json.loads((tmp_path / "cost.json").read_text())
    [call] = data["calls"]
    assert call["cost_usd"] is None and call["priced"] is False
    assert data["totals"]["cost_usd"] is None and data["totals"]["priced"] is False
    assert data["totals"]["unpriced_calls"] == 1
    assert data["by_stage"]["ideas"]["cost_usd"] is None
    assert Ledger.load(tmp_path / "cost.json").records[0].cost_usd is None  # read back


def test_a_partly_priced_ledger_keeps_its_known_part(tmp_path):
    from aisci.llm import CallRecord

    ledger = Ledger(tmp_path / "cost.json")
    for cost in (0.25, None):
        ledger.record(CallRecord("ideas", "m", 1, 1, cost, 0.1))
    totals = json.loads((tmp_path / "cost.json").read_text())["totals"]
    assert totals["cost_usd"] == 0.25 and totals["priced"] is False
    assert totals["unpriced_calls"] == 1


def test_a_truncated_last_line_is_skipped(tmp_path):
    store = AnswerStore(tmp_path / STORE, tmp_path)
    key = request_key("m", user("Q"), {})
    store.keep(
        key=key,
        stage="ideas",
        model="m",
        messages=user("Q"),
        params={},
        answer=Recorded("A", 1, 1, 0.01, "m"),
        duration_s=0.5,
    )
    with open(tmp_path / STORE, "a", encoding="utf-8") as f:
        f.write('{"key": "half a line of a killed run')
    reopened = AnswerStore(tmp_path / STORE, tmp_path)
    assert len(reopened) == 1
    assert reopened.take(key).text == "A" and reopened.take(key) is None


def test_a_link_planted_as_the_store_is_refused(tmp_path):
    target = tmp_path / "elsewhere.txt"
    target.write_text("keep me\n")
    (tmp_path / ".aisci").mkdir()
    os.symlink(target, tmp_path / STORE)
    with pytest.raises(UnsafePathError):
        AnswerStore(tmp_path / STORE, tmp_path)  # reading it: refused
    (tmp_path / STORE).unlink()
    store = AnswerStore(tmp_path / STORE, tmp_path)
    os.symlink(target, tmp_path / STORE)
    with pytest.raises(UnsafePathError, match="symbolic link"):
        store.keep(
            key="k",
            stage="ideas",
            model="m",
            messages=user("Q"),
            params={},
            answer=Recorded("A", 1, 1, None, "m"),
            duration_s=0.0,
        )
    assert target.read_text() == "keep me\n"
