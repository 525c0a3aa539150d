"""What a stated number claims to be: which metric, of which run, on which data set.

A table cell: the metric its column header names (else the caption's, else the row's); the run
its row names (``run_3``, "Baseline", a notes.txt title or plot label), else the run most of
the row's cells match (its label then names that run in prose too, and "our method" names the
row marked "(ours)"); the data sets its row, header or caption name; percent when the header or
row says ``%``, "pp" or "points" (the caption's "(\\%)" when the header names no metric); a
change between runs when the header or caption says so (``\\Delta``, "change", "relative").

Prose (captions too): the metric named right after the number ("1483 steps", "97.5\\% test
accuracy"), a time metric for a number with a time unit, else the nearest one before it in its
sentence, else in the two sentences before, else the first after it; the run named right after
it ("2467 for the baseline"), else earlier in its clause (an "and" right before the number
continues the clause before, whose subject it shares, not the run named after that clause's
value: in "0.35 for the baseline and 0.27", 0.27 is not the baseline's; in a list, "A on X, B
on Y and C on Z", the clause that opens it; a clause that repeats the comparison word of the
clause before, that clause's); after a comparison word in that clause ("from", "instead of"),
the sentence's other runs and the baseline too; the data sets of its clause. What is not named
is open: any metric, run or data set.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aisci.paper.matching import matches
from aisci.paper.naming import Vocabulary
from aisci.paper.run_values import Runs
from aisci.paper.stated_numbers import StatedNumber
from aisci.paper.tex_tables import Cell, is_number_cell

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\\])|\n\s*\n|\\(?:paragraph|item|caption)\b")
_COMPARISON = re.compile(
    r"\b(?:from|instead of|against|versus|vs\.?|than|compared|relative to|over)\b", re.I
)
# A number, its spread and unit, then "for the baseline", "with Run~2"...
_RUN_AFTER = re.compile(
    r"\S+(?:\s*\$?\s*(?:\\pm|±)\s*\$?\s*[\d.]+)?[\s$%\\]*(?:[a-z]+\s+)??"
    r"(?:for|of|with|by|in|on)\s+(?:the\s+)?",
    re.I,
)


# After "<number> on": a data set, then the run: "53.3 s on \texttt{dino} with Run~1".
_THEN_RUN = re.compile(r"(?:\\texttt\s*\{[^}]*\}|[\w\\]+)\s+(?:with|for|by|of)\s+(?:the\s+)?", re.I)
_LIST_ITEM = re.compile(
    r"[\s$~]*[-+]?\d[\d.,]*(?:\s*\$?\s*(?:\\pm|±)\s*\$?\s*[\d.]+)?\$?\s*(?:\\?%|ms|s|min|h)?"
    r"\s*(?:on|for|in)\s+(?:the\s+)?(\\texttt\s*\{[^}]*\}|[\w\\-]+)(?:\s+(?:data\s*set|task))?[\s$~]*"
)
_TRAILING_BREAK = re.compile(r"(?:[\s,;:$~]|\b(?:and|while|whereas)\b)+$")
_CHANGE_COLUMN = re.compile(
    r"\\Delta|Δ|change|improv|gain|reduction|relative|\bvs\.?\b|speed-?up|differen", re.I
)
_PERCENT_HEADER = re.compile(r"%|\bpp\b|\bpoints\b", re.I)
_PERCENT_CAPTION = re.compile(r"\(\s*(?:in\s*)?\\?%\s*\)|\bin\s*\\?%")
# A number, its spread and its unit: what comes after them may name its metric ("1483 steps").
_NUMBER_TAIL = re.compile(
    r"[-+]?[\d.,]+(?:\s*\$?\s*(?:\\pm|±)\s*\$?\s*[\d.]+)?\$?(?:\s*\\?%|\s*(?:ms|s|min|h)\b)?"
)
_CLAUSE_BREAK = re.compile(r"[;:]|,\s|\b(?:while|whereas|but|and)\b", re.I)
# Where the subject may change: "X reaches A, while Y reaches B" ("but" keeps it: "X memorises
# but generalises to A").
_SUBJECT_BREAK = re.compile(r"[;:]|,\s|\b(?:while|whereas|and)\b", re.I)


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
        self._row_runs: dict[tuple[str, str], frozenset[str]] = {}

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
            if not named:
                named = self._runs_by_values(items)
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

    def _runs_by_values(self, items: list[tuple[StatedNumber, Cell]]) -> frozenset[str]:
        counts: dict[str, int] = {}
        for n, cell in items:
            claim = self._cell_claim(cell, frozenset(), n.percent)
            hit = {
                m.run
                for m in self.runs.measurements
                if m.metric in claim.metrics
                and m.dataset in claim.datasets
                and m.kind in kinds_of(n)
                and matches(n, m, claim.percent)
            }
            for run in hit:
                counts[run] = counts.get(run, 0) + 1
        if not counts:
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

    def _sentence(self, offset: int) -> tuple[int, int]:
        start = max(0, offset - 1500)  # a "sentence" longer than that is a list or a table
        for m in _SENTENCE_END.finditer(self.masked, start, offset):
            start = m.end()
        end = _SENTENCE_END.search(self.masked, offset)
        return start, end.start() if end else len(self.masked)

    def _prose_claim(self, n: StatedNumber) -> Claim:
        v, text = self.vocab, self.masked
        a, b = self._sentence(n.offset)
        before, after = text[a : n.offset], text[n.offset : b]
        metrics = self._prose_metrics(n, a, before, after)
        return Claim(
            _or_all(metrics, v.metrics),
            _or_all(self._prose_runs(before, after, text[a:b]), v.runs),
            _or_all(v.datasets_in(_clause(before, after)), v.datasets),
            n.percent,
            False,
            metric_named=bool(metrics),
            comparison=n.comparison,
        )

    def _prose_metrics(self, n: StatedNumber, a: int, before: str, after: str) -> frozenset[str]:
        v = self.vocab
        if n.unit in ("ms", "s", "min", "h"):
            timed = frozenset(m for m in v.metrics if "time" in m.lower())
            if timed:
                return timed
        tail = _NUMBER_TAIL.match(after)
        rest = after[tail.end() if tail else 0 :][:50]
        right_after = v.metric_mentions(rest)
        if (
            right_after
            and right_after[0][0] <= 30
            and not _CLAUSE_BREAK.search(rest[: right_after[0][0]])
            and not re.search(r"\d", rest[: right_after[0][0]])
        ):  # "1483 steps", "97.5\% test accuracy", "a 30\% longer training time"
            return right_after[0][1]
        prior = v.metric_mentions(before)
        if prior:
            return prior[-1][1]
        start = a
        for _ in range(2):  # "It reaches 0.95." after a sentence that names the metric
            a0 = self._sentence(max(0, start - 2))[0]
            if a0 >= start:
                break
            earlier = v.metric_mentions(self.masked[a0:start])
            if earlier:
                return earlier[-1][1]
            start = a0
        following = v.metric_mentions(after)
        return following[0][1] if following else frozenset()

    def _list_item(self, clause: str) -> bool:
        """A clause that is one value and its data set ("0.98 on enwik8"): an item of a list
        whose run the clause that opens the list names."""
        item = _LIST_ITEM.fullmatch(clause)
        return item is not None and bool(self.vocab.datasets_in(item.group(1)))

    def _parallel(self, before: str, after: str) -> list[tuple[int, frozenset[str]]]:
        """The subject of the clause before, when this one repeats its comparison ("A takes
        53 s with Run 1 instead of 41 s, and sampling takes 0.25 s instead of 0.19 s")."""
        cue = _COMPARISON.search(_clause(before, after, _SUBJECT_BREAK))
        breaks = list(_SUBJECT_BREAK.finditer(before))
        if cue is None or not breaks:
            return []
        prev = _clause(_TRAILING_BREAK.sub("", before[: breaks[-1].start()]), "", _SUBJECT_BREAK)
        if not re.search(rf"\b{re.escape(cue.group(0).lower())}\b", prev.lower()):
            return []
        return self.vocab.subject_mentions(prev)

    def _prose_runs(self, before: str, after: str, sentence: str) -> frozenset[str]:
        """The run named right after the number ("2467 for the baseline"), else earlier in its
        clause ("Run 3 reaches 0.95 on A and 0.93 on B": an "and" right before the number does
        not end it, though the run of its value does not carry over); after a comparison word in its clause ("from", "instead of"), the other
        runs of the sentence and the baseline too. Empty: not said."""
        v = self.vocab
        right_after = _RUN_AFTER.match(after)
        rest = after[right_after.end() :] if right_after else ""
        named_after = v.run_mentions(rest[:60])
        if not (named_after and named_after[0][0] <= 1):  # "53.3 s on dino with Run~1"
            then = _THEN_RUN.match(rest)
            named_after = v.run_mentions(rest[then.end() :][:60]) if then else []
        if named_after and named_after[0][0] <= 1:
            return named_after[0][1]
        clause = _clause(before, "", _SUBJECT_BREAK)
        named_before = v.run_mentions(clause)
        if re.fullmatch(r"[\s$~]*", clause):  # "... and 0.93": the clause before continues,
            head = _drop_and(before)
            clause = _clause(head, "", _SUBJECT_BREAK)
            named_before = v.subject_mentions(clause)  # its subject, not its value's run
            for _ in range(8):  # "Run 3 reaches A on X, B on Y and C on Z": the list's subject
                breaks = list(_SUBJECT_BREAK.finditer(head))
                item = self._list_item(clause) or re.fullmatch(r"[\s$~]*", clause)  # ", B on Y"
                if named_before or not breaks or not item:
                    break
                head = _drop_and(head[: breaks[-1].start()])
                clause = _clause(head, "", _SUBJECT_BREAK)
                named_before = v.subject_mentions(clause)
        if not named_before:
            named_before = self._parallel(before, after)
        if not named_before:
            return frozenset()
        runs = set(named_before[-1][1])
        if _COMPARISON.search(clause):
            runs |= v.runs_in(sentence) | ({"run_0"} & set(v.runs))
        return frozenset(runs)


def _drop_and(text: str) -> str:
    return re.sub(r"\band[\s$~]*$", " ", text)


def _clause(before: str, after: str, breaks_at: re.Pattern[str] = _CLAUSE_BREAK) -> str:
    """The clause around a number: from the last break before it to the first break after."""
    breaks = list(breaks_at.finditer(before))
    start = before[breaks[-1].end() :] if breaks else before
    tail = _NUMBER_TAIL.match(after)
    end = breaks_at.search(after, tail.end() if tail else 0)
    return start + (after[: end.start()] if end else after)


def kinds_of(n: StatedNumber) -> tuple[str, ...]:
    if n.pm == "spread":
        return ("stderr", "std")
    return ("mean", "value", "curve")
