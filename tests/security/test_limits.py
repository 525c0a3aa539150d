"""Limits hold, nothing outlives a run in any mode, and claims are measured (attacks 6-8)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid

import pytest

from aisci.execution.sandbox import bwrap_problem
from tests.security.conftest import REPO, Runner, alive, hostile_template, needs_bwrap


@needs_bwrap
def test_default_limits_stop_a_runaway_run(runner):
    experiment = (
        "import subprocess\n"
        "res = {'spawned': 0}\n"
        "procs = []\n"
        "try:\n"
        "    for _ in range(400):\n"
        "        procs.append(subprocess.Popen(['sleep', '30'])); res['spawned'] += 1\n"
        "except OSError as e:\n"
        "    res['spawn_error'] = type(e).__name__\n"
        "for p in procs:\n"
        "    p.kill(); p.wait()\n"
        "try:\n"
        "    block = bytearray(12 << 30); res['memory'] = 'allowed'\n"
        "except MemoryError:\n"
        "    res['memory'] = 'MemoryError'\n"
        "json.dump(res, open(os.path.join(out, 'probe.json'), 'w'))\n"
        "chunk = 'y' * 1023 + '\\n'\n"
        "for _ in range(30 * 1024):\n"  # 30 MB on stdout
        "    sys.stdout.write(chunk)\n"
        "results()\n"
    )
    template = hostile_template(runner, "runaway", experiment)
    done = runner.baseline(template)
    assert done.returncode == 0, done.stderr
    folder = runner.folder(template)
    probe = json.loads((folder / "run_0" / "probe.json").read_text())
    assert probe["spawned"] < 400 and probe["spawn_error"] in ("BlockingIOError", "OSError")
    assert probe["memory"] == "MemoryError"
    log = folder / "run_0" / "stdout.log"
    assert log.stat().st_size < 11 << 20
    assert "this log reached its limit of 10 MB" in log.read_text()[-300:]
    limits = runner.state(template)["steps"]["run_0"]["boundary"]["limits"]
    declared = {k: limits[k] for k in ("processes", "memory_mb", "file_size_mb", "log_mb")}
    assert declared == {"processes": 256, "memory_mb": 8192, "file_size_mb": 2048, "log_mb": 10}
    assert limits["memory_scope"] in ("per run (cgroup v1)", "per run (cgroup v2)", "per process")


@needs_bwrap
def test_a_template_sets_its_own_file_size_limit(runner):
    experiment = "open(os.path.join(out, 'big.bin'), 'wb').write(b'0' * (8 << 20))\nresults()\n"
    template = hostile_template(
        runner, "bigfile", experiment, files={"aisci.json": '{"limits": {"file_size_mb": 2}}'}
    )
    done = runner.baseline(template)
    assert done.returncode == 1
    assert "larger than the 2 MB limit" in done.stderr
    assert (runner.folder(template) / "run_0" / "big.bin").stat().st_size <= 2 << 20


LINGER = (
    "import subprocess, time\n"
    "subprocess.Popen(['sleep', '300', TOKEN])\n"  # a background child
    "subprocess.Popen(['sh', '-c', 'sleep 301 ' + TOKEN], start_new_session=True)\n"  # one that left the group
    "open(os.path.join(out, 'spawned'), 'w').close()\n"
)


@pytest.mark.parametrize("mode", ["none", "auto"])
def test_no_process_outlives_a_run(runner, mode):
    if mode == "auto" and bwrap_problem() is not None:
        pytest.skip(f"bubblewrap cannot run here ({bwrap_problem()})")
    token = f"aisci-linger-{uuid.uuid4().hex}"
    template = hostile_template(runner, "linger", f"TOKEN = {token!r}\n" + LINGER + "results()\n")
    done = runner.baseline(template, "--sandbox", mode)
    assert done.returncode == 0, done.stderr
    assert alive(token) == []


def test_no_process_outlives_a_killed_aisci(tmp_path):
    """aisci itself is killed: the run's supervisor ends what the run started (--sandbox none;
    the sandbox's PID namespace dies with aisci the same way)."""
    runner = Runner("user", tmp_path)
    token = f"aisci-orphan-{uuid.uuid4().hex}"
    template = hostile_template(
        runner, "orphan", f"TOKEN = {token!r}\n" + LINGER + "time.sleep(300)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / "server"), "HOME": str(runner.scratch / "home")}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aisci",
            "baseline",
            str(template),
            "--scale",
            "smoke",
            "--sandbox",
            "none",
            "--results",
            str(runner.scratch / "results"),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    spawned = runner.folder(template) / "run_0" / "spawned"
    deadline = time.monotonic() + 60
    while not spawned.exists():
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 15
    while alive(token) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert alive(token) == []


def test_auto_without_bubblewrap_stops_before_any_work(runner):
    template = hostile_template(runner, "nobwrap", "results()\n")
    done = runner.baseline(template, env={"PATH": "/nonexistent"})
    assert done.returncode == 1
    assert "Cannot isolate experiment code: bubblewrap (bwrap) is not installed" in done.stderr
    assert "--sandbox none" in done.stderr
    assert not (runner.folder(template) / "run_0").exists()


@needs_bwrap
def test_doctor_reports_what_the_probes_measured(runner):
    enforced = runner.cli("doctor", "--offline")
    lines = [line for line in enforced.stdout.splitlines() if "boundary" in line]
    names = {
        "sandbox",
        "network",
        "writes",
        "links",
        "capabilities",
        "devices",
        "sockets",
        "environment",
        "limits",
        "leftovers",
        "memory",
        "namespace",
        "keyring",
        "syscalls",
    }
    assert {line.split()[2] for line in lines} == names
    # The memory bound is per run only where aisci can make a cgroup (as root here, not as nobody).
    from aisci.execution import cgroups

    per_run = runner.user == "root" and cgroups.detect().kind is not None
    memory = next(line for line in lines if line.split()[2] == "memory")
    assert memory.startswith("ok  " if per_run else "FAIL"), memory
    assert ("per run (cgroup" if per_run else "per process:") in memory
    lines.remove(memory)
    assert all(line.startswith("ok") and "enforced:" in line for line in lines), enforced.stdout
    bare = runner.cli("doctor", "--offline", "--sandbox", "none")
    failed = {
        line.split()[2]
        for line in bare.stdout.splitlines()
        if line.startswith("FAIL") and "boundary" in line
    }
    assert {"sandbox", "network", "writes", "sockets"} <= failed
    assert {"namespace", "keyring", "syscalls"} <= failed
