"""The runner with real subprocesses: results, failures, timeouts that kill every descendant."""

import json
import os
import threading
import uuid
from pathlib import Path

import pytest

from aisci.execution.runner import run_experiment
from tests.helpers import GOOD_RESULT, experiment_source


def folder_with(tmp_path: Path, body: str) -> Path:
    folder = tmp_path / "idea"
    folder.mkdir(exist_ok=True)
    (folder / "experiment.py").write_text(experiment_source(body))
    return folder


def alive_with_token(token: str) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if token.encode() in Path(f"/proc/{entry}/cmdline").read_bytes():
                    pids.append(int(entry))
            except OSError:
                pass
    return pids


@pytest.mark.parametrize("sandbox", ["none", "bwrap"])
def test_good_run(tmp_path, sandbox):
    folder = folder_with(tmp_path, "print('hello'); print('warn', file=sys.stderr)\n" + GOOD_RESULT)
    result = run_experiment(folder, 1, sandbox=sandbox, timeout_s=60)
    assert result.ok, result.summary()
    assert result.sandbox == sandbox
    assert result.final_info.means() == {"d": {"acc": 0.9}}
    assert (folder / "run_1.py").read_text() == (folder / "experiment.py").read_text()
    assert (folder / "run_1" / "stdout.log").read_text() == "hello\n"
    assert "warn" in result.stderr_tail


def test_crash_keeps_stderr_tail(tmp_path):
    folder = folder_with(
        tmp_path, "print('x' * 5000, file=sys.stderr)\nraise RuntimeError('CUDA out of memory')\n"
    )
    result = run_experiment(folder, 2, sandbox="none", timeout_s=60)
    assert not result.ok and result.exit_code == 1
    assert len(result.stderr_tail) == 1500
    assert "RuntimeError: CUDA out of memory" in result.stderr_tail
    assert "exited with status 1" in result.summary() and "CUDA out of memory" in result.summary()


@pytest.mark.parametrize(
    "body,expected",
    [
        ("pass\n", "final_info.json was not written"),
        (
            "open(os.path.join(args.out_dir, 'final_info.json'), 'w').write('{oops')\n",
            "not valid JSON",
        ),
        (
            "json.dump({'d': {'means': {'loss': float('nan')}}}, open(os.path.join(args.out_dir, 'final_info.json'), 'w'))\n",
            '"d".means."loss" is nan (not finite)',
        ),
        (
            "json.dump({'d': {'acc': 1}}, open(os.path.join(args.out_dir, 'final_info.json'), 'w'))\n",
            '"d" has no "means" object',
        ),
    ],
)
def test_bad_results_are_named(tmp_path, body, expected):
    result = run_experiment(folder_with(tmp_path, body), 1, sandbox="none", timeout_s=60)
    assert result.exit_code == 0 and not result.ok
    assert expected in result.error


@pytest.mark.parametrize("sandbox", ["none", "bwrap"])
def test_timeout_kills_grandchildren(tmp_path, sandbox):
    token = f"aisci-test-{uuid.uuid4().hex}"
    body = (
        "import subprocess\n"
        f"subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)', '{token}'])\n"
        f"subprocess.Popen(['sh', '-c', 'sleep 600; echo {token}'])\n"
        "open(os.path.join(args.out_dir, 'started'), 'w').close()\n"
        "time.sleep(600)\n"
    )
    folder = folder_with(tmp_path, body)
    result = run_experiment(folder, 1, sandbox=sandbox, timeout_s=8)
    assert result.timed_out and not result.ok
    assert (folder / "run_1" / "started").exists()
    assert "timed out after 8 s" in result.summary() and "--timeout" in result.summary()
    assert alive_with_token(token) == []


def test_cancel_stops_the_run(tmp_path):
    folder = folder_with(
        tmp_path, "open(os.path.join(args.out_dir, 'started'), 'w').close()\ntime.sleep(600)\n"
    )
    cancel = threading.Event()
    started = threading.Event()
    result_box = []
    thread = threading.Thread(
        target=lambda: result_box.append(
            run_experiment(
                folder,
                1,
                sandbox="none",
                timeout_s=600,
                cancel=cancel,
                on_start=lambda pid: started.set(),
            )
        )
    )
    thread.start()
    assert started.wait(30)
    cancel.set()
    thread.join(30)
    assert not thread.is_alive()
    assert result_box[0].cancelled


def test_scale_gpu_and_data_dir_reach_the_experiment(tmp_path, monkeypatch):
    monkeypatch.setenv("AISCI_DATA_DIR", str(tmp_path / "data"))
    body = GOOD_RESULT + (
        "open(os.path.join(args.out_dir, 'env.json'), 'w').write(json.dumps({k: os.environ.get(k) for k in "
        "('AISCI_SCALE', 'CUDA_VISIBLE_DEVICES', 'AISCI_DATA_DIR')}))\n"
    )
    folder = folder_with(tmp_path, body)
    assert run_experiment(folder, 1, sandbox="none", scale="smoke", gpu="3").ok
    env = json.loads((folder / "run_1" / "env.json").read_text())
    assert env == {
        "AISCI_SCALE": "smoke",
        "CUDA_VISIBLE_DEVICES": "3",
        "AISCI_DATA_DIR": str(tmp_path / "data"),
    }
