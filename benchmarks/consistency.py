"""Recall of the results checker on planted errors, and its false alarms on unchanged papers.

Runs ``aisci.paper.consistency.check_consistency`` on the papers of ``tests/paper/corpus`` and on
copies with one result changed on purpose (the kinds of ``tests/paper/corpus/mutate.py``: x1.07,
last digit, sign of a change, two table cells swapped between rows, another run's value), and
prints the recall per kind and every false alarm. ``--check`` exits 1 below the targets of
issue 23 (recall >= 90 % for every kind, no false alarm); ``--missed`` lists what got through.

    .venv/bin/python benchmarks/consistency.py [--check] [--missed]

Fast: a few seconds.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "server"), str(REPO)]

from tests.paper.corpus.mutate import KINDS, measure  # noqa: E402

from aisci.paper.consistency import check_consistency  # noqa: E402

TARGET_RECALL = 0.9


def flagged_lines(folder: Path, tex: str) -> list[int]:
    """The lines of ``tex`` the checker flags, against the runs of ``folder``."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "template.tex"
        path.write_text(tex, encoding="utf-8")
        return [m.line for m in check_consistency(folder, path).mismatches]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 below the targets")
    parser.add_argument("--missed", action="store_true", help="list the planted errors missed")
    args = parser.parse_args()
    score = measure(flagged_lines)
    print(f"{'kind':<12} {'caught':>7} {'planted':>8} {'recall':>7}")
    for kind in KINDS:
        print(
            f"{kind:<12} {score.caught[kind]:>7} {score.planted[kind]:>8} {score.recall(kind):>7.0%}"
        )
    total = sum(score.planted.values())
    print(
        f"{'all':<12} {sum(score.caught.values()):>7} {total:>8} "
        f"{sum(score.caught.values()) / max(total, 1):>7.0%}"
    )
    print(f"false alarms on the unchanged papers: {len(score.false_alarms)}")
    for alarm in score.false_alarms:
        print(f"  {alarm}")
    if args.missed:
        for m in score.missed:
            print(f"  missed {m.kind}: {m.paper}:{','.join(map(str, m.lines))} {m.old} -> {m.new}")
    below = [k for k in KINDS if score.recall(k) < TARGET_RECALL]
    if args.check and (below or score.false_alarms):
        print(
            f"below target: {', '.join(below) or 'none'}; false alarms: {len(score.false_alarms)}"
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
