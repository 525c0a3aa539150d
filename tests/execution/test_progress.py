"""A run's own progress report (execution/progress.py): read from a hostile run folder, checked
field by field, and rendered as the editor and the terminal show it."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from aisci.execution import progress
from aisci.execution.executor import LocalExecutor, RunSpec
from aisci.execution.progress import Report, Snapshot, parse_report, progress_text, read_report


def _run_dir(tmp_path: Path, content: str | bytes | None = None) -> Path:
    run = tmp_path / "run_1"
    run.mkdir()
    if content is not None:
        data = content.encode() if isinstance(content, str) else content
        (run / "progress.json").write_bytes(data)
    return run


def test_a_plain_report_is_read_with_its_metrics(tmp_path):
    run = _run_dir(tmp_path, json.dumps({"step": 400, "total": 1250, "metrics": {"loss": 0.53}}))
    assert read_report(run, root=tmp_path) == Report(400, 1250, {"loss": 0.53})


@pytest.mark.parametrize(
    "content",
    [
        None,  # no report at all
        "{not json",
        '{"step": 400',  # a write caught half-way (a run that does not replace atomically)
        "[1, 2]",
        '{"total": 10}',  # no step
        '{"step": NaN, "total": 10}',
        '{"step": Infinity}',
        '{"step": -1}',
        '{"step": 2.5}',
        '{"step": true}',
        '{"step": "400"}',
        '{"step": 1e300}',
        "\xff\xfe garbage",
        '{"step": ' + "9" * 200 + "}",  # a number too long to decode cheaply
        "[" * 3000,  # nested past runjson's depth limit (and under the size cap)
    ],
)
def test_junk_is_no_report(tmp_path, content):
    assert read_report(_run_dir(tmp_path, content), root=tmp_path) is None


def test_a_huge_file_is_not_read(tmp_path):
    padding = " " * (progress.MAX_BYTES + 10)
    run = _run_dir(tmp_path, '{"step": 3}' + padding)
    assert read_report(run, root=tmp_path) is None


def test_a_link_is_refused_never_followed(tmp_path):
    secret = tmp_path / "secret.json"
    secret.write_text('{"step": 7, "total": 9}')
    run = _run_dir(tmp_path)
    os.symlink(secret, run / "progress.json")
    assert read_report(run, root=tmp_path) is None
    # a run folder that is itself a link is refused too
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "progress.json").write_text('{"step": 7}')
    os.symlink(other, tmp_path / "run_2")
    assert read_report(tmp_path / "run_2", root=tmp_path) is None


def test_fields_are_checked_as_untrusted_data():
    report = parse_report(
        {
            "step": 12.0,  # a whole float is a step
            "total": 10,  # passed already: no total
            "metrics": {
                "nan": float("nan"),
                "inf": float("inf"),
                "text": "0.5",
                "flag": True,
                "\x1b[2Jloss" + "x" * 100: 0.25,
                "a": 1,
                "b": 2,
                "c": 3,
            },
        }
    )
    assert report is not None and report.step == 12 and report.total is None
    names = list(report.metrics)
    assert len(names) == progress.MAX_METRICS and "nan" not in names and "inf" not in names
    assert names[0].startswith("[2Jloss") and len(names[0]) == progress.MAX_NAME
    assert "\x1b" not in names[0] and names[0].endswith("…")
    assert parse_report({"step": 3, "total": 0}) == Report(3, None, {})


def test_the_text_the_editor_and_terminal_show():
    snap = Snapshot(42.0, Report(400, 1250, {}), 80.0)
    assert progress_text("run 1 of 3", snap) == (
        "run 1 of 3 · step 400/1,250 · 0:42 elapsed · ~1:20 left"
    )
    no_total = Snapshot(3725.0, Report(12_000, None, {"train_loss": 0.123456}))
    assert progress_text("run_2", no_total) == (
        "run_2 · step 12,000 · 1:02:05 elapsed · train_loss 0.1235"
    )
    no_report = Snapshot(5.4, None, None, "epoch 3: loss 0.2")
    assert progress_text("run_0 (baseline)", no_report) == (
        "run_0 (baseline) · 0:05 elapsed · epoch 3: loss 0.2"
    )
    assert progress.run_label("run_2", 3) == "run 2 of up to 3"
    assert progress.run_label("run_2", None) == "run_2"
    assert progress.run_label("run_0", 3) == "run_0 (baseline)"


def test_time_left_follows_the_pace_since_the_first_report(tmp_path):
    run = _run_dir(tmp_path)
    watch = progress.ProgressWatch(run, tmp_path, lambda s: None)
    start = watch.started
    (run / "progress.json").write_text('{"step": 100, "total": 1000}')
    first = watch.snapshot(now=start + 30)  # 30 s of start-up before the first report
    assert first.remaining_s is None, "no pace yet: start-up is not training"
    (run / "progress.json").write_text('{"step": 300, "total": 1000}')
    later = watch.snapshot(now=start + 40)  # 200 steps in 10 s: 35 s for the last 700
    assert later.remaining_s == pytest.approx(35.0) and later.elapsed_s == pytest.approx(40)
    (run / "progress.json").write_text("{junk")  # a torn write keeps the last good report
    assert watch.snapshot(now=start + 41).report == Report(300, 1000, {})


def test_without_a_report_the_last_log_line_is_shown(tmp_path):
    run = _run_dir(tmp_path)
    (run / "stdout.log").write_text("loading\nepoch 1 10%\repoch 1 90%\r\n\n")
    snap = progress.ProgressWatch(run, tmp_path, lambda s: None).snapshot()
    assert snap.report is None and snap.last_line == "epoch 1 90%"
    (run / "stdout.log").write_text("")
    (run / "stderr.log").write_text("warning: " + "w" * 500 + "\n")
    line = progress.last_log_line(run, root=tmp_path)
    assert line.startswith("warning: ") and len(line) == progress.MAX_LINE


def test_the_local_executor_streams_a_running_runs_report(tmp_path):
    # The run reports step 3 of 10, then waits until the test has seen it: no sleep decides it.
    (tmp_path / "experiment.py").write_text(
        "import json, os, sys, time\n"
        "out = sys.argv[1].split('=', 1)[1]\n"
        "with open(os.path.join(out, 'p.tmp'), 'w') as f:\n"
        "    json.dump({'step': 3, 'total': 10, 'metrics': {'loss': 0.5}}, f)\n"
        "os.replace(os.path.join(out, 'p.tmp'), os.path.join(out, 'progress.json'))\n"
        "deadline = time.time() + 30\n"
        "while not os.path.exists('seen') and time.time() < deadline:\n"
        "    time.sleep(0.05)\n"
        "with open(os.path.join(out, 'final_info.json'), 'w') as f:\n"
        "    json.dump({'d': {'means': {'loss': 0.1}}}, f)\n"
    )
    seen: list[Snapshot] = []
    got = threading.Event()

    def on_report(snap: Snapshot) -> None:
        seen.append(snap)
        if snap.report is not None:
            (tmp_path / "seen").write_text("")
            got.set()

    placed: list[str] = []
    result = LocalExecutor().run(
        RunSpec(tmp_path, 1, 60, sandbox="none"),
        on_progress=lambda w, t: placed.append(w),
        on_report=on_report,
    )
    assert result.ok and got.is_set() and placed == ["this machine"]
    reported = next(s for s in seen if s.report is not None)
    assert reported.report == Report(3, 10, {"loss": 0.5}) and reported.elapsed_s > 0
