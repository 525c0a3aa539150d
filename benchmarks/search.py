"""Linear against tree search with the sweep scientist on grokking (cpu scale by default).

For the same number of runs (``--runs``, default 6), runs ``aisci launch --search linear`` (one
sweep idea per knob, 2 runs each, for RUNS/2 knobs) and ``--search tree --max-nodes RUNS --seeds 0``,
then prints, for each, the best validation accuracy found (``x_plus_y/final_val_acc``) and the
fewest steps to reach validation accuracy 0.99 (``step_val_acc_99``) among its runs.

    .venv/bin/python benchmarks/search.py [--scale cpu] [--runs 6] [--out /tmp/search-bench]

Slow: ~100-145 s per cpu-scale run on 2 cores, so ~25-30 minutes for the default.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "server"))


def best_of(folders: list[Path]) -> tuple[float | None, float | None, int]:
    accs, steps, runs = [], [], 0
    for folder in folders:
        for final in sorted(folder.glob("run_*/final_info.json")):
            if final.parent.name == "run_0":
                continue
            runs += 1
            means = json.loads(final.read_text())["x_plus_y"]["means"]
            accs.append(means["final_val_acc"])
            if means.get("step_val_acc_99", -1) >= 0:
                steps.append(means["step_val_acc_99"])
    return (max(accs) if accs else None), (min(steps) if steps else None), runs


def main() -> int:
    from aisci.core import events as ev
    from aisci.core.context import Context
    from aisci.core.settings import Settings
    from aisci.core.template import load_template
    from aisci.cycle import launch
    from aisci.scientists.sweep import SweepScientist

    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="cpu")
    parser.add_argument("--runs", type=int, default=6)
    parser.add_argument("--out", type=Path, default=Path("/tmp/aisci-search-bench"))
    args = parser.parse_args()
    template = load_template(REPO / "templates" / "grokking")
    rows = []
    for search in ("linear", "tree"):
        out = args.out / search
        shutil.rmtree(out, ignore_errors=True)
        # The same budget: linear runs one sweep idea per knob, 2 runs each (the knobs' other values),
        # in the order of knobs.json, for runs/2 knobs; the tree runs --max-nodes runs.
        settings = Settings(
            results=out,
            scale=args.scale,
            engine="local",
            writeup=False,
            search=search,
            num_ideas=1 if search == "tree" else -(-args.runs // 2),
            max_runs=2,
            max_nodes=args.runs,
            seeds=0,
        )
        started = time.monotonic()
        outcome = launch(
            template,
            SweepScientist(template),
            Context(settings, ev.NullReporter()),
            skip_novelty_check=True,
        )
        folders = [i.folder for i in outcome.ideas if i.folder]
        acc, steps, runs = best_of(folders)
        rows.append((search, runs, acc, steps, time.monotonic() - started))
    print(
        "| search | runs | best x_plus_y final_val_acc | fewest steps to val acc 0.99 | wall time |"
    )
    print("|---|---:|---:|---:|---:|")
    for search, runs, acc, steps, seconds in rows:
        print(
            f"| {search} | {runs} | {acc if acc is not None else '-'} | {steps if steps is not None else 'never'} "
            f"| {seconds:.0f} s |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
