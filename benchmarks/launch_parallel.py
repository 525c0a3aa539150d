"""Wall time of a 2-idea launch with --parallel 1 and with --parallel 2, and the speed-up.

    .venv/bin/python benchmarks/launch_parallel.py                      # grokking, smoke, 1 run per idea
    .venv/bin/python benchmarks/launch_parallel.py --max-runs 2 --template templates/grokking

The sweep scientist decides (no model is needed, and none is called), so what is timed is the
pipeline itself: the two ideas' experiment runs, their plots and bookkeeping, through the real
CLI (``python -m aisci launch``). The baseline is run once beforehand and copied into each
launch's results folder, so neither timing includes it. The paper stages are off
(``--writeup none``) and so is the novelty check. The load average before and after each launch
is printed: on a shared machine, compare runs made under a similar load.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def aisci(*args: str, cwd: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "server")}
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "aisci", *args], cwd=cwd, env=env, capture_output=True, text=True
    )
    seconds = time.monotonic() - start
    if done.returncode != 0:
        sys.exit(
            f"aisci {' '.join(args[:1])} failed (exit {done.returncode}):\n{done.stderr[-3000:]}"
        )
    return seconds


def load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--template", type=Path, default=ROOT / "templates" / "grokking")
    parser.add_argument("--scale", default="smoke")
    parser.add_argument("--max-runs", type=int, default=1, help="runs per idea (default 1)")
    args = parser.parse_args()
    template = args.template.resolve()
    name = template.name
    with tempfile.TemporaryDirectory(prefix="aisci-parallel-") as tmp:
        work = Path(tmp)
        seconds = aisci(
            "baseline",
            str(template),
            "--scale",
            args.scale,
            "--results",
            str(work / "base"),
            cwd=work,
        )
        print(f"baseline of {name} at scale {args.scale}: {seconds:.1f} s (not counted below)")
        timings = {}
        for parallel in (1, 2):
            results = work / f"p{parallel}"
            shutil.copytree(work / "base", results)
            before = load()
            timings[parallel] = aisci(
                "launch",
                "--template",
                str(template),
                "--scientist",
                "sweep",
                "--scale",
                args.scale,
                "--num-ideas",
                "2",
                "--max-runs",
                str(args.max_runs),
                "--skip-novelty-check",
                "--writeup",
                "none",
                "--engine",
                "local",
                "--parallel",
                str(parallel),
                "--results",
                str(results),
                cwd=work,
            )
            runs = len(list((results / name).glob("*_*/run_[1-9]/final_info.json")))
            print(
                f"--parallel {parallel}: {timings[parallel]:.1f} s for 2 ideas, {runs} runs "
                f"(load average before {before}, after {load()})"
            )
    print(
        f"speed-up of --parallel 2: {timings[1] / timings[2]:.2f}x "
        f"({os.cpu_count()} CPUs, {platform.machine()}, {platform.python_version()})"
    )


if __name__ == "__main__":
    main()
