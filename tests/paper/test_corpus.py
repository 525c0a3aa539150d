"""The results checker on the planted-error corpus (tests/paper/corpus): recall per kind of
planted error and no false alarm on the unchanged papers.

The floors are a little below what the checker reached when they were set (issue 23 asks for
90 % on every kind; see docs/paper.md for what still gets through). A floor fails when the
checker regresses; raise it when the checker improves.
``benchmarks/consistency.py`` prints the same figures and what was missed.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from aisci.paper.consistency import check_consistency
from tests.paper.corpus.mutate import KINDS, measure, mutations, papers

FLOORS = {"scaled": 0.97, "last_digit": 0.95, "sign": 0.9, "swap": 0.97, "other_run": 0.9}


def _flagged(folder: Path, tex: str) -> list[int]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "template.tex"
        path.write_text(tex, encoding="utf-8")
        return [m.line for m in check_consistency(folder, path).mismatches]


def test_the_corpus_plants_every_kind_in_both_styles():
    folders = papers()
    names = [f.name for f in folders]
    assert sum(n.startswith("aisci_") for n in names) >= 2
    assert sum(n.startswith("frontier_") for n in names) >= 3
    planted = [m for f in folders for m in mutations(f)]
    for kind in KINDS:
        assert sum(m.kind == kind for m in planted) >= 8, kind
    # a mutation changes the paper, on the lines it names
    for m in planted[:20]:
        original = (Path(__file__).parent / "corpus" / m.paper / "template.tex").read_text()
        changed = [
            i
            for i, (a, b) in enumerate(zip(original.split("\n"), m.tex.split("\n"), strict=True), 1)
            if a != b
        ]
        assert changed and set(changed) <= set(m.lines), m


def test_recall_per_kind_and_no_false_alarm():
    score = measure(_flagged)
    assert score.false_alarms == (), score.false_alarms
    for kind, floor in FLOORS.items():
        assert score.recall(kind) >= floor, (
            kind,
            score.recall(kind),
            [f"{m.paper}:{m.lines} {m.old}->{m.new}" for m in score.missed if m.kind == kind],
        )
