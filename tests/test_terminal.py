"""Terminal rendering: progress lines, live run bars, cost, and the review-edits prompt."""

import io

from aisci.core import events as ev
from aisci.core.proposals import Proposal
from aisci.execution.progress import Report, Snapshot
from aisci.terminal import TerminalReporter, TerminalReviewer


def test_lines_for_stages_runs_and_cost():
    out = io.StringIO()
    reporter = TerminalReporter(out, live=False)
    reporter.emit(ev.StageStarted("experiments", "/r/x", "up to 5 runs"))
    reporter.emit(ev.RunStarted("/r/x", "run_1", 60, "bwrap"))
    reporter.emit(ev.RunFinished("/r/x", "run_1", True, 1.5, 0, "run_1 finished in 1.5 s."))
    reporter.emit(ev.CostUpdated(0.0123, {"ideas": 0.0123}, 1200, 300))
    reporter.emit(ev.CostUpdated(None, {}, 10, 5))
    text = out.getvalue()
    assert (
        "==> experiments: up to 5 runs" in text
        and "run_1 started (sandbox bwrap, timeout 60 s)" in text
    )
    assert "cost so far: $0.0123; 1,200 tokens in, 300 out" in text
    assert "unknown (a model without a price)" in text


def test_live_bar_per_run_is_removed_when_the_run_ends():
    out = io.StringIO()
    reporter = TerminalReporter(out, live=True)
    reporter.emit(ev.RunStarted("/r/a", "run_1", 60, "bwrap"))
    reporter.emit(ev.RunStarted("/r/b", "run_1", 60, "bwrap"))
    assert len(reporter._tasks) == 2
    reporter.emit(ev.RunFinished("/r/a", "run_1", True, 1.0, 0, "run_1 finished in 1.0 s."))
    reporter.emit(ev.RunFinished("/r/b", "run_1", False, 2.0, 1, "run_1 failed after 2.0 s: boom."))
    assert reporter._progress is None and reporter._tasks == {}
    assert "boom" in out.getvalue()


def test_live_bar_shows_the_runs_own_progress_and_no_line_is_printed():
    out = io.StringIO()
    reporter = TerminalReporter(out, live=True)
    reporter.emit(ev.RunStarted("/r/a", "run_1", 60, "bwrap"))
    reporter.emit(ev.RunProgress("/r/a", "run_1", Snapshot(42, Report(400, 1250), 80.0)))
    assert reporter._progress is not None
    task = reporter._progress.tasks[0]
    assert task.description == "a/run_1 · step 400/1,250 · 0:42 elapsed · ~1:20 left"
    assert (task.completed, task.total) == (400, 1250)
    reporter.emit(ev.RunFinished("/r/a", "run_1", True, 1.0, 0, "run_1 finished in 1.0 s."))
    plain = io.StringIO()
    TerminalReporter(plain, live=False).emit(ev.RunProgress("/r/a", "run_1", Snapshot(1.0)))
    assert plain.getvalue() == ""  # a line a second would drown the log


def test_reviewer_accept_reject_and_edit(tmp_path, monkeypatch):
    (tmp_path / "experiment.py").write_text("LR = 1\n")
    proposal = Proposal.create(tmp_path, "experiment.py", "LR = 2\n", "raise LR", "experiments")
    answers = iter(["x", "a"])
    shown = io.StringIO()
    assert TerminalReviewer(shown, ask=lambda _: next(answers)).review(proposal).action == "accept"
    assert "-LR = 1" in shown.getvalue() and "+LR = 2" in shown.getvalue()
    answers = iter(["r", "too big a step"])
    decision = TerminalReviewer(io.StringIO(), ask=lambda _: next(answers)).review(proposal)
    assert decision.action == "reject" and decision.reason == "too big a step"
    editor = tmp_path / "editor.sh"
    editor.write_text("#!/bin/sh\nprintf 'LR = 3\\n' > \"$1\"\n")
    editor.chmod(0o755)
    monkeypatch.setenv("EDITOR", str(editor))
    monkeypatch.delenv("VISUAL", raising=False)
    decision = TerminalReviewer(io.StringIO(), ask=lambda _: "e").review(proposal)
    assert decision.action == "edit" and decision.text == "LR = 3\n"
