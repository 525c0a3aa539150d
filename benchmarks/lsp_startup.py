"""How fast ``aisci lsp`` answers ``initialize``: from starting the process to the response.

    .venv/bin/python benchmarks/lsp_startup.py [--runs 10] [--workspace DIR]

Each run starts a fresh server (``python -m aisci lsp``), writes one ``initialize`` request
to its stdin at once, and times until the whole response has been read from its stdout; then
it sends ``shutdown``/``exit``. Prints every time, the median, and the CPU time the server
had used when it answered (user + system, from /proc), which does not depend on how busy
the machine is. The target (issue #8) is a median of at most 1 s on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def frame(message: dict) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


def read_frame(stream) -> dict:
    length = None
    while True:
        line = stream.readline()
        if not line:
            raise RuntimeError("the server closed stdout before answering initialize")
        if line == b"\r\n":
            break
        if line.startswith(b"Content-Length: "):
            length = int(line.split(b":")[1])
    return json.loads(stream.read(length))


def cpu_seconds(pid: int) -> float:
    """user + system CPU time of a live process so far (from /proc, Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def one_run(workspace: Path) -> tuple[float, float]:
    """(seconds to the initialize response, CPU seconds the server had used by then)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "aisci", "lsp"],
        cwd=workspace,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    proc.stdin.write(
        frame(
            {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "initialize",
                "params": {
                    "processId": os.getpid(),
                    "rootUri": workspace.as_uri(),
                    "capabilities": {},
                    "initializationOptions": {"aiScientist": {"scale": "smoke"}},
                },
            }
        )
    )
    proc.stdin.flush()
    while True:
        message = read_frame(proc.stdout)
        if message.get("id") == 1:
            break
    elapsed = time.perf_counter() - start
    cpu = cpu_seconds(proc.pid)
    if "result" not in message:
        raise RuntimeError(f"initialize failed: {message}")
    proc.stdin.write(
        frame({"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
        + frame({"jsonrpc": "2.0", "method": "exit"})
    )
    proc.stdin.close()
    proc.stdout.read()
    proc.wait(timeout=30)
    return elapsed, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument(
        "--workspace",
        type=Path,
        default=None,
        help="workspace root (default: an empty temp folder)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workspace = (args.workspace or Path(tmp)).resolve()
        one_run(workspace)  # warm the file cache and the .pyc files; not counted
        times, cpus = zip(*(one_run(workspace) for _ in range(args.runs)), strict=False)
    load = os.getloadavg()[0]
    print("initialize answered after: " + ", ".join(f"{t:.3f}" for t in times) + " s")
    print(
        f"median {statistics.median(times):.3f} s (min {min(times):.3f}, max {max(times):.3f}) "
        f"over {args.runs} runs; "
        f"CPU time the server had used when it answered: median {statistics.median(cpus):.3f} s "
        f"(about the wall time on an idle machine: start-up is one thread)"
    )
    print(
        f"machine: {os.cpu_count()} cores, load average {load:.2f} at the end, Python {sys.version.split()[0]}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
