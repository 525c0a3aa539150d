"""What the run boundary costs: the start-up overhead of one run in the sandbox.

    .venv/bin/python benchmarks/sandbox_overhead.py [--runs 20]

Times ``run_experiment`` of a trivial experiment.py (it writes final_info.json and exits) with
``--sandbox bwrap`` and with ``--sandbox none``, alternating so that the machine's load falls
on both alike, and prints the median wall time of each and their difference: the overhead the
boundary adds per run (namespaces, mounts, the launcher that sets limits and drops the uid;
``none`` pays for its supervising launcher too). Target (issue #12): under 150 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))

from aisci.execution.runner import run_experiment

EXPERIMENT = (
    "import argparse, json, os\n"
    "p = argparse.ArgumentParser(); p.add_argument('--out_dir'); out = p.parse_args().out_dir\n"
    "json.dump({'d': {'means': {'acc': 1.0}}}, open(os.path.join(out, 'final_info.json'), 'w'))\n"
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    times: dict[str, list[float]] = {"bwrap": [], "none": []}
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "idea"
        folder.mkdir()
        (folder / "experiment.py").write_text(EXPERIMENT)
        run_experiment(folder, 1, sandbox="bwrap", timeout_s=60)  # warm caches once
        for _ in range(args.runs):
            for mode in ("bwrap", "none"):
                start = time.perf_counter()
                result = run_experiment(folder, 1, sandbox=mode, timeout_s=60)
                times[mode].append(time.perf_counter() - start)
                if not result.ok:
                    print(f"run failed under {mode}: {result.summary()}", file=sys.stderr)
                    return 1
    med = {mode: statistics.median(values) for mode, values in times.items()}
    for mode, values in times.items():
        print(
            f"{mode:>5}: median {med[mode] * 1000:.0f} ms over {len(values)} runs "
            f"(min {min(values) * 1000:.0f}, max {max(values) * 1000:.0f})"
        )
    print(
        f"overhead of the sandbox per run: {(med['bwrap'] - med['none']) * 1000:.0f} ms (target < 150 ms)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
