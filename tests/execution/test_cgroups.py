"""cgroups.py: detection against fake cgroup trees, and real groups where this machine has them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from aisci.execution import cgroups
from aisci.execution.boundary import Boundary
from aisci.execution.sandbox import wrap

PID = 4242
HYBRID = "9:name=systemd:/\n8:pids:/\n7:blkio:/\n4:memory:/process_api/abc\n1:cpu:/\n0::/\n"


def _files(folder: Path, **files: str) -> None:
    """Kernel files as plain files: ``cgroup_procs`` is written as ``cgroup.procs``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name.replace("_", ".", 1)).write_text(text)


def _hybrid(root: Path, listed: bool = True) -> None:
    procs = f"1\n{PID}\n" if listed else "1\n"
    _files(
        root / "memory" / "process_api" / "abc",
        memory_limit_in_bytes="9223372036854771712\n",
        cgroup_procs=procs,
    )
    _files(root / "pids", cgroup_procs=f"1\n{PID}\n")
    _files(root / "unified", cgroup_controllers="\n", cgroup_procs="")


def test_proc_cgroup_is_parsed_per_controller():
    found = cgroups.parse_proc_cgroup(HYBRID + "3:cpu,cpuacct:/x\n")
    assert found["memory"] == "/process_api/abc"
    assert found["pids"] == "/" and found[""] == "/"
    assert found["cpuacct"] == "/x" and "name=systemd" in found


def test_a_hybrid_host_uses_v1_below_the_process_own_group(tmp_path):
    _hybrid(tmp_path)
    support = cgroups.detect(tmp_path, HYBRID, pid=PID)
    assert support.kind == "v1" and support.scope == "per run (cgroup v1)"
    assert support.memory == tmp_path / "memory" / "process_api" / "abc"
    assert support.pids == tmp_path / "pids"


def test_a_process_not_in_the_folder_it_names_gets_no_group(tmp_path):
    _hybrid(tmp_path, listed=False)
    support = cgroups.detect(tmp_path, HYBRID, pid=PID)
    assert support.kind is None and support.scope == "per process"
    assert "not listed" in support.why and "no memory controller" in support.why


def test_a_delegated_v2_folder_is_used(tmp_path):
    (tmp_path / "cgroup.controllers").write_text("cpu memory pids\n")
    me = tmp_path / "user.slice" / "user-1000.slice" / "app.scope"
    _files(me, cgroup_controllers="memory pids\n", cgroup_procs=f"{PID}\n")
    (me / "cgroup.subtree_control").write_text("\n")
    support = cgroups.detect(tmp_path, "0::/user.slice/user-1000.slice/app.scope\n", pid=PID)
    assert (support.kind, support.memory, support.pids) == ("v2", me, None)


def test_v2_without_the_memory_controller_falls_back_to_none(tmp_path):
    (tmp_path / "cgroup.controllers").write_text("cpu pids\n")
    _files(tmp_path / "svc", cgroup_controllers="pids\n", cgroup_procs=f"{PID}\n")
    support = cgroups.detect(tmp_path, "0::/svc\n", pid=PID)
    assert support.kind is None
    assert "offers no memory controller" in support.why


def test_a_group_that_cannot_be_made_leaves_nothing_and_says_per_process(tmp_path):
    # A plain folder is not a cgroup: its limit files do not appear when a group is made.
    _hybrid(tmp_path)
    support = cgroups.detect(tmp_path, HYBRID, pid=PID)
    confine = cgroups.for_run(256, 64, support)
    assert confine.scope == "per process" and "could not make a cgroup" in confine.why
    assert confine.command(["true"]) == ["true"]
    assert [p.name for p in support.memory.iterdir() if p.is_dir()] == []
    assert confine.finish() == {"memory_scope": "per process"}


def test_describe_says_which_bound_held():
    base = {"processes": 8, "memory_mb": 512, "file_size_mb": 1}
    per_run = Boundary(
        "bwrap", "nobody", "none", (), (), (), {**base, "memory_scope": "per run (cgroup v1)"}
    )
    assert "at most 512 MB of memory per run" in per_run.describe()
    for old in (base, {**base, "memory_scope": "per process"}):
        text = Boundary("bwrap", "nobody", "none", (), (), (), old).describe()
        assert "512 MB of memory per process" in text and "per run" not in text


def test_each_private_tmpfs_has_a_size(tmp_path):
    argv = wrap(["true"], tmp_path, python="/usr/bin/python3", writable=(), tmpfs_mb=256)
    for mount in ("/tmp", "/var/tmp", "/dev/shm"):
        i = argv.index(mount, argv.index("--tmpfs") - 1)
        while argv[i - 1] != "--tmpfs":
            i = argv.index(mount, i + 1)
        assert argv[i - 3 : i - 1] == ["--size", str(256 << 20)], mount


REAL = cgroups.detect()
needs_cgroup = pytest.mark.skipif(REAL.kind is None, reason=f"no cgroup here: {REAL.why}")


@needs_cgroup
def test_a_real_group_holds_the_process_from_its_first_instruction():
    confine = cgroups.for_run(64, 16)
    assert confine.scope == REAL.scope
    group = confine.folders[0]
    proc = subprocess.Popen(
        confine.command(["cat", "/proc/self/cgroup"]), stdin=confine.stdin, stdout=subprocess.PIPE
    )
    confine.started(proc)
    out, _ = proc.communicate(timeout=30)
    found = confine.finish()
    assert group.name in out.decode()
    assert found["memory_scope"] == REAL.scope and found["oom_kills"] == 0
    assert not group.exists()


@needs_cgroup
def test_finish_kills_what_is_left_and_removes_the_group():
    confine = cgroups.for_run(64, 16)
    group = confine.folders[0]
    # The shell leaves a detached sleep behind and exits: only the group still knows it.
    proc = subprocess.Popen(
        confine.command(["sh", "-c", "setsid sleep 300 >/dev/null 2>&1 & echo $!"]),
        stdin=confine.stdin,
        stdout=subprocess.PIPE,
        start_new_session=True,
    )
    confine.started(proc)
    left = int(proc.communicate(timeout=30)[0])
    assert str(left) in (group / "cgroup.procs").read_text().split()
    confine.finish()
    assert not group.exists()
    stat = Path(f"/proc/{left}/stat")
    assert not stat.exists() or stat.read_text().split(")")[1].split()[0] == "Z"


@needs_cgroup
def test_the_kernel_stops_a_run_past_its_limit_and_it_is_counted():
    confine = cgroups.for_run(64, 16)
    code = "b = bytearray(200 << 20)\nfor i in range(0, len(b), 4096): b[i] = 1\n"
    proc = subprocess.Popen(
        confine.command(["python3", "-c", code]), stdin=confine.stdin, stderr=subprocess.DEVNULL
    )
    confine.started(proc)
    assert proc.wait(timeout=60) == -9
    found = confine.finish()
    assert found["oom_kills"] >= 1 and found["peak_memory_mb"] <= 64


def test_the_gate_refuses_to_start_when_aisci_never_opens_it():
    confine = cgroups.Confinement(cgroups.Support("v1", "fake"), [Path("/nonexistent")], "fake")
    proc = subprocess.Popen(confine.command(["true"]), stdin=confine.stdin)
    assert proc.stdin is not None
    proc.stdin.close()  # aisci died or failed before letting it go
    assert proc.wait(timeout=30) == 125


def test_after_moving_itself_aisci_keeps_making_groups_beside_its_leaf(tmp_path):
    # v2: a folder with processes cannot delegate memory, so aisci moved into aisci-host.
    (tmp_path / "cgroup.controllers").write_text("memory pids\n")
    app = tmp_path / "app.scope"
    _files(
        app,
        cgroup_controllers="memory pids\n",
        cgroup_subtree_control="memory pids\n",
        cgroup_procs="",
    )
    _files(app / "aisci-host", cgroup_controllers="memory pids\n", cgroup_procs=f"{PID}\n")
    support = cgroups.detect(tmp_path, "0::/app.scope/aisci-host\n", pid=PID)
    assert (support.kind, support.memory) == ("v2", app)


@needs_cgroup
def test_groups_of_a_dead_aisci_are_swept():
    assert REAL.memory is not None
    dead = REAL.memory / "aisci-run-999999999-test"  # above any pid_max: that aisci is gone
    dead.mkdir()
    confine = cgroups.for_run(64, 16)
    try:
        assert not dead.exists() and confine.folders[0].exists()
    finally:
        confine.finish()
        if dead.exists():
            dead.rmdir()


LINGER = "import subprocess, time\nsubprocess.Popen(['sleep', '300'], start_new_session=True)\ntime.sleep(300)\n"


@needs_cgroup
def test_a_run_that_times_out_leaves_no_group(tmp_path):
    from aisci.execution.boundary import Limits
    from aisci.execution.runner import run_script

    assert REAL.memory is not None
    run = tmp_path / "run_1"
    run.mkdir()
    mine = f"aisci-run-{os.getpid()}-*"
    outcome = run_script(
        tmp_path,
        [sys.executable, "-c", LINGER],
        log_dir=run,
        timeout_s=1,
        sandbox="none",
        limits=Limits(memory_mb=64),
    )
    assert outcome.timed_out
    assert outcome.boundary.limits["memory_scope"] == REAL.scope
    assert list(REAL.memory.glob(mine)) == []
    assert REAL.pids is None or list(REAL.pids.glob(mine)) == []
