"""``aisci template draft --autonomy review-edits`` through the real CLI on a terminal (a pty),
the sandbox and a scripted fake model on 127.0.0.1: the drafted template is one folder
proposal, listed file by file with its size and first lines, asked once. An edit of one of its
files is what the template gets; a rejection leaves the template folder without files, is kept
in the record (a second command does not take it), and its reason goes back to the model as a
debug step whose template is then accepted."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

from tests.fakes.openai_server import FakeOpenAI
from tests.helpers import REPO
from tests.topic.conftest import OFFLINE
from tests.topic.draft_answers import NAME, draft
from tests.topic.test_draft import draft_args, record_of

PROMPT = "[a]ccept, [e]dit, [r]eject? "
EDIT_LINE = "# checked by the researcher"


def on_a_terminal(args: list[str], cwd: Path, answers: list, env: dict[str, str] | None = None):
    """Run ``aisci ARGS`` on a pty; each time a question waits (the terminal quiet after it),
    the next answer is typed (a callable gets the transcript so far). Returns (rc, transcript)."""
    main, child = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "aisci", *args],
        stdin=child,
        stdout=child,
        stderr=child,
        cwd=cwd,
        env={
            **os.environ,
            "PYTHONPATH": str(REPO / "server"),
            "OPENAI_API_KEY": "sk-fake",
            **OFFLINE,
            **(env or {}),
        },
        start_new_session=True,
    )
    os.close(child)
    transcript, asked = "", 0
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([main], [], [], 0.3)
            if ready:
                try:
                    chunk = os.read(main, 65536).decode(errors="replace")
                except OSError:
                    break
                if not chunk:
                    break
                transcript += chunk
                continue
            if transcript.rstrip().endswith("?") and asked < len(answers):
                answer = answers[asked]
                answer = answer(transcript) if callable(answer) else answer
                os.write(main, f"{answer}\n".encode())
                asked += 1
            elif proc.poll() is not None:
                break
        rc = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(main)
    assert asked == len(answers), f"{asked} of {len(answers)} answers asked for:\n{transcript}"
    return rc, transcript.replace("\r\n", "\n")


def number_of(file: str):
    """The answer to "which file?": the number the listing gave ``file``."""
    return lambda transcript: re.findall(rf"(\d+)\. {re.escape(file)} \(", transcript)[-1]


def test_the_drafted_template_is_one_folder_proposal_and_an_edit_of_a_file_is_kept(work, tmp_path):
    editor = tmp_path / "editor.py"
    editor.write_text(
        f"import sys\nopen(sys.argv[1], 'a').write({EDIT_LINE + chr(10)!r})\n", encoding="utf-8"
    )
    answers = ["e", number_of("experiment.py"), "a"]
    with FakeOpenAI([draft()]) as fake:
        rc, shown = on_a_terminal(
            [*draft_args(fake.base_url), "--autonomy", "review-edits"],
            work,
            answers,
            env={"EDITOR": f"{sys.executable} {editor}", "VISUAL": ""},
        )
        assert len(fake.chat_requests) == 1
    assert rc == 0, shown[-3000:]
    folder = work / "templates" / NAME
    # One proposal, asked once, listing every file with its size and first lines.
    assert shown.count(f"--- proposed new folder {NAME}/ (drafting)") == 1
    assert "node 1 (draft) drafted from topic.md" in shown
    listed = re.findall(r"\d+\. (\S+) \((\d[\d,]*) bytes, (\d+) lines\)", shown)
    files = sorted(
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if p.is_file() and "drafting" not in p.parts
    )
    assert sorted(name for name, _, _ in listed) == files
    assert {"experiment.py", "plot.py", "latex/template.tex", "aisci.json"} <= set(files)
    assert "import argparse, json, os, random, time" in shown  # experiment.py's first line
    assert shown.count(PROMPT) == 2 and "experiment.py edited" in shown
    experiment = (folder / "experiment.py").read_text()
    assert experiment.endswith(EDIT_LINE + "\n")
    assert EDIT_LINE not in (folder / "plot.py").read_text()
    [node] = record_of(work)["nodes"]
    assert (node["status"], node["review"]) == ("passed", "edited: experiment.py")
    assert record_of(work)["winner"] == 1


def test_an_edit_that_breaks_the_template_is_kept_and_said(work, tmp_path):
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import sys\nopen(sys.argv[1], 'a').write('def broken(:\\n')\n", encoding="utf-8"
    )
    with FakeOpenAI([draft()]) as fake:
        rc, shown = on_a_terminal(
            [*draft_args(fake.base_url), "--autonomy", "review-edits"],
            work,
            ["e", number_of("experiment.py"), "a"],
            env={"EDITOR": f"{sys.executable} {editor}", "VISUAL": ""},
        )
    assert rc == 0, shown[-3000:]
    assert (work / "templates" / NAME / "experiment.py").read_text().endswith("def broken(:\n")
    said = " ".join(shown.split())
    assert "the template as edited has" in said and "experiment.py" in said
    assert f"aisci template check templates/{NAME}" in said


def test_a_rejected_template_is_kept_from_the_folder_and_its_reason_goes_to_the_model(work):
    reason = "draw fewer samples at smoke scale"
    with FakeOpenAI([draft(), draft(debug=True)]) as fake:
        rc, shown = on_a_terminal(
            [*draft_args(fake.base_url), "--autonomy", "review-edits", "--max-drafts", "1"],
            work,
            ["r", reason],
        )
        assert len(fake.chat_requests) == 1
        assert rc == 1, shown[-3000:]
        assert "stopped after 1 node(s) (--max-drafts 1)" in shown
        assert "without a template that runs and was accepted" in shown
        assert reason in shown  # the node's line names the rejection and its reason
        folder = work / "templates" / NAME
        assert sorted(p.name for p in folder.iterdir()) == ["drafting"]
        record = record_of(work)
        assert record["winner"] is None
        [node] = record["nodes"]
        assert (node["status"], node["review"]) == ("rejected", "rejected")
        assert reason in node["error"]

        # The same command again, with room for one more node: the rejection is not taken;
        # the model gets the reason as a debug step and its template is asked about.
        rc, shown = on_a_terminal(
            [*draft_args(fake.base_url), "--autonomy", "review-edits", "--max-drafts", "2"],
            work,
            ["a"],
        )
        assert rc == 0, shown[-3000:]
        assert len(fake.chat_requests) == 2
        debug = fake.chat_requests[1].body["messages"][-1]["content"]
    assert reason in debug and "rejected it" in debug
    assert "node 2 (debug of node 1) drafted from topic.md" in shown
    record = record_of(work)
    assert record["winner"] == 2
    assert [(n["id"], n["status"], n["review"]) for n in record["nodes"]] == [
        (1, "rejected", "rejected"),
        (2, "passed", "accepted"),
    ]
    assert (folder / "experiment.py").is_file() and (folder / "topic.md").is_file()
