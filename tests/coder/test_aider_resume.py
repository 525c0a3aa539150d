"""aider's paid answers are kept and replayed (issue 24; coder/kept_answers.py): real aider
against the fake OpenAI server, which sees every request. An edit answered once is, asked again
with the folder's store opened anew (what a resumed process sees), replayed without a request
and with the same result; a second process, through the LLM scientist's edit and its client,
asks nothing and its ledger shows the replay, free; aider's date line does not change the key;
an answer cut off at the length limit is not kept, nor are the answers of an edit that failed."""

from __future__ import annotations

import datetime as real_datetime
import json
import subprocess
import sys
import textwrap

from aisci.llm.answer_store import STORE, AnswerStore
from tests.coder.helpers import FAKE_KEY, FAKE_MODEL, search_replace
from tests.fakes.openai_server import Answer

LOWER_LR = search_replace(
    "experiment.py",
    "LEARNING_RATE = 0.1  # step size\n",
    "LEARNING_RATE = 0.01  # step size\n",
    prose="A smaller step size.",
)
INSTRUCTION = "Lower the learning rate to 0.01."


def store_of(folder) -> AnswerStore:
    """The folder's kept answers as a process opening them now sees them."""
    return AnswerStore(folder / STORE, folder)


def kept_lines(folder) -> list[dict]:
    path = folder / STORE
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_a_kept_edit_is_replayed_without_asking_and_gives_the_same_edit(
    idea, make_coder, fake_openai
):
    fake_openai.script([Answer(LOWER_LR, prompt_tokens=900, completion_tokens=30)])
    first = make_coder().propose(idea, ["experiment.py"], INSTRUCTION, answers=store_of(idea))
    assert first.ok and "LEARNING_RATE = 0.01" in first.proposed["experiment.py"]
    [line] = kept_lines(idea)
    assert line["text"] == LOWER_LR and line["stage"] == "code edit"
    assert line["usage"] == {"prompt_tokens": 900, "completion_tokens": 30}
    assert (first.usage.requests, first.usage.replayed) == (1, 0)

    store = store_of(idea)  # a resumed process's view
    again = make_coder().propose(idea, ["experiment.py"], INSTRUCTION, answers=store)
    assert len(fake_openai.chat_requests) == 1  # the kept answer, not the model
    assert again.proposed == first.proposed and again.replies == first.replies
    assert (again.usage.requests, again.usage.prompt_tokens, again.usage.cost_usd) == (0, 0, None)
    assert (again.usage.replayed, again.usage.replayed_prompt_tokens) == (1, 900)
    assert len(kept_lines(idea)) == 1  # a replay keeps nothing new

    # Used once per opened store: the same request again in this process asks the model.
    fake_openai.script([LOWER_LR])
    make_coder().propose(idea, ["experiment.py"], INSTRUCTION, answers=store)
    assert len(fake_openai.chat_requests) == 2 and len(kept_lines(idea)) == 2

    # A replayed edit applies like a live one.
    applied = make_coder().apply(idea, ["experiment.py"], INSTRUCTION, answers=store_of(idea))
    assert len(fake_openai.chat_requests) == 2
    assert applied.written == ("experiment.py",) and applied.usage.replayed == 1
    assert (idea / "experiment.py").read_text() == first.proposed["experiment.py"]


def test_aiders_date_line_does_not_change_the_key(idea, make_coder, fake_openai, monkeypatch):
    """The "diff-fenced" format's system prompt carries today's date; a resume the next day
    still finds the kept answer."""
    from aider.coders import base_coder

    class Tomorrow(real_datetime.datetime):
        @classmethod
        def now(cls, tz=None):
            return real_datetime.datetime(2031, 5, 6, 12, 0, tzinfo=tz)

    fenced = (
        "More epochs.\n\n```\nexperiment.py\n<<<<<<< SEARCH\nEPOCHS = 3\n=======\n"
        "EPOCHS = 30\n>>>>>>> REPLACE\n```\n"
    )
    fake_openai.script([fenced])
    first = make_coder(edit_format="diff-fenced").propose(
        idea, ["experiment.py"], "Train for 30 epochs.", answers=store_of(idea)
    )
    assert "EPOCHS = 30\n" in first.proposed["experiment.py"]
    system = fake_openai.chat_requests[0].body["messages"][0]["content"]
    today = real_datetime.datetime.now().astimezone().strftime("%Y-%m-%d")
    assert f"- Current date: {today}\n" in system

    monkeypatch.setattr(base_coder, "datetime", Tomorrow)
    again = make_coder(edit_format="diff-fenced").propose(
        idea, ["experiment.py"], "Train for 30 epochs.", answers=store_of(idea)
    )
    assert len(fake_openai.chat_requests) == 1
    assert again.proposed == first.proposed and again.usage.replayed == 1
    # The key ignores the date; the kept line shows the request as it was sent.
    assert f"- Current date: {today}" in kept_lines(idea)[0]["messages"][0]["content"]


def test_an_answer_cut_off_at_the_length_limit_is_not_kept(idea, make_coder, fake_openai):
    fake_openai.script([Answer(LOWER_LR[:40], finish_reason="length")])
    edit = make_coder().propose(idea, ["experiment.py"], INSTRUCTION, answers=store_of(idea))
    assert not edit.proposed and len(fake_openai.chat_requests) == 1
    assert kept_lines(idea) == []


def test_a_failed_edit_keeps_nothing_so_a_resume_asks_again(idea, make_coder, fake_openai):
    """Replaying a failed edit's answers would fail the same way on every resume."""
    wrong = search_replace("experiment.py", "NO_SUCH_LINE = 1\n", "NO_SUCH_LINE = 2\n")
    fake_openai.script([wrong] * 3)  # the answer, then aider's 2 reflections
    failed = make_coder().propose(idea, ["experiment.py"], INSTRUCTION, answers=store_of(idea))
    assert not failed.ok and not failed.proposed
    assert len(fake_openai.chat_requests) == 3 and kept_lines(idea) == []
    fake_openai.script([LOWER_LR])
    resumed = make_coder().propose(idea, ["experiment.py"], INSTRUCTION, answers=store_of(idea))
    assert resumed.ok and "LEARNING_RATE = 0.01" in resumed.proposed["experiment.py"]
    assert resumed.usage.replayed == 0 and resumed.usage.requests >= 1
    assert len(kept_lines(idea)) == resumed.usage.requests  # the edit that worked is kept


SECOND_PROCESS = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from aisci.core.context import Context
    from aisci.llm import Ledger, LLMClient, LLMSettings, RetryPolicy
    from aisci.llm.answer_store import working_in
    from aisci.scientists.llm.code_edits import edit_file

    folder, base = Path(sys.argv[1]), sys.argv[2]
    settings = LLMSettings(model=sys.argv[3], api_base=base, api_key=sys.argv[4],
                           retry=RetryPolicy(max_attempts=1))
    client = LLMClient(settings, Ledger(folder.parent / "total.json"))
    with working_in(folder):
        edit = edit_file(client, folder, "experiment.py", sys.argv[5], Context(),
                         "experiments", "run 1")
    print(json.dumps({"proposed": edit.proposed, "replayed": edit.usage.replayed}))
    """
)


def test_a_resumed_process_replays_the_edit_and_its_ledger_says_so(idea, make_coder, fake_openai):
    """The LLM scientist's edit (its client's store, its ledger) in a second process."""
    fake_openai.script([Answer(LOWER_LR, prompt_tokens=900, completion_tokens=30)])
    first = make_coder().propose(idea, ["experiment.py"], INSTRUCTION, answers=store_of(idea))
    args = [idea, fake_openai.base_url, FAKE_MODEL, FAKE_KEY, INSTRUCTION]
    done = subprocess.run(
        [sys.executable, "-c", SECOND_PROCESS, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert len(fake_openai.chat_requests) == 1  # the second process asked nothing
    out = json.loads(done.stdout.splitlines()[-1])
    assert out == {"proposed": first.proposed, "replayed": 1}
    [call] = json.loads((idea / "cost.json").read_text())["calls"]  # the idea's own ledger
    assert (call["stage"], call["replayed"], call["cost_usd"]) == ("experiments", True, 0.0)
    assert (call["prompt_tokens"], call["completion_tokens"]) == (900, 30)
    total = json.loads((idea.parent / "total.json").read_text())["totals"]
    assert total["replayed_calls"] == 1
