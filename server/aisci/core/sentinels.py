"""Sentinel values a template writes where a measurement does not exist.

A template may write a stand-in where a quantity was never observed, e.g. grokking writes the
number of steps trained as ``step_val_acc_99`` when validation accuracy never reached 0.99. Such a
value is not a result, and a paper must never state it as one. The template declares it in its
optional ``aisci.json``:

```json
{"sentinels": [
  {"metric": "step_val_acc_99", "valid_when": "reached_val_acc_99",
   "means": "validation accuracy never reached 0.99"},
  {"metric": "best_epoch", "value": -1, "means": "no epoch improved on the first"}]}
```
With ``valid_when`` the metric is a measurement only in a data set where the mean of that other
key (a 0/1 flag per seed) is 1: a mean below 1 means some seed never got there, so the mean of
the metric mixes stand-ins into it. With ``value`` the metric equals that number exactly when it
is a stand-in. ``means`` says in words what the stand-in stands for; messages quote it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from aisci.execution.contract import read_settings

KEY = "sentinels"
_KNOWN = ("metric", "valid_when", "value", "means")


@dataclass(frozen=True)
class Sentinel:
    metric: str
    means: str  # what the stand-in stands for, in words ("validation accuracy never reached 0.99")
    valid_when: str | None = None  # a 0/1 key of the same data set's means; 1 = a real value
    value: float | None = None  # the stand-in number itself

    def describe(self) -> str:
        if self.value is not None:
            return f"{_plain(self.value)} is {self.metric}'s stand-in: {self.means}"
        return f"{self.metric} is a stand-in where {self.valid_when} is not 1: {self.means}"


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else repr(number)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def problems(section: object) -> list[str]:
    """What is wrong with the ``sentinels`` section of aisci.json (empty when it is fine).

    Each message names the entry and says what was expected, for ``aisci template check``.
    """
    if not isinstance(section, list):
        return [
            '"sentinels" must be a list of objects such as {"metric": "step_val_acc_99", '
            '"valid_when": "reached_val_acc_99", "means": "..."}'
        ]
    found: list[str] = []
    for i, entry in enumerate(section):
        where = f'"sentinels[{i}]"'
        if not isinstance(entry, dict):
            found.append(f"{where} must be an object, found {type(entry).__name__}")
            continue
        if not isinstance(entry.get("metric"), str) or not entry["metric"]:
            found.append(f'{where}: "metric" must name a key of final_info.json\'s "means"')
        if not isinstance(entry.get("means"), str) or not entry["means"].strip():
            found.append(f'{where}: "means" must say in words what the stand-in value stands for')
        has_flag, has_value = "valid_when" in entry, "value" in entry
        if has_flag == has_value:
            found.append(
                f'{where}: give exactly one of "valid_when" (a 0/1 key) or "value" (a number)'
            )
        elif has_flag and not (isinstance(entry["valid_when"], str) and entry["valid_when"]):
            found.append(
                f'{where}: "valid_when" must name a 0/1 key of the same data set\'s "means"'
            )
        elif has_value and not _is_number(entry["value"]):
            found.append(f'{where}: "value" must be a finite number, not {entry["value"]!r}')
        for key in sorted(set(entry) - set(_KNOWN)):
            found.append(f'{where}: unknown key "{key}"; known: {", ".join(_KNOWN)}')
    return found


def declared(template_dir: Path) -> list[Sentinel]:
    """The sentinels the template (or idea folder) in ``template_dir`` declares.

    No aisci.json, an unreadable one or an invalid section give none: ``problems`` reports the
    section to the template check, and a checker that cannot tell keeps treating values as results.
    """
    section = read_settings(Path(template_dir))[0].get(KEY)
    if section is None or problems(section):
        return []
    return [
        Sentinel(
            metric=entry["metric"],
            means=entry["means"].strip(),
            valid_when=entry.get("valid_when"),
            value=float(entry["value"]) if "value" in entry else None,
        )
        for entry in section
    ]


def not_reached(
    sentinels: Sequence[Sentinel],
    metric: str,
    value: float,
    means_of_dataset: Mapping[str, float],
) -> Sentinel | None:
    """The sentinel that makes ``value`` of ``metric`` a stand-in in this data set, or None.

    ``means_of_dataset`` is one data set's ``means`` of one run. A ``valid_when`` flag that the
    run did not write says nothing, so the value counts as measured (older runs keep working).
    """
    for sentinel in sentinels:
        if sentinel.metric != metric:
            continue
        if sentinel.value is not None:
            if math.isclose(float(value), sentinel.value, rel_tol=1e-9, abs_tol=1e-12):
                return sentinel
            continue
        flag = means_of_dataset.get(sentinel.valid_when or "")
        if flag is not None and _is_number(flag) and flag < 1 - 1e-9:
            return sentinel
    return None
