"""A resume never pays twice (issue 24): a decision paid for before a stop is replayed from the
idea folder's kept answers (llm/answer_store.py) instead of being asked again. The real CLI
against the fake OpenAI server, which sees every request: a launch stopped by its cost cap
between a paid decision and the edit it asks for, then resumed with a higher cap; and a launch
killed (SIGKILL) while aider waits for that edit, then resumed."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import threading
from collections import Counter

from aisci.core.state import State
from tests.fakes.openai_server import FakeOpenAI
from tests.helpers import make_template
from tests.scientists.test_llm_experiments import IDEA, cli_args, cli_env, two_runs, write_ideas

PER_CALL_USD = 0.00315  # gpt-4o-mini: 1,000 prompt and 5,000 completion tokens per answer


def run(args, tmp_path, *extra):
    return subprocess.run(
        [*args, *extra],
        cwd=tmp_path,
        env=cli_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )


def asked_once_each(model) -> None:
    """Every distinct decision prompt reached the model once, over both processes."""
    counts = Counter(model.decisions)
    assert counts and all(n == 1 for n in counts.values()), counts


def test_a_decision_paid_before_the_cap_stopped_is_not_paid_again(tmp_path):
    """$0.00315 a call; a $0.0035 cap lets run 1's decision through and refuses its edit (the
    edit's estimate does not fit in what is left). The resume replays the decision."""
    template = make_template(tmp_path)
    results = tmp_path / "results"
    write_ideas(results, "tiny", [IDEA])
    model = two_runs()
    with FakeOpenAI(default=model) as fake:
        args = cli_args(template, results, fake.base_url, model="openai/gpt-4o-mini")
        stopped = run(args, tmp_path, "--max-cost", "0.0035")
        assert stopped.returncode == 1 and "Cost cap reached" in stopped.stderr, stopped.stderr
        assert len(fake.chat_requests) == 1 and len(model.decisions) == 1  # only the decision
        [folder] = list((results / "tiny").glob("*_lr_probe"))
        kept = (folder / ".aisci" / "answers.jsonl").read_text().splitlines()
        assert len(kept) == 1 and json.loads(kept[0])["stage"] == "experiments"

        resumed = run(args, tmp_path, "--resume", "--max-cost", "1")
        requests = len(fake.chat_requests)
    assert resumed.returncode == 0, resumed.stderr
    assert State.load(folder).is_done("run_2") and State.load(folder).is_done("plots")
    asked_once_each(model)
    assert len(model.decisions) >= 2  # run 2 was decided too, live
    # The idea's own ledger holds the replay, free; the template's total counts each paid call once.
    calls = json.loads((folder / "cost.json").read_text())["calls"]
    replayed = [c for c in calls if c["replayed"]]
    assert len(replayed) == 1 and replayed[0]["cost_usd"] == 0.0
    total = json.loads((results / "tiny" / "cost.json").read_text())
    paid = [c for c in total["calls"] if not c["replayed"]]
    assert len(paid) == requests  # one record per request that reached the server
    assert abs(sum(c["cost_usd"] for c in paid) - requests * PER_CALL_USD) < 1e-6
    assert total["totals"]["replayed_calls"] == 1 and total["totals"]["priced"] is True
    assert not (tmp_path / "results" / folder.name).exists()  # nothing under ./results/<idea>


class SlowFirstEdit:
    """The model, except that its first answer to an aider edit comes only after a long wait
    (long enough for the test to kill the launch while aider waits)."""

    def __init__(self, inner):
        self.inner, self.waiting, self.slowed = inner, threading.Event(), False

    def __call__(self, body):
        edits = len(self.inner.edits)
        reply = self.inner(body)
        if len(self.inner.edits) > edits and not self.slowed:
            self.slowed = True
            self.waiting.set()
            return dataclasses.replace(reply, delay_s=120)
        return reply


def test_a_decision_paid_before_a_kill_is_not_paid_again(tmp_path):
    template = make_template(tmp_path)
    results = tmp_path / "results"
    write_ideas(results, "tiny", [IDEA])
    model = two_runs()
    slow = SlowFirstEdit(model)
    with FakeOpenAI(default=slow) as fake:
        args = cli_args(template, results, fake.base_url)
        proc = subprocess.Popen(
            args,
            cwd=tmp_path,
            env=cli_env(tmp_path),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            assert slow.waiting.wait(180), "the launch never asked for run 1's edit"
        finally:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        assert len(model.decisions) == 1
        resumed = run(args, tmp_path, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    [folder] = list((results / "tiny").glob("*_lr_probe"))
    assert State.load(folder).is_done("run_2")
    asked_once_each(model)
    # The edit the kill interrupted was never answered (so never paid): the resume asks it.
    assert len(model.edits_starting("Edit experiment.py for run 1")) == 2
