"""A whole launch with the sweep scientist on the scaffold template (numpy, sub-second runs):
ideas, novelty, real constant edits, real sandboxed runs, real plots; resume; review-edits."""

import json
import os
import subprocess
import sys

import pytest

from aisci.core import events as ev
from aisci.core.context import Context
from aisci.core.proposals import Decision
from aisci.core.settings import Settings
from aisci.core.state import State
from aisci.core.template import load_template
from aisci.cycle import launch
from aisci.scientists.sweep import SweepScientist
from tests.helpers import (
    REPO,
    ScriptedReviewer,
    kill_launch_at_marker,
    make_template,
    slow_at_learning_rate,
)


def settings(tmp_path, **kw):
    return Settings(
        results=tmp_path / "results", scale="smoke", engine="local", writeup=False, **kw
    )


def test_sweep_launch_end_to_end(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    template = load_template(make_template(tmp_path))
    reporter = ev.CollectingReporter()
    ctx = Context(settings(tmp_path), reporter)
    outcome = launch(template, SweepScientist(template), ctx)
    assert outcome.ok and [i.idea for i in outcome.ideas] == ["sweep_learning_rate", "sweep_degree"]

    lr = outcome.ideas[0].folder
    assert "LEARNING_RATE = 0.03" in (lr / "run_1.py").read_text()
    assert "LEARNING_RATE = 0.3" in (lr / "run_2.py").read_text()
    baseline = json.loads((lr / "run_0" / "final_info.json").read_text())["sine"]["means"][
        "val_loss"
    ]
    run1 = json.loads((lr / "run_1" / "final_info.json").read_text())["sine"]["means"]["val_loss"]
    assert run1 != baseline  # a different learning rate really changed the result
    plot = (lr / "plot.py").read_text()
    assert "'run_1': 'LEARNING_RATE=0.03'" in plot and "'run_2': 'LEARNING_RATE=0.3'" in plot
    assert (lr / "val_loss.png").stat().st_size > 1000
    notes = (lr / "notes.txt").read_text()
    assert (
        "## Run 1: LEARNING_RATE = 0.03 (baseline 0.1)" in notes
        and "## Figure val_loss.png" in notes
    )

    ideas = json.loads((tmp_path / "results" / "tiny" / "ideas.json").read_text())
    assert ["novel" in i for i in ideas] == [False, False]  # no model: unchecked, never "novel"
    assert [i["novelty_kind"] for i in ideas] == ["unchecked", "unchecked"]
    proposals = reporter.of_type(ev.ProposalReady)
    assert {p.file for p in proposals} == {"experiment.py", "plot.py"}
    assert all(p.diff.startswith("--- a/") for p in proposals)
    finished = [e for e in reporter.of_type(ev.RunFinished) if e.run != "run_0"]
    assert len(finished) == 4 and all(e.ok for e in finished)


def test_review_edits_reject_then_accept(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    template = load_template(make_template(tmp_path))
    reviewer = ScriptedReviewer(
        [
            Decision("reject", reason="0.03 is too slow to be interesting"),
            Decision("edit", text=None),
        ]
    )
    ctx = Context(
        settings(tmp_path, num_ideas=1, autonomy="review-edits"), ev.CollectingReporter(), reviewer
    )
    outcome = launch(template, SweepScientist(template), ctx)
    folder = outcome.ideas[0].folder
    # The rejected value never ran; the scientist proposed the next one instead.
    assert "LEARNING_RATE = 0.03" not in reviewer.seen[1].proposed
    assert "LEARNING_RATE = 0.3" in (folder / "run_1.py").read_text()
    assert not (folder / "run_2").exists()
    decided = [e.action for e in ctx.reporter.of_type(ev.ProposalDecided)]
    assert decided[:2] == ["reject", "edit"]


def test_parallel_ideas(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    template = load_template(make_template(tmp_path))
    ctx = Context(settings(tmp_path, parallel=2), ev.CollectingReporter())
    outcome = launch(template, SweepScientist(template), ctx)
    assert outcome.ok and len(outcome.ideas) == 2
    threads = {e.folder for e in ctx.reporter.of_type(ev.RunStarted)}
    assert len(threads) == 3  # the baseline folder and both idea folders


def test_resume_after_kill_never_reruns_a_finished_run(tmp_path):
    """kill -9 of the launch while an idea's run_2 is running, then --resume."""
    template = make_template(tmp_path)
    (template / "experiment.py").write_text(
        slow_at_learning_rate((template / "experiment.py").read_text())
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    args = [
        sys.executable,
        "-m",
        "aisci",
        "launch",
        "--template",
        str(template),
        "--scale",
        "smoke",
        "--engine",
        "local",
        "--num-ideas",
        "1",
        "--writeup",
        "none",
        "--results",
        str(tmp_path / "results"),
    ]
    folder = kill_launch_at_marker(args, tmp_path / "results", cwd=tmp_path, env=env).parent
    state = State.load(folder)
    assert state.is_done("run_1") and not state.is_done("run_2")
    run1_mtime = (folder / "run_1" / "final_info.json").stat().st_mtime_ns

    done = subprocess.run(
        [*args, "--resume"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert "resuming the launch" in done.stderr
    state = State.load(folder)
    assert state.is_done("run_2") and state.is_done("plots")
    assert (folder / "run_1" / "final_info.json").stat().st_mtime_ns == run1_mtime
    assert "LEARNING_RATE = 0.3" in (folder / "run_2.py").read_text()
    assert len(list((tmp_path / "results" / "tiny").glob("*_sweep_learning_rate"))) == 1


def test_a_spent_budget_stops_the_whole_launch(tmp_path, monkeypatch):
    """One idea failing is that idea's problem; a spent budget ends every idea's work."""
    from aisci.errors import AisciError

    class Spent(AisciError):
        stops_launch = True

    class BrokeScientist(SweepScientist):
        def propose_run(self, job, feedback, ctx):
            raise Spent("Cost cap reached.", "Rerun with a higher --max-cost.")

    monkeypatch.chdir(tmp_path)
    template = load_template(make_template(tmp_path))
    ctx = Context(settings(tmp_path, parallel=2), ev.CollectingReporter())
    with pytest.raises(Spent):
        launch(template, BrokeScientist(template), ctx)


def test_missing_tex_is_found_before_any_decision(tmp_path, monkeypatch):
    """No idea is asked for (no model call, no run) when the paper could never be built."""
    from aisci.errors import AisciError
    from aisci.paper import build

    asked = []

    class CountingScientist(SweepScientist):
        def generate_ideas(self, *args, **kwargs):
            asked.append("ideas")
            return super().generate_ideas(*args, **kwargs)

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(build, "tex_available", lambda *a, **k: "pdflatex is not installed")
    template = load_template(make_template(tmp_path))
    ctx = Context(settings(tmp_path).with_(writeup=True), ev.CollectingReporter())
    with pytest.raises(AisciError) as info:
        launch(template, CountingScientist(template), ctx)
    assert "pdflatex is not installed" in str(info.value) and "--writeup none" in str(info.value)
    assert asked == [] and not (tmp_path / "results" / "tiny" / "baseline_smoke").exists()


def _tree(root):
    """Every file under root with its size and mtime: what a command did there."""
    return {
        str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in root.rglob("*")
        if p.is_file() and not p.name.endswith(".lock")
    }


def test_resume_of_a_copied_results_folder_runs_only_in_the_copy(tmp_path):
    """kill -9 mid-launch, copy the results folder, --resume the copy: the original is untouched."""
    import shutil

    template = make_template(tmp_path)
    (template / "experiment.py").write_text(
        slow_at_learning_rate((template / "experiment.py").read_text())
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    args = [
        sys.executable,
        "-m",
        "aisci",
        "launch",
        "--template",
        str(template),
        "--scale",
        "smoke",
        "--engine",
        "local",
        "--num-ideas",
        "1",
        "--writeup",
        "none",
        "--sandbox",
        "none",
    ]
    original, copy = tmp_path / "results", tmp_path / "copy"
    kill_launch_at_marker([*args, "--results", str(original)], original, cwd=tmp_path, env=env)
    shutil.copytree(original, copy, symlinks=True)
    before = _tree(original)

    done = subprocess.run(
        [*args, "--results", str(copy), "--resume"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert _tree(original) == before, "the resume of the copy wrote into the original"
    [folder] = list((copy / "tiny").glob("*_sweep_learning_rate"))
    assert State.load(folder).is_done("run_2") and State.load(folder).is_done("plots")
    launch_state = json.loads((copy / "tiny" / "state.json").read_text())["launch"]
    assert launch_state["folders"] == {"sweep_learning_rate": folder.name}
