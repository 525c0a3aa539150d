"""The results consistency check: every number the paper states as a result must be a value
the runs measured (``run_*/final_info.json``), of the metric, run and data set it claims to be.

Jobs, one module each: ``stated_numbers.py`` reads the numbers a .tex states (with
``tex_mask.py`` blanking what is not prose and ``tex_tables.py`` reading table cells),
``run_values.py`` collects what the runs measured and what they are called, ``naming.py`` finds
the metrics, runs and data sets a text names, ``claims.py`` decides what each number claims
(table column and row, or the words of its sentence), ``matching.py`` says when a value is the
number (units, rounding, signs, derived values), and this module judges and reports.

A number passes when a value of what it claims matches it: a measured mean (a spread after
``\\pm`` against the standard errors or deviations over seeds), or, near a comparison word, a
difference, relative change or ratio between two runs of the metric, or a run's mean over data
sets. A number equal to a setting (``run_values.setup_values``: code constants, data-set sizes)
passes outside a table column that names a metric. Two numbers compared in prose ("from A to
B", "A instead of B") must differ, and move the way the words say (``comparisons.py``). A value
that a template declares a sentinel (``aisci.core.sentinels``: "300 means never reached") never
passes as a result. Any line ending with the comment ``% aisci: not-a-result`` is the writer's
explicit opt-out. Each flag says what the number seems to claim and the closest value of that
claim.

Not handled: numbers written as words, results inside display math, a difference whose sign
only the sentence's grammar gives ("A beats B by 0.3" and "B beats A by 0.3" both pass).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from pathlib import Path

from aisci.core.diagnostics import Diagnostic
from aisci.core.sentinels import Sentinel, declared
from aisci.errors import AisciError
from aisci.paper.claims import Claim, Claims, kinds_of
from aisci.paper.comparisons import contradictions
from aisci.paper.matching import (
    Derived,
    close,
    derived,
    factors,
    matches,
    matches_derived,
    shown,
    stand_in,
)
from aisci.paper.naming import Vocabulary
from aisci.paper.run_values import Runs, collect, setup_values
from aisci.paper.stated_numbers import StatedNumber, stated_numbers
from aisci.paper.tex_mask import blank_non_prose, strip_comments
from aisci.paper.tex_tables import table_cells

# Words before a number that make it a setting: "for 7500 steps", "within 7500 steps".
_SETTING_BEFORE = re.compile(
    r"\b(?:for|within|budget of|up to|at most|limit of|maximum of|max\.?)\s*\$?\s*$", re.I
)


@dataclass(frozen=True)
class Mismatch:
    line: int
    text: str
    value: float
    context: str
    nearest: str | None = None  # the closest value of what it claims, and where it is
    claim: str = "a result"  # what the number seems to claim: metric, run, data set
    why: str | None = None  # a reason other than "no such value" (a sentinel)

    @property
    def message(self) -> str:
        if self.why:
            return f"{self.text} {self.why}"
        hint = f"; closest value {self.nearest}" if self.nearest else ""
        return f"{self.text} stated as {self.claim}: no run measured it{hint}"

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True)
class ConsistencyReport:
    mismatches: tuple[Mismatch, ...]
    checked: int  # numbers looked at, after the exclusions
    tex: str = "template.tex"
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def diagnostics(self) -> tuple[Diagnostic, ...]:
        return tuple(
            Diagnostic(self.tex, m.line, "error", m.message, "consistency") for m in self.mismatches
        )


def check_consistency(idea_folder: Path, tex: Path | None = None) -> ConsistencyReport:
    idea_folder = Path(idea_folder)
    tex = Path(tex) if tex is not None else idea_folder / "latex" / "template.tex"
    if not tex.is_file():
        raise AisciError(
            f"The paper's numbers cannot be checked: {tex} does not exist.",
            "Write the paper first (aisci writeup), or pass the .tex to check.",
        )
    runs = collect(idea_folder)
    notes = list(runs.notes)
    if not runs.measurements:
        notes.append(
            f"no run_*/final_info.json in {idea_folder.name}: no number can be a measured result"
        )
    text = tex.read_text(encoding="utf-8", errors="replace")
    numbers = stated_numbers(text)
    vocab = Vocabulary(runs.metrics, runs.datasets, runs.runs, runs.names)
    claims = Claims(blank_non_prose(text), table_cells(strip_comments(text)), runs, vocab)
    claims.learn_rows(numbers)
    judge = _Judge(runs, setup_values(idea_folder), declared(idea_folder), vocab)
    mismatches = []
    checked = 0
    prose = []
    for n in numbers:
        claim = claims.claim(n)
        if claim.label:
            continue  # a row label or a column header: names a setting, not a result
        checked += 1
        prose += [] if claim.in_table else [n]
        found = judge(n, claim)
        if found is not None:
            mismatches.append(found)
    flagged = {(m.line, m.text) for m in mismatches}
    for c in contradictions(claims.masked, prose):
        if (c.number.line, c.number.text) not in flagged:
            n = c.number
            mismatches.append(Mismatch(n.line, n.text, n.value, n.context, why=c.why))
            flagged.add((n.line, n.text))
    mismatches.sort(key=lambda m: m.line)
    return ConsistencyReport(tuple(mismatches), checked, tex.name, tuple(notes))


class _Judge:
    def __init__(
        self,
        runs: Runs,
        setup: list[tuple[float, str]],
        sentinels: list[Sentinel],
        vocab: Vocabulary,
    ) -> None:
        self.runs, self.setup, self.sentinels, self.vocab = runs, setup, sentinels, vocab
        self._cache: dict[tuple, list[Derived]] = {}

    def __call__(self, n: StatedNumber, c: Claim) -> Mismatch | None:
        found = self._judge(n, c)
        if found is not None and c.metric_carried and found.why is None:
            # a metric named only by an earlier sentence is a guess: any metric may be meant
            wide = replace(c, metrics=frozenset(self.runs.metrics), metric_carried=False)
            if self._judge(n, wide) is None:
                return None
        return found

    def _judge(self, n: StatedNumber, c: Claim) -> Mismatch | None:
        candidates = [
            m
            for m in self.runs.measurements
            if m.metric in c.metrics
            and m.run in c.runs
            and (m.dataset in c.datasets or not m.dataset)
            and m.kind in kinds_of(n)
        ]
        hits = [m for m in candidates if matches(n, m, c.percent)]
        real = [m for m in hits if stand_in(self.sentinels, self.runs, m) is None]
        if real:
            return None
        if not hits and n.pm != "spread":  # the spread after a \pm is no change between runs
            # In prose, any two runs: "our schedule reduces the steps by 43.6 %" seldom names
            # both; in a table, the row's run is the one that changed.
            news = c.runs if c.in_table else frozenset(self.runs.runs)
            for d in self._derived(c.metrics, c.datasets, news, c.in_table):
                if d.what == "mean" and len(c.datasets) < len(self.runs.datasets):
                    continue  # a data set is named: not a mean over data sets
                if (c.comparison or d.what == "mean") and matches_derived(n, d, c.percent):
                    return None
            if not (c.in_table and c.metric_named) and self._is_setting(n, c):
                return None
        claim = c.describe(self.vocab)
        if hits and _SETTING_BEFORE.search(n.lead) and self._is_setting(n, c):
            return None  # "trains for 7500 steps": the budget, which a stand-in may equal
        if hits:
            m = hits[0]
            sentinel = stand_in(self.sentinels, self.runs, m)
            assert sentinel is not None
            why = (
                f'is {m.metric}\'s "not reached" value in {m.run}'
                + (f" on {m.dataset}" if m.dataset else "")
                + f" ({sentinel.means}), not a measured result"
            )
            return Mismatch(n.line, n.text, n.value, n.context, None, claim, why)
        return Mismatch(n.line, n.text, n.value, n.context, self._nearest(n, c, candidates), claim)

    def _derived(
        self, metrics: frozenset[str], datasets: frozenset[str], news: frozenset[str], ordered: bool
    ) -> list[Derived]:
        """``derived`` once per claim: a paper's numbers share a few claims."""
        key = (metrics, datasets, news, ordered)
        if key not in self._cache:
            self._cache[key] = derived(self.runs, metrics, datasets, news, ordered=ordered)
        return self._cache[key]

    def _is_setting(self, n: StatedNumber, c: Claim) -> bool:
        scale = (100.0, 1.0) if n.percent else (1.0,)
        return any(close(n, v * f) for v, _ in self.setup for f in scale)

    def _nearest(self, n: StatedNumber, c: Claim, candidates: list) -> str | None:
        """The closest value of what the number claims, in its units; for a number near a
        comparison word, the changes between runs count too."""
        best: tuple[float, str] | None = None
        for m in candidates:
            for f in factors(n, c.percent, m.fraction):
                err = abs(abs(m.value * f) - n.value)
                if best is None or err < best[0]:
                    best = (err, f"{shown(m.value, n, c.percent, m.fraction)} ({m.where()})")
        if c.comparison:
            news = c.runs if c.in_table else frozenset(self.runs.runs)
            for d in self._derived(c.metrics, c.datasets, news, c.in_table):
                if d.what in ("relative", "difference") and (c.percent or d.what == "difference"):
                    f = 100.0 if d.what == "relative" else factors(n, c.percent, d.fraction)[0]
                    err = abs(abs(d.value * f) - n.value)
                    if best is None or err < best[0]:
                        unit = " %" if c.percent else ""
                        what = "relative change" if d.what == "relative" else "difference"
                        best = (err, f"{d.value * f:+.{_places(n)}f}{unit} ({what} of {d.where})")
        return best[1] if best else None


def _places(n: StatedNumber) -> int:
    """The decimals of the stated number, plus one."""
    return min(8, max(0, -math.floor(math.log10(n.ulp))) + 1) if n.ulp > 0 else 4


def format_report(report: ConsistencyReport) -> str:
    """The report for a terminal; ``report.ok`` gives the exit status."""
    head = f"Results consistency ({report.tex}): {report.checked} number(s) checked, "
    tail = (
        "all match the runs' results."
        if report.ok
        else f"{len(report.mismatches)} not found in the runs' results:"
    )
    lines = [head + tail]
    for m in report.mismatches:
        lines.append(f"  {report.tex}:{m.line}: {m.message}")
        lines.append(f"      {m.context}")
    lines += [f"  note: {n}" for n in report.notes]
    if not report.ok:
        lines.append(
            "  Fix the numbers from run_*/final_info.json, or end a line that states no result "
            "with the comment `% aisci: not-a-result`."
        )
    return "\n".join(lines)
