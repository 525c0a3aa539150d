"""What the run decision, the ideas and the write-up are shown of the code and the notes (issue
24): experiment.py in outline and its diff from the template, a stable system
message, and notes without what the results table repeats."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

from aisci.core.ideas import Idea
from aisci.core.scientist import RunJob, RunRecord
from aisci.scientists.llm.material import (
    compact_source,
    outline_source,
    source_changes,
)
from aisci.scientists.llm.paper_material import NEEDS, _notes, facts, material, results_table
from aisci.scientists.llm.runs import decide_messages
from tests.helpers import REPO

GROKKING = (REPO / "templates" / "grokking" / "experiment.py").read_text(encoding="utf-8")
IDEA = Idea.from_dict(
    {
        "Name": "lr_probe",
        "Title": "Step size and the fit",
        "Experiment": "Change the learning rate.",
        "Interestingness": 5,
        "Feasibility": 9,
        "Novelty": 3,
    }
)


def test_the_outline_keeps_constants_config_and_signatures_and_drops_bodies():
    outline = outline_source(GROKKING)
    for kept in (
        "WEIGHT_DECAY = 1.0  # knob: decoupled AdamW weight decay",
        "class Config:",
        "    batch_size: int = 512  # larger than the train set (small p) means full batch",
        "def train_one(dataset: str, seed: int, cfg: Config, device: torch.device)",
        '    """Train on one data set with one seed; return (final metrics, curves)."""',
        "# ----------------------------------------------------------------------------- model",
    ):
        assert kept in outline
    # No imports, no module docstring, no function body.
    assert "import torch" not in outline and "Power et al. (2022)" not in outline
    assert "loss.backward()" in GROKKING and "loss.backward()" not in outline
    assert len(outline) < len(compact_source(GROKKING)) / 3


def test_code_that_does_not_parse_is_shown_compacted():
    broken = '"""Doc."""\nX = 1  # a knob\ndef f(:\n    pass\n'
    assert outline_source(broken) == compact_source(broken)


def test_changes_are_a_diff_against_the_template():
    now = GROKKING.replace("WEIGHT_DECAY = 1.0", "WEIGHT_DECAY = 0.1")
    diff = source_changes(GROKKING, now)
    assert "-WEIGHT_DECAY = 1.0" in diff and "+WEIGHT_DECAY = 0.1" in diff
    assert len(diff.splitlines()) < 10  # only the change and a line around it
    assert source_changes(GROKKING, GROKKING) == ""


def test_the_decision_system_message_stays_and_the_user_message_shows_the_state(
    template, make_ctx, tmp_path
):
    timeout_s = make_ctx().settings.timeout_s
    folder = tmp_path / "idea"
    folder.mkdir()
    source = template.experiment.read_text(encoding="utf-8")
    (folder / "experiment.py").write_text(source, encoding="utf-8")
    baseline = {"sine": {"val_loss": 0.5}}

    def job(run: int, history=()) -> RunJob:
        return RunJob(folder, IDEA, template.name, baseline, tuple(history), run, 3)

    first = decide_messages(template, job(1), "", timeout_s)
    (folder / "experiment.py").write_text(
        source.replace("LEARNING_RATE = 0.1", "LEARNING_RATE = 0.3"), encoding="utf-8"
    )
    record = RunRecord("run_1", "LEARNING_RATE 0.1 -> 0.3", {"sine": {"val_loss": 0.4}})
    second = decide_messages(template, job(2, [record]), "", timeout_s)

    assert first[0] == second[0]  # the same system message: a prefix the provider can cache
    assert "def run_seed(cfg: Config, seed: int) -> dict:" in first[0]["content"]
    assert "rng.uniform" not in first[0]["content"] + first[1]["content"]  # no body
    assert "(none yet: experiment.py is the template's)" in first[1]["content"]
    user = second[1]["content"]
    assert "LEARNING_RATE = 0.3  # knob" in user and "-LEARNING_RATE = 0.1" in user
    assert "- run_1: LEARNING_RATE 0.1 -> 0.3 -> sine: val_loss=0.4" in user
    # What stays comes first: run 2's prompt starts as run 1's did, up to the runs so far.
    shared = first[1]["content"].split("## Runs so far")[0]
    assert user.startswith(shared)


NOTES = """# Title: Step size
# Experiment description: Change the learning rate.

## Run 0: Baseline
Results: {"sine": {"val_loss": 0.5}}
Description: the template's experiment as it is, unchanged.

## Run 1: LEARNING_RATE 0.1 -> 0.3
Results: {"sine": {"val_loss": 0.4}}
Description: Against the baseline: sine val_loss 0.5 -> 0.4 (-20.0%).

## Run 2: LEARNING_RATE 0.3 -> 3
Failed: val_loss is NaN
Description: the loss diverged at step 12.

## Figure val_loss.png
The validation loss of every run.
"""


def test_notes_leave_out_what_the_results_table_shows(tmp_path):
    (tmp_path / "notes.txt").write_text(NOTES, encoding="utf-8")
    job = type("Job", (), {"folder": Path(tmp_path)})()
    with_table = _notes(job)
    assert "Against the baseline" not in with_table and "## Run 1:" not in with_table
    assert "## Run 0" not in with_table
    # A failure is not in the table: it stays, with its heading and remark.
    assert "## Run 2: LEARNING_RATE 0.3 -> 3\nFailed: val_loss is NaN" in with_table
    assert "diverged at step 12" in with_table
    assert "Figure" not in with_table and "Results:" not in with_table


def _run(folder: Path, run: str, val_loss: list[float]) -> None:
    (folder / run).mkdir()
    n = len(val_loss)
    mean = sum(val_loss) / n
    info = {"sine": {"means": {"val_loss": mean}, "final_info_dict": {"val_loss": val_loss}}}
    if n > 1:
        spread = sum((v - mean) ** 2 for v in val_loss) / (n - 1)
        info["sine"]["stderrs"] = {"val_loss": (spread / n) ** 0.5}
    (folder / run / "final_info.json").write_text(json.dumps(info), encoding="utf-8")


def test_the_results_table_names_a_common_seed_count_once_and_every_write_up_call_shares_it(
    tmp_path,
):
    _run(tmp_path, "run_0", [0.5, 0.7])
    _run(tmp_path, "run_1", [0.25, 0.35])
    job = SimpleNamespace(
        folder=tmp_path,
        runs=[SimpleNamespace(run="run_1", description="lr 0.3")],
        task="",
        bib=tmp_path / "references.bib",
        figures={},
    )
    table = results_table(job)  # type: ignore[arg-type]
    assert "Seeds: 2 for every value." in table and "seed)" not in table
    assert "| {sine}{val_loss} | 0.6000 ± 0.1000 | 0.3000 ± 0.05000 |" in table
    # The table is in the facts every write-up call shares (its system message), with the
    # idea and the keys; no section's own material repeats it.
    job.idea = SimpleNamespace(title="Step size", experiment="Vary the learning rate.")
    shared = facts(job)  # type: ignore[arg-type]
    assert shared.startswith("## Idea\nTitle: Step size") and table in shared
    assert "## BibTeX keys you may cite\nnone" in shared
    for section, needs in NEEDS.items():
        assert "0.6000" not in material(job, needs), section  # type: ignore[arg-type]
    # A run with another seed count: each value says its own.
    _run(tmp_path, "run_2", [0.4])
    job.runs.append(SimpleNamespace(run="run_2", description="lr 1"))
    table = results_table(job)  # type: ignore[arg-type]
    assert "0.6000 ± 0.1000 (2 seeds)" in table and "| 0.4000 (1 seed) |" in table
