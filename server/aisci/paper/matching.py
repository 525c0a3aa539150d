"""When a stated number is a value of the runs: units, rounding, derived values and sentinels.

A number ``w`` written with ``d`` decimals matches a value ``v`` in unit factor ``f`` when
``|v * f - w| <= half a unit of the last place`` (rounded as written; truncation is a different
number). ``f`` is 1, or 100 only for a number written with a percent sign (a percent of a
fraction; 1 too, for metrics already in percent); with a time unit the seconds a metric holds
are converted to the written unit. "approximately/about/~" widens the tolerance to
``APPROX`` of the number. Derived values (``derived``: differences, relative changes and ratios
between two runs of one metric and data set, and a run's mean over data sets) are often computed
from already rounded numbers: half a unit plus ``DERIVED`` of the number. A change is compared
with its sign: an explicit sign, or the direction its words give ("a reduction of 30\\%" is a
relative change below zero).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from aisci.core.sentinels import Sentinel, not_reached
from aisci.paper.run_values import Measurement, Runs
from aisci.paper.stated_numbers import StatedNumber

APPROX = 0.02  # "approximately 670" for 671.6; "about 80 minutes" for 80.4
DERIVED = 0.001  # a change computed from rounded values: 0.1 % of the number, plus rounding
_RATIO_WORDS = re.compile(r"times|fold|ratio|speed-?up|factor", re.I)
_TIME_UNITS = {"ms": 1e-3, "s": 1.0, "min": 60.0, "h": 3600.0}


@dataclass(frozen=True)
class Derived:
    value: float  # signed: new - ref, (new - ref) / ref, new / ref, a mean over data sets
    what: str  # "difference", "relative", "ratio", "mean over data sets"
    where: str  # e.g. "final_val_acc of run_3 vs run_0 on x_plus_y"
    fraction: bool = True  # of a metric stored as a fraction


def time_factor(n: StatedNumber) -> float | None:
    """Seconds per written unit, when a time unit follows the number."""
    return _TIME_UNITS.get(n.unit)


def factors(n: StatedNumber, percent: bool, fraction: bool = True) -> tuple[float, ...]:
    """The factors from a stored value to the written unit: x100 only for a percent of a
    metric stored as a fraction."""
    seconds = time_factor(n)
    if seconds is not None:
        return (1 / seconds,)
    return (100.0,) if percent and fraction else (1.0,)


def close(n: StatedNumber, value: float, derived: bool = False) -> bool:
    """``value`` (already in the written unit) is what ``n`` states, within its tolerance."""
    tol = 0.5 * n.ulp * (1 + 1e-9) + 1e-12
    if derived:
        tol += DERIVED * n.value
    if n.approx:
        tol = max(tol, APPROX * n.value)
    return abs(abs(value) - n.value) <= tol


def signed_ok(n: StatedNumber, value: float) -> bool:
    """The sign of a stored value agrees with how the number is written."""
    if n.sign:
        return (value < 0) == (n.sign < 0) or value == 0
    return value >= 0


def matches(n: StatedNumber, m: Measurement, percent: bool) -> bool:
    return signed_ok(n, m.value) and any(
        close(n, m.value * f) for f in factors(n, percent, m.fraction)
    )


def derived(
    runs: Runs,
    metrics: Iterable[str],
    datasets: Iterable[str],
    new_runs: Iterable[str],
    ordered: bool = False,
) -> list[Derived]:
    """Changes between two runs, one of them among ``new_runs`` ("relative to the baseline"
    names the reference, "run 3 gains" the new one; ``ordered``: the new one, as a table row
    of changes says), and means over data sets."""
    metrics, datasets, new_runs = set(metrics), set(datasets), set(new_runs)
    table: dict[tuple[str, str], dict[str, float]] = {}
    fraction: dict[str, bool] = {}
    for m in runs.measurements:
        if m.kind == "mean" and m.metric in metrics:
            table.setdefault((m.metric, m.dataset), {})[m.run] = m.value
            fraction[m.metric] = m.fraction
    out = []
    for (metric, dataset), by_run in table.items():
        if dataset not in datasets:
            continue
        on = f" on {dataset}" if dataset else ""
        for new, a in by_run.items():
            for ref, b in by_run.items():
                if ref == new or not ({new} if ordered else {new, ref}) & new_runs:
                    continue
                where = f"{metric} of {new} vs {ref}{on}"
                out.append(Derived(a - b, "difference", where, fraction[metric]))
                if b:
                    out.append(Derived((a - b) / b, "relative", where))
                    out.append(Derived(a / b, "ratio", where))
    for metric in metrics:
        for run in new_runs:
            values = [v[run] for (mt, _), v in table.items() if mt == metric and run in v]
            if len(values) > 1:
                out.append(
                    Derived(
                        sum(values) / len(values),
                        "mean",
                        f"{metric} of {run} over data sets",
                        fraction[metric],
                    )
                )
    return out


def matches_derived(n: StatedNumber, d: Derived, percent: bool) -> bool:
    if d.what == "mean":  # of values rounded to the places written: one unit either way
        return any(abs(d.value * f - n.value) <= n.ulp for f in factors(n, percent, d.fraction))
    if d.what == "ratio":  # only where a ratio is said: "1.3x", "twice", "a speed-up of"
        if percent or n.sign or not (n.unit == "x" or _says_ratio(n.context)):
            return False
        if n.change and (d.value < 1) != (n.change < 0):
            return False
        return close(n, d.value, derived=True)
    if n.sign and (d.value < 0) != (n.sign < 0):
        return False
    if n.change and (d.value < 0) != (n.change < 0):
        return False
    if d.what == "relative":
        return percent and not n.points and close(n, d.value * 100, derived=True)
    return any(close(n, d.value * f, derived=True) for f in factors(n, percent, d.fraction))


@functools.lru_cache(maxsize=256)
def _says_ratio(context: str) -> bool:
    return bool(_RATIO_WORDS.search(context))


def stand_in(sentinels: Sequence[Sentinel], runs: Runs, m: Measurement) -> Sentinel | None:
    """The sentinel that makes measurement ``m`` a stand-in, not a result, or None."""
    if not sentinels or m.kind not in ("mean", "seed", "value"):
        return None
    return not_reached(sentinels, m.metric, m.value, runs.means(m.run, m.dataset))


def shown(value: float, n: StatedNumber, percent: bool, fraction: bool = True) -> str:
    """A stored value in the stated number's unit, to the stated places plus one."""
    decimals = max(0, -math.floor(math.log10(n.ulp))) + 1 if n.ulp > 0 else 4
    f = factors(n, percent, fraction)[0]
    text = f"{value * f:.{min(decimals, 8)}f}"
    if time_factor(n) is not None:
        return f"{text} {n.unit}"
    return text + (" %" if percent and f == 100.0 else "")
