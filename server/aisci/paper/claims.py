"""What a stated number claims to be: which metric, of which run, on which data set.

A table cell: the metric its column header names (else the caption's, else the row's); the run
its row names (``run_3``, "Baseline", a notes.txt title or plot label), else the run most of
the row's cells match (its label then names that run in prose too, and "our method" names the
row marked "(ours)"); the data sets its row, header or caption name; percent when the header or
row says ``%``, "pp" or "points", or the caption's "(\\%" follows the metric of the cell or the
header names no metric; a row whose name's run matches none of its cells while two or more
match another run is that run's ("DropEdge + residual"); a change between runs when the
header or caption says so (``\\Delta``, "change", "relative").

Prose (captions too): the metric named right after the number ("1483 steps", "97.5\\% test
accuracy"), a time metric for a number with a time unit (or after one in its sentence: "takes
13.6 s instead of 12.4 s, 9.7\\% more"), else the nearest one before it in its sentence, else
in the two sentences before it in its paragraph (never a time for a percent that is no change;
such a metric is a guess: a value of any metric then passes), else the first after it in its
clause; the run ``prose_runs.ProseRuns`` gives (named near it, else carried from the sentence
or paragraph before); the data sets of its clause. What is not named is open: any metric, run
or data set.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aisci.paper.matching import matches
from aisci.paper.naming import Vocabulary
from aisci.paper.prose_runs import CLAUSE_BREAK, NUMBER_TAIL, ProseRuns, clause_around
from aisci.paper.run_values import Runs
from aisci.paper.stated_numbers import StatedNumber
from aisci.paper.tex_tables import Cell, is_number_cell

_CHANGE_COLUMN = re.compile(
    r"\\Delta|Δ|change|improv|gain|reduction|relative|\bvs\.?\b|speed-?up|differen", re.I
)
_PERCENT_HEADER = re.compile(r"%|\bpp\b|\bpoints\b", re.I)
_PERCENT_CAPTION = re.compile(r"\(\s*(?:in\s*)?\\?%\s*[),;]|\bin\s*\\?%")
_TIMED_BEFORE = re.compile(r"\d\s*\$?\s*(?:ms|s|min|h|seconds?|minutes?|hours?)\b(?![^.;]*\d)")


@dataclass(frozen=True)
class Claim:
    metrics: frozenset[str]  # what it may be: all of them where nothing is named
    runs: frozenset[str]
    datasets: frozenset[str]
    percent: bool
    in_table: bool
    label: bool = False  # a number in a row label or a header: a setting, not a result
    metric_named: bool = False  # its context names a metric (else it may be any)
    comparison: bool = False  # a change between runs may be meant: prose cues, a delta column
    metric_carried: bool = False  # its metric is named only by an earlier sentence

    def describe(self, vocab: Vocabulary) -> str:
        metric = " or ".join(sorted(self.metrics)) if self.metric_named else "a result"
        runs = " or ".join(sorted(self.runs, key=_order)) if self.runs else ""
        on = " or ".join(sorted(self.datasets))
        of = f" of {runs}" if runs and len(self.runs) < len(vocab.runs) else ""
        narrowed = len(self.datasets) < len(vocab.datasets) or len(vocab.datasets) == 1
        where = f" on {on}" if on and narrowed else ""
        return f"{metric}{of}{where}"


def _order(run: str) -> tuple[int, str]:
    tail = run.rsplit("_", 1)[-1]
    return (int(tail), run) if tail.isdigit() else (1 << 30, run)


def _or_all(found: frozenset[str], every: list[str]) -> frozenset[str]:
    return found if found else frozenset(every)


class Claims:
    """Builds the claim of each stated number of one paper (tables first: their rows teach
    the vocabulary the names prose uses for runs)."""

    def __init__(self, masked: str, cells: list[Cell], runs: Runs, vocab: Vocabulary) -> None:
        self.masked, self.cells, self.runs, self.vocab = masked, cells, runs, vocab
        self.prose = ProseRuns(masked, vocab)
        self._row_runs: dict[tuple[str, str], frozenset[str]] = {}
        self._carried_metric = False

    def cell_at(self, offset: int) -> Cell | None:
        return next((c for c in self.cells if c.start <= offset < c.end), None)

    # --- tables -----------------------------------------------------------------------------
    def _cell_claim(self, cell: Cell, runs: frozenset[str], n_percent: bool) -> Claim:
        v = self.vocab
        metrics = v.metrics_in(cell.header) or v.metrics_in(cell.caption) or v.metrics_in(cell.row)
        datasets = v.datasets_in(f"{cell.row} {cell.header}") or v.datasets_in(cell.caption)
        percent = (
            n_percent
            or any(_PERCENT_HEADER.search(t) for t in (cell.header, cell.row))
            # the caption's "(\%)" is the unit of the metric it names, when the header names none
            or (not v.metrics_in(cell.header) and bool(_PERCENT_CAPTION.search(cell.caption)))
            or bool(metrics & self._caption_percent(cell.caption))
        )
        return Claim(
            _or_all(metrics, v.metrics),
            _or_all(runs, v.runs),
            _or_all(datasets, v.datasets),
            percent,
            True,
            metric_named=bool(metrics),
            comparison=bool(_CHANGE_COLUMN.search(f"{cell.header} {cell.caption}")),
        )

    def _caption_percent(self, caption: str) -> frozenset[str]:
        """The metrics a caption gives in percent: "Test accuracy (\\%, mean over 10 seeds)"."""
        found: set[str] = set()
        for m in _PERCENT_CAPTION.finditer(caption):
            named = self.vocab.metric_mentions(caption[max(0, m.start() - 40) : m.start()])
            found |= named[-1][1] if named else set()
        return frozenset(found)

    def learn_rows(self, numbers: list[StatedNumber]) -> None:
        """Trace each table row to its run(s): by a name in its label (run_3, Baseline, a
        notes.txt title), else by its values; a label traced by values then names its run in
        prose too."""
        by_row: dict[tuple[str, str], list[tuple[StatedNumber, Cell]]] = {}
        for n in numbers:
            cell = self.cell_at(n.offset)
            if cell and cell.body and self._is_value(cell):
                by_row.setdefault((cell.row, cell.caption), []).append((n, cell))
        learned = []
        for key, items in by_row.items():
            named = self.vocab.runs_in(key[0], learned=False)
            by_values = self._runs_by_values(items)
            # "DropEdge + residual" names DropEdge, and two or more of its values the run of
            # both (one cell swapped from another row leaves its named run some others)
            if (
                named
                and len(by_values) == 1
                and not self._runs_by_values(items, named)
                and len(self._runs_by_values(items, by_values, least=2)) == 1
            ):
                named = frozenset()
            if not named:
                named = by_values
                if len(named) == 1:
                    learned.append((key[0], named))
            self._row_runs[key] = named
        for label, runs in learned:
            self.vocab.alias(label, runs, learned=True)
        for (label, _), runs in self._row_runs.items():
            self.vocab.mark_ours(label, runs)
        for key, named in self._row_runs.items():  # a row of changes: named in another table
            if not named:
                self._row_runs[key] = self.vocab.runs_in(key[0])

    def _runs_by_values(
        self,
        items: list[tuple[StatedNumber, Cell]],
        among: frozenset[str] = frozenset(),
        least: int = 1,
    ) -> frozenset[str]:
        """The runs most of the row's cells match, ``least`` of them at least (of ``among``,
        where given)."""
        counts: dict[str, int] = {}
        for n, cell in items:
            claim = self._cell_claim(cell, among, n.percent)
            hit = {
                m.run
                for m in self.runs.measurements
                if (m.run in among or not among)
                and m.metric in claim.metrics
                and m.dataset in claim.datasets
                and m.kind in kinds_of(n)
                and matches(n, m, claim.percent)
            }
            for run in hit:
                counts[run] = counts.get(run, 0) + 1
        if not counts or max(counts.values()) < least:
            return frozenset()
        best = max(counts.values())
        return frozenset(r for r, c in counts.items() if c == best)

    def _is_value(self, cell: Cell) -> bool:
        return is_number_cell(self.masked[cell.start : cell.end])

    # --- any number -------------------------------------------------------------------------
    def claim(self, n: StatedNumber) -> Claim:
        cell = self.cell_at(n.offset)
        if cell is not None:
            if not cell.body or not self._is_value(cell):
                return Claim(frozenset(), frozenset(), frozenset(), n.percent, True, label=True)
            runs = self._row_runs.get((cell.row, cell.caption), frozenset())
            return self._cell_claim(cell, runs, n.percent)
        return self._prose_claim(n)

    def _prose_claim(self, n: StatedNumber) -> Claim:
        v, text = self.vocab, self.masked
        a, b = self.prose.sentence(n.offset)
        before, after = text[a : n.offset], text[n.offset : b]
        self._carried_metric = False
        metrics = self._prose_metrics(n, a, before, after)
        return Claim(
            _or_all(metrics, v.metrics),
            _or_all(self.prose.runs(a, before, after, text[a:b]), v.runs),
            _or_all(v.datasets_in(clause_around(before, after)), v.datasets),
            n.percent,
            False,
            metric_named=bool(metrics),
            comparison=n.comparison,
            metric_carried=self._carried_metric,
        )

    def _prose_metrics(self, n: StatedNumber, a: int, before: str, after: str) -> frozenset[str]:
        v = self.vocab
        if n.unit in ("ms", "s", "min", "h"):
            timed = frozenset(m for m in v.metrics if "time" in m.lower())
            if timed:
                return timed
        tail = NUMBER_TAIL.match(after)
        rest = after[tail.end() if tail else 0 :][:50]
        right_after = v.metric_mentions(rest)
        if (
            right_after
            and right_after[0][0] <= 30
            and not CLAUSE_BREAK.search(rest[: right_after[0][0]])
            and not re.search(r"\d", rest[: right_after[0][0]])
        ):  # "1483 steps", "97.5\% test accuracy", "a 30\% longer training time"
            return right_after[0][1]
        prior = v.metric_mentions(before)
        if prior:
            return prior[-1][1]
        timed = frozenset(m for m in v.metrics if "time" in m.lower())
        if timed and _TIMED_BEFORE.search(before):  # "takes 13.6 s instead of 12.4 s, 9.7 % more"
            return timed
        start = a
        top = self.prose.paragraph_start(a)
        for _ in range(2):  # "It reaches 0.95." after a sentence that names the metric
            a0 = max(top, self.prose.sentence(max(0, start - 2))[0])
            if a0 >= start:
                break
            earlier = v.metric_mentions(self.masked[a0:start])
            if earlier and not (n.percent and not n.change and not (earlier[-1][1] - timed)):
                self._carried_metric = True  # (not a time for a percent that is no change)
                return earlier[-1][1]
            start = a0
        following = v.metric_mentions(
            clause_around("", after)
        )  # "0.95, with the fewest steps": not
        if following and not (n.percent and not n.change and not (following[0][1] - timed)):
            return following[0][1]
        return frozenset()


def kinds_of(n: StatedNumber) -> tuple[str, ...]:
    if n.pm == "spread":
        return ("stderr", "std")
    return ("mean", "value", "curve")
