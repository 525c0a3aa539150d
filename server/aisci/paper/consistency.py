"""The results consistency check: every number the paper states as a result must come from
the runs' results (``run_*/final_info.json``), so a paper cannot report invented numbers.

Three jobs, one module each: ``stated_numbers.py`` reads the numbers a .tex states as results
(with ``tex_mask.py`` blanking what is not prose), ``run_values.py`` collects the numbers the runs
produced and the constants of their code, and this module matches the one against the other and
reports. Any line ending with the comment ``% aisci: not-a-result`` is the writer's explicit
opt-out. Numbers that equal a constant of ``experiment.py`` or a ``run_*.py`` (hyperparameters,
step counts, data sizes) are accepted as settings, not results.

When does a number match (``_matches``): ``v * f`` lies in ``[written - half a unit, written +
one unit)`` of the written number's last place, which accepts rounding (0.9558 -> 0.956) and
truncation (-> 0.955), for a known value ``v`` and a unit factor ``f``: 1, fraction<->percent
(x100, /100) always; seconds<->minutes<->hours and s<->ms only when a time unit follows the
number or a time word is near it. Near a comparison word ("improves by", "lower", "\\times",
"relative"...), also the differences, relative changes and ratios between two runs' means of the
same metric, with a wider tolerance (one unit either way and 1 %), since authors compute them
from rounded numbers. Signs are ignored (a "drop of 0.3" is a difference of -0.3).

Not handled: whether a number is attributed to the right run or metric (a correct number in
the wrong row passes), numbers written as words, results inside display math.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from pathlib import Path

from aisci.core.diagnostics import Diagnostic
from aisci.errors import AisciError
from aisci.paper.run_values import code_constants, result_values
from aisci.paper.stated_numbers import StatedNumber, stated_numbers


@dataclass(frozen=True)
class Mismatch:
    line: int
    text: str
    value: float
    context: str
    nearest: str | None = None  # the closest known result, to help the fix

    @property
    def message(self) -> str:
        hint = f"; nearest result: {self.nearest}" if self.nearest else ""
        return f"{self.text} is not in the runs' results{hint}"

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


@dataclass(frozen=True)
class _Known:
    values: tuple[float, ...]  # sorted absolute values
    labels: tuple[str, ...]  # where each came from, same order

    @classmethod
    def of(cls, pairs: list[tuple[float, str]]) -> _Known:
        pairs = sorted((abs(v), s) for v, s in pairs if math.isfinite(v))
        return cls(tuple(v for v, _ in pairs), tuple(s for _, s in pairs))

    def find(self, lo: float, hi: float) -> int | None:
        i = bisect.bisect_left(self.values, lo)
        return i if i < len(self.values) and self.values[i] <= hi else None


def _factors(n: StatedNumber) -> tuple[float, ...]:
    f = (1.0, 100.0, 0.01)
    return (
        (*f, 1 / 60, 60.0, 1 / 3600, 3600.0, 1 / 1000, 1000.0, 1 / 60000, 60000.0) if n.time else f
    )


def _matches(n: StatedNumber, known: _Known, factors, derived: bool = False) -> bool:
    """Some known value times a factor, rounded or truncated to the written places, gives the
    written number: it lies in [written - half a unit, written + one unit). A difference or
    ratio is often computed from already rounded numbers: one unit either way, and 1 %."""
    if derived:
        lo, hi = n.value * 0.99 - n.ulp, n.value * 1.01 + n.ulp
    else:
        lo, hi = n.value - 0.5 * n.ulp * (1 + 1e-9), n.value + n.ulp * (1 - 1e-9)
    return any(known.find(lo / f, hi / f) is not None for f in factors)


def _nearest(n: StatedNumber, known: _Known) -> str | None:
    best = None
    for f in (1.0, 100.0, 0.01):
        i = bisect.bisect_left(known.values, n.value / f)
        for j in (i - 1, i):
            if 0 <= j < len(known.values) and known.values[j]:
                err = abs(math.log(known.values[j] * f / n.value)) if n.value else float("inf")
                if best is None or err < best[0]:
                    best = (err, known.values[j], f, known.labels[j])
    if best is None:
        return None
    _, v, f, label = best
    shown = f"{v:.6g}" + (
        "" if f == 1.0 else f" (= {v * f:.6g} {'%' if f == 100.0 else 'as a fraction'})"
    )
    return f"{shown} ({label})"


def check_consistency(idea_folder: Path, tex: Path | None = None) -> ConsistencyReport:
    idea_folder = Path(idea_folder)
    tex = Path(tex) if tex is not None else idea_folder / "latex" / "template.tex"
    if not tex.is_file():
        raise AisciError(
            f"The paper's numbers cannot be checked: {tex} does not exist.",
            "Write the paper first (aisci writeup), or pass the .tex to check.",
        )
    base, derived, notes = result_values(idea_folder)
    if not base:
        notes.append(
            f"no run_*/final_info.json in {idea_folder.name}: no number can be a measured result"
        )
    results, changes, constants = (
        _Known.of(base),
        _Known.of(derived),
        _Known.of(code_constants(idea_folder)),
    )
    numbers = stated_numbers(tex.read_text(encoding="utf-8", errors="replace"))
    mismatches = []
    checked = 0
    for n in numbers:
        if _matches(n, constants, (1.0, 100.0, 0.01)):
            continue  # a setting of the experiment, not a result
        checked += 1
        if _matches(n, results, _factors(n)) or (
            n.comparison and _matches(n, changes, (1.0, 100.0), derived=True)
        ):
            continue
        mismatches.append(Mismatch(n.line, n.text, n.value, n.context, _nearest(n, results)))
    return ConsistencyReport(tuple(mismatches), checked, tex.name, tuple(notes))


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
        lines.append(
            f"  {report.tex}:{m.line}: {m.text}"
            + (f"  (nearest result: {m.nearest})" if m.nearest else "")
        )
        lines.append(f"      {m.context}")
    lines += [f"  note: {n}" for n in report.notes]
    if not report.ok:
        lines.append(
            "  Fix the numbers from run_*/final_info.json, or end a line that states no result "
            "with the comment `% aisci: not-a-result`."
        )
    return "\n".join(lines)
