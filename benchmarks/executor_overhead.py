"""What sending runs to Ray costs, on one machine.

    .venv/bin/python benchmarks/executor_overhead.py [--template templates/grokking] [--dispatch-runs 10]

1. Starts a private one-node Ray cluster on 127.0.0.1 (``ray start --head``, in its own session,
   ended at the end), so its start-up is not counted. As root, the cluster and both launches run
   in a network namespace of their own with only loopback (Ray would otherwise advertise the
   machine's interface address), so no traffic leaves 127.0.0.1.
2. Runs the same smoke launch twice, with ``--executor local`` and ``--executor ray`` (the sweep
   scientist, 2 ideas of 2 runs each: 4 runs plus the baseline, no write-up), and prints both wall
   times and their ratio (target, issue 14: at most 1.15).
3. Times one trivial run (it writes final_info.json and exits) through ``LocalExecutor`` and
   through ``RayExecutor``, alternating, and prints the median difference: the dispatch overhead
   of one run (target: at most 0.5 s).
Prints the machine's load average before and after, since both figures move with it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "server"))

from aisci.execution.executor import ExecutorSettings, LocalExecutor, RunSpec  # noqa: E402 - after the path

TRIVIAL = (
    "import argparse, json, os\n"
    "p = argparse.ArgumentParser(); p.add_argument('--out_dir'); out = p.parse_args().out_dir\n"
    "json.dump({'d': {'means': {'acc': 1.0}}}, open(os.path.join(out, 'final_info.json'), 'w'))\n"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def in_own_netns() -> int | None:
    """As root, run this script again inside a new network namespace with only loopback; its exit
    status, or None when that is not possible here (then it runs where it is)."""
    if os.environ.get("AISCI_BENCH_NETNS") or os.geteuid() != 0 or not shutil.which("ip"):
        return None
    name = f"aisci-bench-{os.getpid()}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        subprocess.run(["ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"], check=True)
        return subprocess.run(
            ["ip", "netns", "exec", name, sys.executable, *sys.argv],
            env={**os.environ, "AISCI_BENCH_NETNS": name},
        ).returncode
    finally:
        subprocess.run(["ip", "netns", "del", name], check=False)


def start_head(scratch: Path, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    log = scratch / "head.log"
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("ray")),
            "start",
            "--head",
            "--block",
            "--node-ip-address",
            "127.0.0.1",
            "--port",
            str(port),
            "--num-cpus",
            "2",
            "--include-dashboard",
            "false",
        ],
        env=env,
        stdout=open(log, "w"),  # noqa: SIM115 - open while the launch runs; closed at exit
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    while "Ray runtime started" not in log.read_text():
        if proc.poll() is not None:
            raise SystemExit(log.read_text())
        time.sleep(0.1)
    return proc, f"127.0.0.1:{port}"


def launch(template: str, results: Path, executor: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "aisci",
            "launch",
            "--template",
            template,
            "--scale",
            "smoke",
            "--scientist",
            "sweep",
            "--engine",
            "local",
            "--num-ideas",
            "2",
            "--max-runs",
            "2",
            "--writeup",
            "none",
            "--results",
            str(results),
            *executor,
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"launch {executor} failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--template", default=str(REPO / "templates" / "grokking"))
    parser.add_argument("--dispatch-runs", type=int, default=10)
    args = parser.parse_args()
    status = in_own_netns()
    if status is not None:
        return status
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory(prefix="aisci-bench-") as tmp:
        scratch = Path(tmp)
        env = {
            **os.environ,
            "RAY_USAGE_STATS_ENABLED": "0",
            "RAY_TMPDIR": str(scratch / "ray"),
            "PYTHONPATH": str(REPO / "server"),
        }
        os.environ.update(RAY_USAGE_STATS_ENABLED="0", RAY_TMPDIR=str(scratch / "ray"))
        head, address = start_head(scratch, env)
        try:
            local_s = launch(args.template, scratch / "local", [], env)
            ray_s = launch(
                args.template, scratch / "ray", ["--executor", "ray", "--ray-address", address], env
            )
            print(
                f"4-run smoke launch: local {local_s:.1f} s, ray {ray_s:.1f} s, ratio {ray_s / local_s:.3f} "
                "(target <= 1.15)"
            )
            from aisci.execution.ray_executor import RayExecutor

            remote = RayExecutor(ExecutorSettings(kind="ray", ray_address=address))
            local = LocalExecutor()
            folder = scratch / "trivial"
            folder.mkdir()
            (folder / "experiment.py").write_text(TRIVIAL)
            remote.run(
                RunSpec(folder, 1, 60)
            )  # the first task starts a worker process: not counted
            times: dict[str, list[float]] = {"local": [], "ray": []}
            for _ in range(args.dispatch_runs):
                for name, executor in (("local", local), ("ray", remote)):
                    start = time.perf_counter()
                    result = executor.run(RunSpec(folder, 1, 60))
                    times[name].append(time.perf_counter() - start)
                    assert result.ok, result.summary()
            med = {k: statistics.median(v) for k, v in times.items()}
            print(
                f"one trivial run: local median {med['local'] * 1000:.0f} ms, ray median {med['ray'] * 1000:.0f} ms; "
                f"dispatch overhead {(med['ray'] - med['local']) * 1000:.0f} ms per run (target <= 500 ms)"
            )
            remote.close()
        finally:
            os.killpg(head.pid, signal.SIGKILL)
            head.wait()
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
