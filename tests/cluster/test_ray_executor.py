"""Launches with --executor ray on a real 2-worker cluster on 127.0.0.1 (issue 14)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cluster.conftest import free_port
from tests.helpers import make_template

SECRET = "sk-aisci-cluster-test-0123456789abcdef"


def slow_template(parent: Path, name: str, seconds: float) -> Path:
    """The scaffold, each run taking at least ``seconds`` (so runs overlap, and can be interrupted)."""
    template = make_template(parent, name)
    source = (template / "experiment.py").read_text()
    source = source.replace(
        "    runs = [run_seed(cfg, seed) for seed in range(cfg.seeds)]",
        f"    time.sleep({seconds})\n    runs = [run_seed(cfg, seed) for seed in range(cfg.seeds)]",
    )
    (template / "experiment.py").write_text(source)
    return template


def launch_args(cluster, template: Path, results: Path, *extra: str) -> list[str]:
    return [
        "launch",
        "--template",
        str(template),
        "--scale",
        "smoke",
        "--engine",
        "local",
        "--results",
        str(results),
        "--executor",
        "ray",
        "--ray-address",
        cluster.address,
        *extra,
    ]


def idea_folders(results: Path, template: str) -> list[Path]:
    return sorted(
        p
        for p in (results / template).iterdir()
        if p.is_dir() and re.match(r"\d{8}_\d{6}_", p.name)
    )


def runs_of(folder: Path) -> dict[str, dict]:
    steps = json.loads((folder / "state.json").read_text())["steps"]
    return {k: v for k, v in steps.items() if re.fullmatch(r"run_\d+", k)}


def test_a_sweep_launch_runs_on_both_nodes_and_its_papers_check_clean(cluster, tmp_path):
    template = slow_template(cluster.scratch, "spread", 2.0)
    results = cluster.scratch / "results-spread"
    done = cluster.cli(
        *launch_args(
            cluster, template, results, "--num-ideas", "2", "--parallel", "2", "--max-runs", "2"
        ),
        env={"OPENAI_API_KEY": SECRET},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    ids = cluster.node_ids()
    workers = {ids["node_b"][:8], ids["node_c"][:8]}
    seen = set()
    folders = idea_folders(results, "spread")
    assert len(folders) == 2
    for folder in folders:
        for run, step in runs_of(folder).items():
            assert step["status"] == "done" and step["node"].startswith("node "), (run, step)
            seen.add(step["node"].split()[1])
        assert list(folder.glob("*.pdf")), f"no paper in {folder}"
        check = cluster.cli("check", str(folder))
        assert check.returncode == 0, check.stdout + check.stderr
    assert seen == workers  # runs landed on both workers, none on the head
    assert "running on node" in done.stderr
    # Keys stay on the driver: nothing of the driver's environment reaches the cluster's logs.
    for path in Path(cluster.env["RAY_TMPDIR"]).rglob("*"):
        if path.is_file() and not path.is_symlink() and path.stat().st_size < 50 << 20:
            assert SECRET.encode() not in path.read_bytes(), path


def test_a_node_without_the_data_set_fails_the_run_at_once(cluster):
    template = make_template(cluster.scratch, "needsdata")
    (template / "aisci.json").write_text('{"data": ["no_such_set"]}')
    done = cluster.cli(
        "baseline",
        str(template),
        "--scale",
        "smoke",
        "--results",
        str(cluster.scratch / "r-data"),
        "--executor",
        "ray",
        "--ray-address",
        cluster.address,
    )
    assert done.returncode == 1
    assert re.search(
        r"data set no_such_set is not on node \w{8} \(.*\): run make data there", done.stderr
    ), done.stderr


def test_with_shared_results_a_run_writes_in_place(cluster):
    template = make_template(cluster.scratch, "shared")
    results = cluster.scratch / "r-shared"
    done = cluster.cli(
        "baseline",
        str(template),
        "--scale",
        "smoke",
        "--results",
        str(results),
        "--executor",
        "ray",
        "--ray-address",
        cluster.address,
        "--shared-results",
    )
    assert done.returncode == 0, done.stderr[-3000:]
    folder = results / "shared" / "baseline_smoke"
    step = json.loads((folder / "state.json").read_text())["steps"]["run_0"]
    assert step["node"].startswith("node ") and step["boundary"]["writable"] == [
        str(folder / "run_0")
    ]
    assert not list(folder.glob(".run_0.incoming*"))


def _launch_until(
    cluster, args: list[str], pattern: str, timeout: float = 240
) -> tuple[subprocess.Popen, str]:
    """Start a launch and read its stderr until a line matches ``pattern``; returns the match."""
    proc = subprocess.Popen(
        cluster.argv(sys.executable, "-m", "aisci", *args),
        cwd=cluster.scratch,
        env=cluster.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + timeout
    seen = []
    for line in proc.stderr:
        seen.append(line)
        found = re.search(pattern, line)
        if found:
            return proc, found.group(1)
        assert time.monotonic() < deadline, "".join(seen[-30:])
    raise AssertionError("the launch ended before: " + "".join(seen[-30:]))


def test_a_killed_driver_resumes_without_repeating_a_finished_run(cluster):
    template = slow_template(cluster.scratch, "resumed", 4.0)
    results = cluster.scratch / "results-resumed"
    args = launch_args(
        cluster, template, results, "--num-ideas", "1", "--max-runs", "2", "--writeup", "none"
    )
    proc, _ = _launch_until(cluster, args, r"(run_2) running on node")
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    folder = idea_folders(results, "resumed")[0]
    assert runs_of(folder)["run_1"]["status"] == "done" and "run_2" not in runs_of(folder)
    first = (folder / "run_1" / "final_info.json").stat().st_mtime_ns
    done = cluster.cli(*args, "--resume")
    assert done.returncode == 0, done.stderr[-3000:]
    assert (folder / "run_1" / "final_info.json").stat().st_mtime_ns == first
    assert "run_1 started" not in done.stderr and runs_of(folder)["run_2"]["status"] == "done"


def test_a_worker_that_dies_mid_run_is_retried_on_another(cluster):
    """Last in this module: it leaves the cluster with one worker."""
    template = slow_template(cluster.scratch, "survivor", 20.0)
    results = cluster.scratch / "results-survivor"
    args = launch_args(
        cluster, template, results, "--num-ideas", "1", "--max-runs", "1", "--writeup", "none"
    )
    proc, node = _launch_until(cluster, args, r"run_1 running on node (\w{8})")
    ids = cluster.node_ids()
    victim = next(name for name, nid in ids.items() if nid.startswith(node))
    cluster.nodes[victim].kill()
    rest = proc.stderr.read()
    assert proc.wait(timeout=300) == 0, rest[-3000:]
    step = runs_of(idea_folders(results, "survivor")[0])["run_1"]
    assert step["status"] == "done" and not step["node"].startswith(f"node {node}")


def test_an_unreachable_cluster_fails_fast_before_any_work(tmp_path):
    pytest.importorskip("ray", reason="Ray is not installed (make test installs it)")
    template = make_template(tmp_path, "nowhere")
    port = free_port()
    start = time.monotonic()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "aisci",
            "launch",
            "--template",
            str(template),
            "--scale",
            "smoke",
            "--results",
            str(tmp_path / "results"),
            "--executor",
            "ray",
            "--ray-address",
            f"127.0.0.1:{port}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "server")},
    )
    assert done.returncode == 1
    assert f"Cannot reach the Ray cluster at 127.0.0.1:{port}" in done.stderr
    assert "--executor local" in done.stderr
    assert time.monotonic() - start < 30
    assert not (tmp_path / "results" / "nowhere").exists()
