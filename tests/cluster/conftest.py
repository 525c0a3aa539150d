"""A real Ray cluster on 127.0.0.1: a head node that runs no experiments, and two workers.

Each node is a ``ray start --block`` in its own session (``setsid``), with a custom resource
naming it and a RAY_TMPDIR inside the test's scratch folder; teardown kills exactly those
sessions (never ``ray stop``, which would end every Ray process of the machine).

Ray replaces 127.0.0.1 by the machine's own interface address wherever it can find one, so
the nodes, and every command the tests run against them, live in a network namespace made for
the module that has only a loopback interface: no traffic can leave 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RAY = Path(sys.executable).with_name("ray")

try:
    import ray  # noqa: F401 - only whether it is installed

    RAY_PROBLEM = None if RAY.exists() else f"{RAY} is missing"
except ImportError:
    RAY_PROBLEM = "Ray is not installed (make test installs it: pip install -e '.[dev,ray]')"
if RAY_PROBLEM is None and (os.geteuid() != 0 or shutil.which("ip") is None):
    RAY_PROBLEM = (
        "the cluster tests run in a network namespace of their own (only loopback), which needs root "
        "and iproute2's ip; CI runs as root"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Node:
    name: str
    proc: subprocess.Popen
    log: Path

    def kill(self) -> None:
        try:
            os.killpg(
                self.proc.pid, signal.SIGKILL
            )  # the session of `ray start` and all it started
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=30)


@dataclass
class Cluster:
    address: str
    env: dict[str, str]
    scratch: Path
    netns: str
    nodes: dict[str, Node] = field(default_factory=dict)

    def argv(self, *command: str) -> list[str]:
        return ["ip", "netns", "exec", self.netns, *command]

    def node_ids(self) -> dict[str, str]:
        """custom resource name -> node id, asked of the cluster by a short driver."""
        code = (
            f"import json, ray; ray.init(address={self.address!r}, _node_ip_address='127.0.0.1', log_to_driver=False); "
            "print(json.dumps({k: n['NodeID'] for n in ray.nodes() if n['Alive'] "
            "for k in n['Resources'] if k.startswith('node_')}))"
        )
        out = subprocess.run(
            self.argv(sys.executable, "-c", code),
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout.strip().splitlines()[-1])

    def cli(
        self, *args: str, env: dict[str, str] | None = None, timeout: float = 600
    ) -> subprocess.CompletedProcess:
        return subprocess.run(
            self.argv(sys.executable, "-m", "aisci", *args),
            cwd=self.scratch,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
        )


def _start(cluster: Cluster, name: str, args: list[str]) -> Node:
    log = cluster.scratch / f"{name}.log"
    proc = subprocess.Popen(
        cluster.argv(
            str(RAY),
            "start",
            "--block",
            "--node-ip-address",
            "127.0.0.1",
            *args,
            "--resources",
            json.dumps({name: 1}),
        ),
        env=cluster.env,
        stdout=open(log, "w"),  # noqa: SIM115 - open while the driver runs; closed at exit
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 90
    while "Ray runtime started" not in log.read_text():
        assert proc.poll() is None, log.read_text()[-2000:]
        assert time.monotonic() < deadline, f"{name} did not start: {log.read_text()[-2000:]}"
        time.sleep(0.1)
    return Node(name, proc, log)


def _wait_for_nodes(cluster: Cluster, count: int) -> None:
    deadline = time.monotonic() + 60
    while len(cluster.node_ids()) < count:
        assert time.monotonic() < deadline, "the cluster's nodes did not all register"


@pytest.fixture(scope="module")
def cluster():
    if RAY_PROBLEM:
        pytest.skip(RAY_PROBLEM)
    scratch = Path(tempfile.mkdtemp(prefix="aisci-ray-"))
    port = free_port()
    env = {
        **os.environ,
        "RAY_USAGE_STATS_ENABLED": "0",
        "RAY_TMPDIR": str(scratch / "ray"),
        "PYTHONPATH": str(REPO / "server"),
        "HOME": str(scratch / "home"),
    }
    (scratch / "home").mkdir()
    netns = f"aisci-{uuid.uuid4().hex[:8]}"
    subprocess.run(["ip", "netns", "add", netns], check=True)
    made = Cluster(f"127.0.0.1:{port}", env, scratch, netns)
    try:
        subprocess.run(made.argv("ip", "link", "set", "lo", "up"), check=True)
        made.nodes["node_a"] = _start(
            made,
            "node_a",
            ["--head", "--port", str(port), "--num-cpus", "0", "--include-dashboard", "false"],
        )
        for name in ("node_b", "node_c"):
            made.nodes[name] = _start(made, name, ["--address", made.address, "--num-cpus", "1"])
        _wait_for_nodes(made, 3)
        yield made
    finally:
        for node in made.nodes.values():
            node.kill()
        subprocess.run(["ip", "netns", "del", netns], check=False)
        shutil.rmtree(scratch, ignore_errors=True)
