"""Run results: the parsed, validated ``final_info.json`` of one run.

Contract (design.md §2): ``{"<dataset>": {"means": {"<metric>": number}, "stderrs": {...}?,
"final_info_dict": {...}?}}``. Only ``means`` is required. A NaN or infinite mean is an error:
a paper must never report it as a result. The run wrote the file, so it is read without
following a link and decoded within ``runjson``'s limits (size, depth, digits).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aisci.errors import ExperimentError
from aisci.execution import runjson, safefs


@dataclass(frozen=True)
class DatasetResult:
    means: dict[str, float]
    stderrs: dict[str, float] = field(default_factory=dict)
    final_info_dict: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FinalInfo:
    datasets: dict[str, DatasetResult]

    def means(self) -> dict[str, dict[str, float]]:
        return {name: dict(d.means) for name, d in self.datasets.items()}

    def to_dict(self) -> dict[str, Any]:
        return {
            name: {"means": d.means, "stderrs": d.stderrs, "final_info_dict": d.final_info_dict}
            for name, d in self.datasets.items()
        }


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def parse_final_info(data: Any, where: str = "final_info.json") -> FinalInfo:
    """Validate the decoded JSON; raise ExperimentError naming every problem."""
    problems: list[str] = []
    if not isinstance(data, dict) or not data:
        raise ExperimentError(
            f"{where} is not in the expected shape: it must be a non-empty object "
            f'{{"<dataset>": {{"means": {{"<metric>": number}}}}}}, found {type(data).__name__}.',
            'Make experiment.py write one entry per dataset with a "means" object of numbers.',
        )
    datasets: dict[str, DatasetResult] = {}
    for name, entry in data.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("means"), dict):
            problems.append(f'"{name}" has no "means" object')
            continue
        means: dict[str, float] = {}
        for metric, value in entry["means"].items():
            if not _is_number(value):
                problems.append(f'"{name}".means."{metric}" is {json.dumps(value)}, not a number')
            elif not math.isfinite(value):
                problems.append(f'"{name}".means."{metric}" is {value} (not finite)')
            else:
                means[metric] = float(value)
        if not entry["means"]:
            problems.append(f'"{name}".means is empty')
        stderrs = entry.get("stderrs") or {}
        if not isinstance(stderrs, dict):
            problems.append(f'"{name}".stderrs must be an object')
            stderrs = {}
        clean_stderrs = {
            k: float(v) for k, v in stderrs.items() if _is_number(v) and math.isfinite(v)
        }
        info = entry.get("final_info_dict") or {}
        datasets[name] = DatasetResult(means, clean_stderrs, info if isinstance(info, dict) else {})
    if problems:
        raise ExperimentError(
            f"{where} has invalid results: " + "; ".join(problems) + ".",
            "Check how experiment.py computes and writes these metrics (a NaN usually means the "
            "training diverged: lower the learning rate or check the loss).",
        )
    return FinalInfo(datasets)


def load_final_info(path: Path) -> FinalInfo:
    """``<run>/final_info.json``, validated; read without following a link (a run wrote it)."""
    path = Path(path)
    if safefs.kind(path, root=path.parent.parent) is None:
        raise ExperimentError(
            f"{path.parent.name}/final_info.json was not written: the experiment finished without results.",
            "experiment.py must write <out_dir>/final_info.json; check that it uses --out_dir and writes there.",
        )
    where = f"{path.parent.name}/final_info.json"
    data = safefs.read_bytes(path, root=path.parent.parent, limit=runjson.MAX_BYTES + 1)
    if len(data) > runjson.MAX_BYTES:
        raise runjson.too_large(where)
    return parse_final_info_text(data.decode("utf-8", errors="replace"), where=where)


def parse_final_info_text(text: str, *, where: str) -> FinalInfo:
    return parse_final_info(runjson.loads(text, where), where=where)
