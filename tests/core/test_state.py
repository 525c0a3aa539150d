import json
import os
import signal
import subprocess
import sys
import time

import pytest

from aisci.core.state import State
from aisci.errors import StateError


def test_record_and_reload(tmp_path):
    state = State.load(tmp_path, template="t")
    assert not state.is_done("run_1")
    state.record("run_1", means={"d": {"acc": 0.5}})
    state.record("run_2", status="failed", error="boom")
    again = State.load(tmp_path)
    assert again.is_done("run_1") and not again.is_done("run_2")
    assert again.step("run_2")["error"] == "boom"
    assert again.get("template") == "t"


def test_unreadable_state_is_a_clear_error(tmp_path):
    (tmp_path / "state.json").write_text("{not json")
    with pytest.raises(StateError) as info:
        State.load(tmp_path)
    assert "state.json" in str(info.value) and "delete it" in str(info.value)


WRITER = """
import sys, itertools
sys.path.insert(0, {server!r})
from aisci.core.state import State
state = State.load({folder!r})
for i in itertools.count():
    state.record(f"step_{{i}}", payload="x" * 20000)
    if i == 5:
        open({ready!r}, "w").close()
"""


def test_state_survives_kill_between_and_during_writes(tmp_path):
    """kill -9 at an arbitrary moment leaves a readable state whose steps are a prefix."""
    from tests.helpers import REPO

    ready = tmp_path / "ready"
    folder = tmp_path / "idea"
    folder.mkdir()
    code = WRITER.format(server=str(REPO / "server"), folder=str(folder), ready=str(ready))
    proc = subprocess.Popen([sys.executable, "-c", code])
    deadline = time.monotonic() + 60
    while not ready.exists():
        assert time.monotonic() < deadline, "writer never got going"
        assert proc.poll() is None, "writer died"
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    data = json.loads((folder / "state.json").read_text())
    steps = list(data["steps"])
    assert len(steps) >= 6
    assert steps == [f"step_{i}" for i in range(len(steps))]
    assert State.load(folder).is_done("step_5")


def test_loading_a_folder_removes_temp_files_of_interrupted_writes(tmp_path):
    """Temp files a kill left beside state.json (and in a run folder) go at the next load by the
    real CLI; a fresh one (a write in progress), a link and its target stay."""
    from tests.helpers import make_template, run_cli

    template = make_template(tmp_path)
    baseline = [
        "baseline",
        str(template),
        "--scale",
        "smoke",
        "--results",
        str(tmp_path / "res"),
        "--sandbox",
        "none",
    ]
    assert run_cli(*baseline).returncode == 0
    folder = tmp_path / "res" / "tiny" / "baseline_smoke"
    old = time.time() - 3600
    stale = [
        folder / ".state.json.k3j5h2x1.tmp",
        folder / "run_0" / ".final_info.json.a8b7c6d5.tmp",
    ]
    for path in stale:
        path.write_text("{half a sta")
        os.utime(path, (old, old))
    fresh = folder / ".notes.txt.q1w2e3r4.tmp"
    fresh.write_text("being written")
    outside = tmp_path / "keep.txt"
    outside.write_text("not aisci's")
    link = folder / ".review.json.z9y8x7w6.tmp"
    link.symlink_to(outside)
    os.utime(link, (old, old), follow_symlinks=False)

    again = run_cli(*baseline)
    assert again.returncode == 0 and "reused" in again.stdout, again.stderr
    assert not any(p.exists() for p in stale)
    assert fresh.exists() and link.is_symlink() and outside.read_text() == "not aisci's"
