"""Wall-clock metrics: values a run measures with the machine's clock (training seconds, tokens
per second), which a re-run of the same code with the same seed never gives back exactly, so
``aisci reproduce`` reports them as "not comparable (wall-clock)" rather than comparing them.

A template declares them in its optional ``aisci.json``:

```json
{"wall_clock": ["total_train_time", "tokens_per_second"]}
```
The declared list is the whole rule (``[]``: no metric is wall-clock, e.g. where a name with
"time" in it counts steps). Without it, a metric is wall-clock when a word of its name (split at
``_``, ``-``, ``.``, digits and lower-to-upper case changes) is one of ``WORDS``: a duration or a
rate of time (``train_time``, ``training_time``, ``train_seconds``, ``tokens_per_second``); a
count of steps (``step_val_acc_99``, ``timesteps``) is not. ``aisci template check`` validates
the section (``wall_clock_problems``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from aisci.execution.contract import FILE, read_settings
from aisci.problems import Problem

KEY = "wall_clock"
WORDS = frozenset(
    {
        "time",
        "times",
        "runtime",
        "walltime",
        "wall",
        "wallclock",
        "elapsed",
        "duration",
        "latency",
        "throughput",
        "second",
        "seconds",
        "sec",
        "secs",
        "ms",
        "minutes",
        "hours",
        "fps",
    }
)
_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")


def by_name(metric: str) -> bool:
    """The default rule: a word of ``metric``'s name names a duration or a rate of time."""
    return any(w.lower() in WORDS for w in _WORD.findall(metric))


def _section(folder: Path) -> Any:
    # An unreadable aisci.json gives none: contract_problems reports the file.
    return read_settings(folder)[0].get(KEY)


def _valid(section: Any) -> bool:
    return isinstance(section, list) and all(isinstance(m, str) and m for m in section)


def wall_clock_problems(folder: Path) -> list[Problem]:
    """Problems of the ``wall_clock`` section of ``aisci.json``, for ``aisci template check``."""
    section = _section(folder)
    if section is None or _valid(section):
        return []
    return [
        Problem(
            FILE,
            f'"{KEY}" must be a list of metric names of final_info.json\'s "means", such as '
            f'["total_train_time"], found {section!r}',
            field=KEY,
        )
    ]


class WallClock:
    """Which metrics of the template (or idea folder) in ``folder`` are wall-clock."""

    def __init__(self, folder: Path) -> None:
        section = _section(folder)
        self.declared: frozenset[str] | None = frozenset(section) if _valid(section) else None

    def __call__(self, metric: str | None) -> bool:
        if metric is None:
            return False
        return metric in self.declared if self.declared is not None else by_name(metric)

    def rule(self) -> str:
        """The rule in words, for a report."""
        if self.declared is None:
            return "by name (a word such as time, seconds or throughput in it)"
        return f"declared in {FILE}: {', '.join(sorted(self.declared)) or 'none'}"
