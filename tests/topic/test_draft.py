"""``aisci template draft`` through the real CLI, the sandbox and a scripted fake model on
127.0.0.1: a topic drafted into a template that passes the check and runs; a crash and a network
attempt debugged into a draft that runs (the debug prompt saying there is no network); a kill
after the first paid answer resumed without asking it again; the stop at --max-drafts naming
every node; and no model: the message."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fakes.openai_server import Answer, FakeOpenAI
from tests.helpers import run_cli
from tests.topic.conftest import OFFLINE
from tests.topic.draft_answers import (
    CRASH,
    MARKER,
    NAME,
    NETWORK,
    NO_NETWORK,
    SLOW,
    draft,
)


def draft_args(base_url: str, *extra: str, model: str = "openai/fake-model") -> list[str]:
    return [
        "template",
        "draft",
        "topic.md",
        "--model",
        model,
        "--api-base",
        base_url,
        "--dir",
        "templates",
        *extra,
    ]


def env() -> dict[str, str]:
    return {"OPENAI_API_KEY": "sk-fake", **OFFLINE}


def record_of(work: Path) -> dict:
    return json.loads((work / "templates" / NAME / "drafting" / "record.json").read_text())


def user_prompt(body: dict) -> str:
    return body["messages"][-1]["content"]


def test_a_topic_is_drafted_into_a_template_that_passes_the_check_and_runs(work):
    with FakeOpenAI([draft()]) as fake:
        made = run_cli(*draft_args(fake.base_url), cwd=work, env=env())
        assert made.returncode == 0, made.stderr
        assert len(fake.chat_requests) == 1
        system = fake.chat_requests[0].body["messages"][0]["content"]
    assert "AISCI_SCALE" in system and "Noise in a toy estimate" in system
    assert "SCALES = {" in system  # the scaffold's experiment.py as the worked example
    folder = work / "templates" / NAME
    assert f"Drafted {Path('templates') / NAME}" in made.stdout
    # Nothing written outside the new template's folder.
    assert sorted(p.name for p in work.iterdir()) == ["templates", "topic.md"]
    assert [p.name for p in (work / "templates").iterdir()] == [NAME]
    assert json.loads((folder / "aisci.json").read_text()) == {
        "metric": {"name": "err", "dataset": "toy", "direction": "min"}
    }
    prompt = json.loads((folder / "prompt.json").read_text())
    assert "Noise in a toy estimate" in prompt["system"]
    assert prompt["task_description"].startswith("experiment.py averages")
    assert [k["constant"] for k in json.loads((folder / "knobs.json").read_text())] == ["NOISE"]
    assert [i["Name"] for i in json.loads((folder / "seed_ideas.json").read_text())] == [
        "baseline",
        "more_draws",
    ]
    assert (folder / "latex" / "template.tex").is_file()
    assert "Noise in a toy estimate" in (folder / "README.md").read_text()
    record = record_of(work)
    assert record["winner"] == 1
    [node] = record["nodes"]
    assert (node["kind"], node["status"], node["parent"]) == ("draft", "passed", None)
    assert len(node["code_hash"]) == 16 and node["duration_s"] > 0
    smoke = folder / "drafting" / "node_1" / "smoke"
    assert (smoke / "run_0" / "final_info.json").is_file() and (smoke / "err.png").is_file()
    assert (folder / "drafting" / "node_1" / ".aisci" / "answers.jsonl").is_file()

    checked = run_cli("template", "check", str(folder), cwd=work)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "the template is valid" in checked.stdout
    # Again: the drafting is finished, nothing is asked.
    with FakeOpenAI() as fake:
        again = run_cli(*draft_args(fake.base_url), cwd=work, env=env())
        assert again.returncode == 0, again.stderr
        assert fake.chat_requests == [] and "nothing was asked" in again.stdout


def test_a_draft_that_crashes_is_debugged_into_one_that_runs(work):
    with FakeOpenAI([draft(CRASH), draft(debug=True)]) as fake:
        made = run_cli(*draft_args(fake.base_url), cwd=work, env=env())
        assert made.returncode == 0, made.stderr
        assert len(fake.chat_requests) == 2
        debug = user_prompt(fake.chat_requests[1].body)
    assert "the draws went wrong: boom" in debug and CRASH in debug
    assert NO_NETWORK not in debug
    nodes = record_of(work)["nodes"]
    assert [(n["id"], n["kind"], n["parent"], n["status"]) for n in nodes] == [
        (1, "draft", None, "failed"),
        (2, "debug", 1, "passed"),
    ]
    assert "boom" in nodes[0]["error"] and nodes[1]["error"] is None
    assert record_of(work)["winner"] == 2
    drafting = work / "templates" / NAME / "drafting"
    assert f"-{CRASH}" in (drafting / "node_2" / "diff.patch").read_text()
    # The debug answer left the task and the ideas out: they stayed the draft's.
    files = json.loads((drafting / "node_2" / "files.json").read_text())
    assert files["seed_ideas"][0]["Name"] == "baseline"
    assert CRASH not in (work / "templates" / NAME / "experiment.py").read_text()


def test_a_draft_that_reaches_for_the_network_is_told_there_is_none(work):
    with FakeOpenAI([draft(NETWORK), draft(debug=True)]) as fake:
        made = run_cli(*draft_args(fake.base_url), cwd=work, env=env())
        assert made.returncode == 0, made.stderr
        debug = user_prompt(fake.chat_requests[1].body)
    assert NO_NETWORK in debug and "AISCI_DATA_DIR" in debug
    first = record_of(work)["nodes"][0]
    assert first["status"] == "failed" and "URLError" in first["error"]


def test_the_drafting_stops_at_max_drafts_naming_each_node(work):
    with FakeOpenAI([draft(CRASH), draft(CRASH, debug=True)]) as fake:
        made = run_cli(*draft_args(fake.base_url, "--max-drafts", "2"), cwd=work, env=env())
        assert len(fake.chat_requests) == 2
    assert made.returncode == 1
    assert "stopped after 2 node(s) (--max-drafts 2)" in made.stderr
    assert "node 1 (draft" in made.stderr and "node 2 (debug of node 1" in made.stderr
    assert made.stderr.count("boom") == 2 and "higher --max-drafts" in made.stderr
    assert not (work / "templates" / NAME / "experiment.py").exists()


def test_a_killed_drafting_resumes_without_asking_its_paid_answer_again(work):
    with FakeOpenAI([draft(SLOW)]) as fake:
        proc = subprocess.Popen(
            [sys.executable, "-m", "aisci", *draft_args(fake.base_url)],
            cwd=work,
            env={**os.environ, **env()},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        marker = work / "templates" / NAME / "drafting" / "node_1" / "smoke" / "run_0" / MARKER
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        assert record_of(work)["nodes"][0]["status"] == "pending"
        assert len(fake.chat_requests) == 1

        resumed = run_cli(*draft_args(fake.base_url), cwd=work, env=env())
        assert resumed.returncode == 0, resumed.stderr
        assert len(fake.chat_requests) == 1  # the paid answer came from the node's store
    record = record_of(work)
    assert record["winner"] == 1 and [n["status"] for n in record["nodes"]] == ["passed"]


@pytest.mark.parametrize("how", [(), ("--scientist", "sweep")])
def test_without_a_model_drafting_says_it_needs_one_and_how_to_write_a_template(work, how):
    made = run_cli("template", "draft", "topic.md", *how, cwd=work, env=OFFLINE)
    assert made.returncode == 1
    assert "needs a model" in made.stderr and "cannot write an experiment" in made.stderr
    assert "aisci template new NAME" in made.stderr
    assert sorted(p.name for p in work.iterdir()) == ["topic.md"]


def test_parallel_drafts_run_at_once_and_the_first_that_passes_stops_the_other(work):
    def answer(body: dict) -> str:
        # Draft 1 runs; draft 2 would sleep for half a minute: it is stopped when 1 passes.
        return draft() if "(draft 1)" in user_prompt(body) else draft("time.sleep(30)")

    with FakeOpenAI(default=answer) as fake:
        started = time.monotonic()
        made = run_cli(*draft_args(fake.base_url, "--parallel", "2"), cwd=work, env=env())
        assert made.returncode == 0, made.stderr
        assert time.monotonic() - started < 25
        prompts = sorted(user_prompt(r.body).splitlines()[0] for r in fake.chat_requests)
    assert prompts == [
        "Write the study of this topic (draft 1).",
        "Write the study of this topic (draft 2; keep it as simple as the topic allows).",
    ]
    record = record_of(work)
    assert record["winner"] == 1
    assert [(n["id"], n["status"]) for n in record["nodes"]] == [(1, "passed"), (2, "cancelled")]
    assert "another draft passed first" in record["nodes"][1]["error"]


def test_the_cost_cap_stops_the_drafting_and_a_higher_cap_goes_on(work):
    """gpt-4o-mini has a price in litellm's bundled map; each fake answer reports 5,000
    completion tokens ($0.003), so a $0.002 cap lets the first call through and refuses the next."""
    with FakeOpenAI([Answer(draft(CRASH), completion_tokens=5000), draft(debug=True)]) as fake:
        args = draft_args(fake.base_url, model="openai/gpt-4o-mini")
        stopped = run_cli(*args, "--max-cost", "0.002", cwd=work, env=env())
        assert stopped.returncode == 1 and len(fake.chat_requests) == 1
        message = " ".join(stopped.stderr.split())
        assert "stopped: Cost cap reached" in message and "node 1 (draft" in message
        assert "boom" in message and "paid answers are replayed" in message
        nodes = record_of(work)["nodes"]
        assert [(n["status"], n["kind"]) for n in nodes] == [
            ("failed", "draft"),
            ("pending", "debug"),
        ]
        assert nodes[0]["cost_usd"] > 0.002

        resumed = run_cli(*args, "--max-cost", "1", cwd=work, env=env())
        assert resumed.returncode == 0, resumed.stderr
        assert len(fake.chat_requests) == 2  # the draft was not asked again; the debug was
    assert record_of(work)["winner"] == 2


def test_an_existing_folder_that_is_no_drafting_is_refused(work):
    (work / "templates" / NAME).mkdir(parents=True)
    (work / "templates" / NAME / "experiment.py").write_text("print('mine')\n")
    made = run_cli(*draft_args("http://127.0.0.1:9/v1"), cwd=work, env=env())
    assert made.returncode == 1
    assert f"Cannot create template {NAME}" in made.stderr and "already exists" in made.stderr
    assert sorted(p.name for p in (work / "templates" / NAME).iterdir()) == ["experiment.py"]
