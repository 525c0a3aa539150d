"""The typed read model of saved records (core/records.py) and the readers that show its problems:
a run whose final_info.json cannot be read is a line in the paper material and the error of its
row in the Runs view, never a run without results."""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from aisci.core.records import IdeaState, LaunchRecord, RunView, Step
from aisci.core.state import State
from aisci.errors import ExperimentError
from aisci.lsp.queries import runs_of
from aisci.scientists.llm.paper_material import results_table
from aisci.scientists.sweep.report import _final_info

GOOD = {"train": {"means": {"loss": 0.5, "steps": 300}, "stderrs": {"loss": 0.01}}}


def _write(folder: Path, run: str, text: str) -> None:
    (folder / run).mkdir(parents=True, exist_ok=True)
    (folder / run / "final_info.json").write_text(text, encoding="utf-8")


def test_a_readable_run_has_its_results_and_its_recorded_step(tmp_path):
    _write(tmp_path, "run_1", json.dumps(GOOD))
    step = Step("run_1", {"status": "done", "description": "lr 0.1", "boundary": {"user": "x"}})
    view = RunView.read(tmp_path, "run_1", step)
    assert view.problem is None and view.final_info is not None
    assert view.final_info.means() == {"train": {"loss": 0.5, "steps": 300.0}}
    assert (view.status, view.description, dict(view.boundary)) == ("done", "lr 0.1", {"user": "x"})


@pytest.mark.parametrize(
    "text, message",
    [
        (None, "run_1/final_info.json was not written"),
        ("{not json", "run_1/final_info.json"),
        ('{"train": {"means": {"loss": NaN}}}', "not finite"),
        ('{"train": {"stderrs": {}}}', 'has no "means" object'),
        ("[1, 2]", "not in the expected shape"),
    ],
)
def test_an_unreadable_run_carries_the_problem_not_an_empty_result(tmp_path, text, message):
    (tmp_path / "run_1").mkdir()
    if text is not None:
        _write(tmp_path, "run_1", text)
    view = RunView.read(tmp_path, "run_1")
    assert view.final_info is None and view.status is None
    assert view.problem and message in view.problem


def test_a_link_planted_as_final_info_is_a_problem_and_its_target_is_not_read(tmp_path):
    secret = tmp_path / "secret.json"
    secret.write_text(json.dumps(GOOD), encoding="utf-8")
    (tmp_path / "idea" / "run_1").mkdir(parents=True)
    os.symlink(secret, tmp_path / "idea" / "run_1" / "final_info.json")
    view = RunView.read(tmp_path / "idea", "run_1")
    assert view.final_info is None and view.problem


def test_idea_state_reads_without_changing_the_folder(tmp_path):
    # What a killed atomic write leaves, old enough for State.load to remove it.
    temp = tmp_path / ".state.json.k3x9ab.tmp"
    temp.write_text("{}", encoding="utf-8")
    os.utime(temp, (1, 1))
    assert IdeaState.read(tmp_path).run_steps() == {}
    (tmp_path / "state.json").write_text("{broken", encoding="utf-8")
    assert IdeaState.read(tmp_path).step("build") is None
    assert temp.exists()
    (tmp_path / "state.json").unlink()
    State.load(tmp_path)  # the writer's load does clean up: the view must not
    assert not temp.exists()


def test_idea_state_gives_the_steps_the_cycle_and_the_views_read(tmp_path):
    state = State.load(tmp_path)
    state.record("created")
    state.record("run_1", description="lr 0.1", means={"train": {"loss": 0.5}})
    state.record("run_2", status="failed", error="boom")
    state.record(
        "build",
        consistency_mismatches=2,
        unmatched_numbers=["0.93 (template.tex:12)", "7 (template.tex:40)"],
        numbers_checked=9,
        pdf_ok=True,
        summary="built template.pdf in 2.0 s; 0 error(s), 1 warning(s)",
    )
    for idea in (IdeaState.read(tmp_path), IdeaState.of(State.load(tmp_path))):
        assert idea.created is not None and idea.created.done
        assert list(idea.run_steps()) == ["run_1", "run_2"]
        assert idea.run_steps()["run_2"].get("error") == "boom"
        assert idea.is_done("run_1") and not idea.is_done("run_2") and idea.plots is None
        build = idea.build
        assert build.consistency_mismatches == 2 and build.numbers_checked == 9
        assert build.unmatched_numbers == ("0.93 (template.tex:12)", "7 (template.tex:40)")
        assert build.pdf_ok and build.summary and build.summary.startswith("built template.pdf")
    unbuilt = IdeaState.read(tmp_path / "none").build
    assert (unbuilt.status, unbuilt.consistency_mismatches, unbuilt.pdf_ok) == (None, None, False)
    assert unbuilt.summary is None and unbuilt.missing_citations == ()


def test_the_paper_material_names_a_run_it_cannot_read(tmp_path):
    _write(tmp_path, "run_0", json.dumps(GOOD))
    _write(tmp_path, "run_1", '{"train": {"means": {"loss": NaN}}}')
    job = SimpleNamespace(folder=tmp_path, runs=[SimpleNamespace(run="run_1", description="lr")])
    table = results_table(job)  # type: ignore[arg-type]
    # Each row names a value by its results macro's arguments; no seed list: no count made up.
    assert "| {train}{loss} | 0.5000 ± 0.01000 (seeds not recorded) | -- |" in table
    assert "run_1: its results cannot be read: run_1/final_info.json has invalid results" in table


def test_the_sweep_report_stops_on_a_run_it_cannot_read(tmp_path):
    _write(tmp_path, "run_1", "{not json")
    with pytest.raises(ExperimentError, match="The report cannot be written: run_1/final_info"):
        _final_info(tmp_path, "run_1")


def test_the_runs_view_shows_why_a_baseline_run_has_no_means(tmp_path):
    server = SimpleNamespace(jobs=SimpleNamespace(working_in=lambda folder: None))
    _write(tmp_path, "run_0", json.dumps(GOOD))
    (row,) = runs_of(server, tmp_path)["runs"]
    assert row["means"] == {"train": {"loss": 0.5, "steps": 300.0}} and row["error"] is None
    _write(tmp_path, "run_0", '{"train": {"means": {}}}')
    (row,) = runs_of(server, tmp_path)["runs"]
    assert row["means"] == {} and '"train".means is empty' in row["error"]


def _started(folder: Path, run: str) -> None:
    """A run folder as aisci leaves it once a run has started: its logs opened."""
    (folder / run).mkdir(parents=True, exist_ok=True)
    (folder / run / "stdout.log").write_text("")


def test_a_cancelled_or_failed_run_keeps_its_row_with_its_state(tmp_path):
    state = State.load(tmp_path, template="t")
    state.record("run_1", description="lr 0.1", means={"train": {"loss": 0.4}})
    state.record("run_2", status="failed", description="lr 1", error="run_2 failed: NaN")
    state.record("run_3.edit", hash="h", description="lr 0.01")
    state.record("run_6", status="failed", error="cancelled", cancelled=True)  # a baseline's
    for run in ("run_1", "run_2", "run_3"):
        _started(tmp_path, run)
    (tmp_path / "run_9").mkdir()  # no logs: not a run aisci started, so no row
    os.symlink(tmp_path / "run_3", tmp_path / "run_4")  # a link is never a run
    idle = IdeaState.read(tmp_path).run_rows(running=False)
    assert list(idle) == ["run_1", "run_2", "run_3", "run_6"]
    assert [s.status for s in idle.values()] == ["done", "failed", "cancelled", "cancelled"]
    assert idle["run_3"].get("description") == "lr 0.01"  # what it tried, from its edit
    # While a job works in the folder its newest unrecorded run is the one running.
    _started(tmp_path, "run_5")
    busy = IdeaState.read(tmp_path).run_rows(running=True)
    assert (busy["run_3"].status, busy["run_5"].status) == ("cancelled", "running")
    server = SimpleNamespace(jobs=SimpleNamespace(working_in=lambda folder: None))
    rows = {r["run"]: r for r in runs_of(server, tmp_path)["runs"]}
    assert [rows[r]["status"] for r in ("run_1", "run_2", "run_3", "run_5")] == [
        "done",
        "failed",
        "cancelled",
        "cancelled",
    ]
    assert (
        rows["run_2"]["error"] == "run_2 failed: NaN"
        and runs_of(server, tmp_path)["running"] is None
    )


def test_a_run_that_wrote_its_results_is_left_to_its_record(tmp_path):
    # A copied baseline (or a run whose record is being written) has a final_info.json.
    _started(tmp_path, "run_0")
    _write(tmp_path, "run_0", json.dumps(GOOD))
    assert IdeaState.read(tmp_path).run_rows(running=True) == {}


def test_a_launch_record_round_trips_and_keeps_keys_it_does_not_know(tmp_path):
    state = State.load(tmp_path, template="t")
    written = {
        "started": "2026-01-01T00:00:00",
        "scale": "cpu",
        "scientist": "sweep",
        "ideas": ["a", "b"],
        "folders": {"a": "20260101_a"},
        "archive_before": ["old"],
        "note": "from a later version",
    }
    state.set("launch", written)
    record = LaunchRecord.of(State.load(tmp_path))
    assert (
        record is not None and record.ideas == ("a", "b") and record.folders == {"a": "20260101_a"}
    )
    assert record.to_dict() == written
    assert LaunchRecord.of(State.load(tmp_path / "none")) is None
