"""The primary metric a search optimises: declared by the template, or chosen and said so.

A template may declare it in its optional ``aisci.json``:

```json
{"metric": {"name": "final_val_acc", "dataset": "x_plus_y", "direction": "max"}}
```
``name`` is a key of ``means`` in ``final_info.json``; ``dataset`` its top-level key (optional
when there is one data set); ``direction`` is ``max`` or ``min``. ``aisci template check``
validates it. Without one the scientist chooses, and the tree record and the paper state the
choice and who made it (``source``).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from aisci.execution import safefs
from aisci.problems import Problem

FILE = "aisci.json"
DIRECTIONS = ("max", "min")
_LOWER_IS_BETTER = re.compile(
    r"loss|error|err\b|kl|perplex|time|step|mse|mae|rmse|divergence|latency", re.I
)


@dataclass(frozen=True)
class Metric:
    name: str
    dataset: str | None
    direction: str  # "max" or "min"
    source: str = "template"  # who chose it: "template (aisci.json)" or the scientist and how

    def value(self, means: dict[str, dict[str, float]]) -> float | None:
        """The metric in one run's means (``{dataset: {metric: value}}``), or None."""
        datasets = [self.dataset] if self.dataset else list(means)
        for dataset in datasets:
            value = (means.get(dataset) or {}).get(self.name)
            if isinstance(value, (int, float)):
                return float(value)
        return None

    def better(self, a: float, b: float) -> bool:
        return a > b if self.direction == "max" else a < b

    def label(self) -> str:
        where = f"{self.dataset}/" if self.dataset else ""
        return f"{where}{self.name} ({'higher' if self.direction == 'max' else 'lower'} is better)"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Metric:
        return cls(
            data["name"], data.get("dataset"), data["direction"], data.get("source", "template")
        )


def _section(folder: Path) -> Any:
    path = Path(folder) / FILE
    if safefs.kind(path, root=Path(folder)) is None:
        return None
    try:
        data = json.loads(safefs.read_text(path, root=Path(folder), limit=1 << 20))
    except (ValueError, UnicodeDecodeError, safefs.UnsafePathError):
        return None  # contract_problems reports an unreadable aisci.json
    return data.get("metric") if isinstance(data, dict) else None


def metric_problems(folder: Path) -> list[Problem]:
    """Problems of the ``metric`` section of ``aisci.json``, for ``aisci template check``."""
    section = _section(folder)
    if section is None:
        return []
    if not isinstance(section, dict):
        return [
            Problem(
                FILE,
                '"metric" must be an object: {"name": ..., "dataset": ..., "direction": "max"|"min"}',
                field="metric",
            )
        ]
    problems = []
    if not isinstance(section.get("name"), str) or not section.get("name"):
        problems.append(
            Problem(
                FILE,
                '"metric.name" must name a metric of final_info.json\'s "means"',
                field="metric.name",
            )
        )
    if "dataset" in section and not (isinstance(section["dataset"], str) and section["dataset"]):
        problems.append(
            Problem(
                FILE,
                '"metric.dataset" must name a data set of final_info.json',
                field="metric.dataset",
            )
        )
    if section.get("direction") not in DIRECTIONS:
        problems.append(
            Problem(
                FILE,
                f'"metric.direction" must be "max" or "min", found {section.get("direction")!r}',
                field="metric.direction",
            )
        )
    for key in set(section) - {"name", "dataset", "direction"}:
        problems.append(
            Problem(
                FILE,
                f'unknown key "metric.{key}"; known: name, dataset, direction',
                severity="warning",
                field=f"metric.{key}",
            )
        )
    return problems


def declared_metric(folder: Path) -> Metric | None:
    """The metric the template in ``folder`` declares, or None (none, or not valid)."""
    section = _section(folder)
    if not isinstance(section, dict) or metric_problems(folder):
        return None
    return Metric(
        section["name"], section.get("dataset"), section["direction"], "template (aisci.json)"
    )


def first_metric(means: dict[str, dict[str, float]], source: str) -> Metric | None:
    """The first metric of a run's means, its direction guessed from its name (losses, errors,
    times and step counts are lower-is-better). The sweep scientist's choice without a declaration."""
    for dataset, values in means.items():
        for name in values:
            direction = "min" if _LOWER_IS_BETTER.search(name) else "max"
            return Metric(name, dataset, direction, source)
    return None
