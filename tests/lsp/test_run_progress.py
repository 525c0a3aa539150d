"""A running run in the editor's progress notification (lsp/reporter.py) and which folders a job
is busy in (lsp/jobs.py): "run i of N" stays visible while a run trains, with its own report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aisci.core import events as ev
from aisci.execution.progress import Report, Snapshot
from aisci.lsp.jobs import Job, JobManager
from aisci.lsp.reporter import CostTracker, LspReporter


class NoDiagnostics:
    def run_finished(self, folder: Path, run: str, ok: bool) -> None:
        pass


class FakeBridge:
    def __init__(self) -> None:
        self.reports: list[tuple[str, int | None]] = []
        self.sent: list[Any] = []

    def progress(self, token: str | None, value: Any) -> None:
        self.reports.append((value.message, value.percentage))

    def send(self, note: Any) -> None:
        self.sent.append(note)

    def log_message(self, message: str, level: str = "info") -> None:
        pass


def _reporter(tmp_path: Path, max_runs: int | None = 3) -> tuple[LspReporter, FakeBridge, Job]:
    bridge = FakeBridge()
    job = Job("aisci-job-1", "aisci.launch", str(tmp_path.resolve()), token="t")
    return LspReporter(bridge, job, NoDiagnostics(), CostTracker(), max_runs), bridge, job  # type: ignore[arg-type]


def test_run_i_of_n_stays_while_the_run_trains(tmp_path):
    reporter, bridge, _ = _reporter(tmp_path)
    folder = str(tmp_path / "idea")
    reporter.emit(ev.RunStarted(folder, "run_1", 60, "bwrap"))
    reporter.emit(ev.RunPlaced(folder, "run_1", "this machine"))
    reporter.emit(ev.RunProgress(folder, "run_1", Snapshot(42, Report(400, 1250), 80.0)))
    reporter.emit(ev.RunProgress(folder, "run_2", Snapshot(3, None, None, "loading data")))
    messages = [m for m, _ in bridge.reports]
    assert messages == [
        "run 1 of up to 3 · starting (sandbox bwrap)",  # "running on this machine" says nothing new
        "run 1 of up to 3 · step 400/1,250 · 0:42 elapsed · ~1:20 left",
        "run 2 of up to 3 · 0:03 elapsed · loading data",
    ]
    # run 1's share of the job grows with its steps: 400/1250 of a third
    assert [p for _, p in bridge.reports] == [0, 10, 33]
    # a cluster node is named
    reporter.emit(ev.RunPlaced(folder, "run_2", "3fa2 (gpu-07)"))
    assert bridge.reports[-1][0] == "run 2 of up to 3 · on 3fa2 (gpu-07)"


def test_a_baseline_run_is_named_as_such(tmp_path):
    reporter, bridge, _ = _reporter(tmp_path, max_runs=None)
    reporter.emit(ev.RunProgress(str(tmp_path), "run_0", Snapshot(5, Report(10, 20), 5.0)))
    assert bridge.reports == [("run_0 (baseline) · step 10/20 · 0:05 elapsed · ~0:05 left", None)]


def test_only_folders_with_running_work_are_busy(tmp_path):
    results = tmp_path / "results" / "tiny"
    idea, done, baseline = results / "idea_b", results / "idea_a", results / "baseline_smoke"
    for folder in (idea, done, baseline):
        folder.mkdir(parents=True)
    jobs = JobManager()
    job = jobs.reserve("aisci.launch", results)
    try:
        reporter = LspReporter(FakeBridge(), job, NoDiagnostics(), CostTracker(), 2)  # type: ignore[arg-type]
        reporter.emit(ev.StageStarted("baseline", str(baseline)))
        assert jobs.working_in(baseline) is job and jobs.working_in(idea) is None
        reporter.emit(ev.StageFinished("baseline", str(baseline)))
        reporter.emit(ev.StageStarted("experiments", str(idea)))
        reporter.emit(ev.RunStarted(str(idea), "run_1", 60, "none"))
        reporter.emit(ev.StageFinished("experiments", str(idea)))  # the run still runs
        assert jobs.working_in(idea) is job
        assert jobs.working_in(baseline) is None and jobs.working_in(done) is None
        reporter.emit(ev.RunFinished(str(idea), "run_1", True, 1.0, 0))
        assert jobs.working_in(idea) is None
        assert jobs.working_in(results) is job  # the folder the job locked is always its own
        assert jobs.holder_of(done) is job  # the lock itself is unchanged
    finally:
        jobs.release(job)
