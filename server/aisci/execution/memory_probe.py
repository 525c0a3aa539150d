"""Measure which memory bound a run really has: per run (a cgroup) or only per process.

A probe run with a small limit (96 MB) starts three children that each touch 48 MB and hold it
until all three have it (144 MB at once), and, in the sandbox, a fourth that writes 128 MB into
/dev/shm. Where the bound is per run, the kernel stops one of them; where it is per process,
all three hold their memory, and only the tmpfs's size stops /dev/shm. ``aisci doctor`` prints
the result beside the other properties of the boundary (``probes.py``).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from aisci.errors import AisciError
from aisci.execution import safefs
from aisci.execution.boundary import Limits
from aisci.execution.runner import run_script

LIMIT_MB = 96
_PROBE = r"""
import json, os, sys, time
spec = json.loads(sys.argv[1])
def child(work):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        work(w)
        os._exit(0)
    os.close(w)
    return pid, r
def hold(w):
    block = bytearray(spec["child_mb"] << 20)
    for i in range(0, len(block), 4096):
        block[i] = 1
    os.write(w, b"1")
    time.sleep(2)  # all three hold their memory at the same time
def fill(w):
    chunk = b"x" * (1 << 20)
    try:
        with open(spec["shm"], "wb") as f:
            for _ in range(spec["shm_mb"]):
                f.write(chunk); f.flush(); os.write(w, b"1")
    except OSError:
        pass
kids = [child(hold) for _ in range(3)]
held = sum(len(os.read(r, 1)) for _, r in kids)
killed = sum(os.waitpid(pid, 0)[1] != 0 for pid, _ in kids)
print(json.dumps({"held": held, "killed": killed}), flush=True)
if spec["shm"]:  # tmpfs pages belong to no process: past a per-run limit, the whole run goes
    pid, r = child(fill)
    shm = 0
    while os.read(r, 1):
        shm += 1
    os.waitpid(pid, 0)
    print(json.dumps({"shm_mb": shm}), flush=True)
"""


def probe_memory(sandbox: str, python: str | None = None) -> tuple[bool, str]:
    """(whether the memory limit held per run, what was seen), from a real probe run."""
    with tempfile.TemporaryDirectory(prefix="aisci-memprobe-") as scratch:
        folder = Path(scratch) / "idea"
        run = folder / "run_1"
        run.mkdir(parents=True)
        (folder / "probe.py").write_text(_PROBE, encoding="utf-8")
        shm = "/dev/shm/aisci-probe" if sandbox != "none" else None  # never the host's /dev/shm
        spec = {"child_mb": LIMIT_MB // 2, "shm_mb": LIMIT_MB + 32, "shm": shm}
        outcome = run_script(
            folder,
            [python or sys.executable, "probe.py", json.dumps(spec)],
            log_dir=run,
            timeout_s=60,
            sandbox=sandbox,
            writable=(run,),
            limits=Limits(memory_mb=LIMIT_MB),
        )
        lines = safefs.read_text(run / "stdout.log", root=folder, errors="replace").splitlines()
        kills = outcome.boundary.limits.get("oom_kills")
        if (outcome.exit_code != 0 and not kills) or not lines:
            err = safefs.read_tail(run / "stderr.log", 400, root=folder)
            raise AisciError(
                f"The memory probe did not run (exit {outcome.exit_code}): {err.strip()}",
                "Run aisci doctor --debug and report the output.",
            )
    seen = {k: v for line in lines for k, v in json.loads(line).items()}
    scope = str(outcome.boundary.limits.get("memory_scope", "per process"))
    together = f"{seen['held']} of 3 children could hold {spec['child_mb']} MB at the same time"
    detail = f"{scope}: under a {LIMIT_MB} MB limit, {together}"
    if kills:
        detail += f"; the kernel stopped {kills} process(es)"
    if shm and "shm_mb" not in seen:
        detail += f"; writing {spec['shm_mb']} MB into /dev/shm, the run was stopped"
    elif shm:
        detail += f"; /dev/shm took {seen['shm_mb']} of {spec['shm_mb']} MB"
    per_run = scope.startswith("per run") and seen["held"] < 3
    return per_run, detail
