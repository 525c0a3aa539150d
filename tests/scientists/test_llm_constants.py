"""A run decision whose whole change is new values of top-level constants (``set``): aisci
writes those lines itself, and aider is not asked (no edit call, no tokens for the file)."""

from __future__ import annotations

import json

from aisci.core import events as ev
from aisci.core.proposals import Decision
from tests.fakes.openai_server import FakeOpenAI
from tests.helpers import ScriptedReviewer, make_template
from tests.scientists.test_llm_experiments import DONE, LR, FakeScientist, go, run_launch, set_line


def only_first(decision: dict):
    return lambda prompt: decision if "Plan run 1 " in prompt else DONE


def test_a_decision_that_only_sets_constants_is_written_without_aider(tmp_path):
    decision = {
        **go("LEARNING_RATE 0.1 -> 0.05, DEGREE 5 -> 7"),
        "set": {"LEARNING_RATE": 0.05, "DEGREE": 7.0},
    }
    model = FakeScientist(decide=only_first(decision), edit=lambda text: None)
    reviewer = ScriptedReviewer([Decision("accept")])
    with FakeOpenAI(default=model) as fake:
        outcome, ctx = run_launch(
            tmp_path, fake, make_template(tmp_path), reviewer=reviewer, autonomy="review-edits"
        )
    assert outcome.ok, outcome
    assert model.edits_starting("Edit experiment.py") == []  # aider was never asked
    proposal = reviewer.seen[0]
    assert proposal.description == "LEARNING_RATE 0.1 -> 0.05, DEGREE 5 -> 7"
    # The reviewed diff changes the two values and nothing else, comments kept, DEGREE an int.
    changed = [line for line in proposal.diff.splitlines() if line[:1] in "+-"][2:]
    assert sorted(changed) == [
        "+DEGREE = 7  # knob: polynomial degree (model capacity)",
        "+LEARNING_RATE = 0.05  # knob: gradient-descent step size",
        "-DEGREE = 5  # knob: polynomial degree (model capacity)",
        "-LEARNING_RATE = 0.1  # knob: gradient-descent step size",
    ]
    folder = outcome.ideas[0].folder
    assert "LEARNING_RATE = 0.05  # knob" in (folder / "run_1.py").read_text()
    assert (folder / "run_1" / "final_info.json").is_file()
    stages = [
        c["stage"]
        for c in json.loads((tmp_path / "results" / "tiny" / "cost.json").read_text())["calls"]
    ]
    assert stages.count("experiments") == 1  # the decision; no edit was paid for
    assert [e.action for e in ctx.reporter.of_type(ev.ProposalDecided)][:1] == ["accept"]


def test_a_name_that_is_no_constant_sends_the_plan_to_aider(tmp_path):
    decision = {**go("LEARNING_RATE 0.1 -> 0.3", "Set LEARNING_RATE to 0.3."), "set": {"LR": 0.3}}
    model = FakeScientist(
        decide=only_first(decision),
        edit=lambda text: (
            set_line(LR, "0.1", "0.3") if text.startswith("Edit experiment.py") else None
        ),
    )
    with FakeOpenAI(default=model) as fake:
        outcome, ctx = run_launch(tmp_path, fake, make_template(tmp_path))
    assert outcome.ok, outcome
    (edit,) = model.edits_starting("Edit experiment.py")
    assert "Set LEARNING_RATE to 0.3." in edit
    assert "LEARNING_RATE = 0.3  # knob" in (outcome.ideas[0].folder / "run_1.py").read_text()
    warned = [e.message for e in ctx.reporter.of_type(ev.Log) if e.level == "warning"]
    assert any("0 top-level assignments of LR" in m and "aider" in m for m in warned), warned
