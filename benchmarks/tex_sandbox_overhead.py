"""What the paper build's boundary costs: a full build of the scaffold paper, sandboxed or not.

    .venv/bin/python benchmarks/tex_sandbox_overhead.py [--builds 5]

Builds the scaffold's paper (server/aisci/scaffold/latex: pdflatex, BibTeX and the reruns
latexmk asks for) from a fresh copy each time, with ``sandbox="bwrap"`` and ``sandbox="none"``
alternating so that the machine's load falls on both alike, and prints the median wall time of
each and the relative overhead: namespaces, mounts, the launcher that sets limits and drops the
uid, and (as root) lending the folder to uid 65534 and taking it back. Target (issue #22):
under 10 % slower.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))

from aisci.paper.build import compile_paper

SCAFFOLD = Path(__file__).resolve().parents[1] / "server" / "aisci" / "scaffold" / "latex"


def build(scratch: Path, n: int, mode: str) -> float:
    latex = scratch / f"idea{n}" / "latex"
    shutil.copytree(SCAFFOLD, latex)
    start = time.perf_counter()
    result = compile_paper(latex, timeout_s=120, sandbox=mode)
    took = time.perf_counter() - start
    if not result.ok or result.sandbox != mode:
        raise SystemExit(f"the build under {mode} failed: {[str(d) for d in result.errors]}")
    return took


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--builds", type=int, default=5, help="builds per mode (default 5)")
    args = parser.parse_args()
    times: dict[str, list[float]] = {"bwrap": [], "none": []}
    with tempfile.TemporaryDirectory() as scratch:
        build(Path(scratch), 0, "bwrap")  # warm the page cache and kpathsea's ls-R reads once
        n = 1
        for _ in range(args.builds):
            for mode in ("bwrap", "none"):
                times[mode].append(build(Path(scratch), n, mode))
                n += 1
    med = {mode: statistics.median(values) for mode, values in times.items()}
    for mode, values in times.items():
        print(
            f"{mode:>5}: median {med[mode]:.2f} s over {len(values)} builds "
            f"(min {min(values):.2f}, max {max(values):.2f})"
        )
    extra = med["bwrap"] - med["none"]
    print(
        f"overhead of the sandbox per build: {extra * 1000:.0f} ms, "
        f"{100 * extra / med['none']:.1f} % (target < 10 %)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
