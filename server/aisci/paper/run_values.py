"""What the runs measured, named: each number of ``run_*/final_info.json`` with its run, data set,
metric and kind; what the runs are called; and the settings a paper may state.

``collect(idea_folder)`` reads the shapes the templates write: ``{dataset: {"means": {...},
"stderrs": {...}, "final_info_dict": {metric: [one value per seed]}}}`` and the original system's
plain ``{dataset: {"means": {...}}}`` (any other nesting is read too, its last key taken as the
metric). Kinds: ``mean``, ``stderr``, ``std`` (the spread over seeds, computed from
``final_info_dict``: papers write mean +- std as often as +- stderr), ``seed`` (one seed's value)
and ``value`` (anything else). A list longer than ``LIST_CAP`` is a curve (kind ``curve``): only
its first, last, min and max count. The seed confirmation of a tree search (``tree.json``) is read
as the run ``confirmation``. Run names come from notes.txt (``## Run 3: Weight decay 1.0`` and its
``Description:``) and the ``labels`` of plot.py; the paper's own table rows add more later.

``setup_values``: numeric constants of ``experiment.py`` and the ``run_*.py`` snapshots (with the
baseline's ``run_0.py`` where the idea folder has none: a sweep's ideas copy the baseline's
results, not its code), and the products of two whole-number constants (a data set of 97 x 97 pairs, 28 x 28 pixels), which a
paper states as settings, not results.
"""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from aisci.core.records import IdeaState
from aisci.errors import AisciError
from aisci.execution import safefs
from aisci.execution.runner import finished_runs, read_results_json

LIST_CAP = 64
_KINDS = {"means": "mean", "stderrs": "stderr", "final_info_dict": "seed"}
_CURVE = "\0curve"  # marks the ends and extremes of a long list in a key path


@dataclass(frozen=True)
class Measurement:
    value: float
    run: str  # "run_3", or "confirmation" for tree.json
    dataset: str
    metric: str
    kind: str  # mean, stderr, std, seed, value, curve
    fraction: bool = True  # every mean of this metric lies in [-1, 1]: "95.6 %" means 0.956

    def where(self) -> str:
        on = f" on {self.dataset}" if self.dataset else ""
        what = "" if self.kind in ("mean", "value") else f" ({self.kind})"
        return f"{self.metric}{what} of {self.run}{on}"


@dataclass
class Runs:
    """Every measurement of an idea folder, and what its runs are called."""

    measurements: list[Measurement] = field(default_factory=list)
    names: dict[str, list[str]] = field(default_factory=dict)  # run -> titles, descriptions
    notes: list[str] = field(default_factory=list)

    @property
    def metrics(self) -> list[str]:
        return sorted({m.metric for m in self.measurements})

    @property
    def datasets(self) -> list[str]:
        return sorted({m.dataset for m in self.measurements if m.dataset})

    @property
    def runs(self) -> list[str]:
        return sorted({m.run for m in self.measurements}, key=_run_order)

    def means(self, run: str, dataset: str) -> dict[str, float]:
        return {
            m.metric: m.value
            for m in self.measurements
            if m.run == run and m.dataset == dataset and m.kind == "mean"
        }


def _run_order(run: str) -> tuple[int, str]:
    tail = run.rsplit("_", 1)[-1]
    return (int(tail), run) if tail.isdigit() else (1 << 30, run)


def _number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _walk(obj: Any, keys: tuple[str, ...]):
    """(value, key path) of every number; a long list (a curve) gives its ends and extremes."""
    if _number(obj):
        yield float(obj), keys
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from _walk(v, (*keys, str(k)))
    elif isinstance(obj, list):
        nums = [float(x) for x in obj if _number(x)]
        if len(obj) > LIST_CAP:
            for v in {nums[0], nums[-1], min(nums), max(nums)} if nums else ():
                yield v, (*keys, _CURVE)
            return
        for v in obj:
            yield from _walk(v, keys)


def _measurements(data: dict, run: str) -> list[Measurement]:
    out = []
    for value, keys in _walk(data, ()):
        curve = keys[-1:] == (_CURVE,)
        keys = keys[:-1] if curve else keys
        kind_at = next((i for i, k in enumerate(keys) if k in _KINDS), None)
        if kind_at is not None and kind_at + 1 < len(keys):
            dataset, metric = "/".join(keys[:kind_at]), keys[kind_at + 1]
            kind = _KINDS[keys[kind_at]]
        else:
            dataset, metric, kind = (keys[0] if len(keys) > 1 else ""), keys[-1], "value"
        out.append(Measurement(value, run, dataset, metric, "curve" if curve else kind))
    # The spread over seeds as a standard deviation, from the per-seed lists.
    for dataset, block in data.items():
        seeds = block.get("final_info_dict") if isinstance(block, dict) else None
        for metric, values in (seeds or {}).items():
            nums = [float(x) for x in values if _number(x)] if isinstance(values, list) else []
            if 1 < len(nums) <= LIST_CAP:
                mean = sum(nums) / len(nums)
                std = math.sqrt(sum((x - mean) ** 2 for x in nums) / (len(nums) - 1))
                out.append(Measurement(std, run, dataset, metric, "std"))
    return out


def collect(idea_folder: Path) -> Runs:
    """The measurements and names of the runs of ``idea_folder``; unreadable files become notes."""
    folder = Path(idea_folder)
    runs = Runs()
    for run in finished_runs(folder):
        if not safefs.kind(folder / run / "final_info.json", root=folder):
            continue
        try:
            data = read_results_json(folder, run)
        except (OSError, ValueError, UnicodeDecodeError, AisciError) as e:
            runs.notes.append(
                f"{run}/final_info.json could not be read: {getattr(e, 'message', e)}"
            )
            continue
        runs.measurements += _measurements(data, run)
    runs.measurements += _confirmation(folder, runs.notes)
    runs.names = _names(folder)
    wide = {m.metric for m in runs.measurements if m.kind in ("mean", "value") and abs(m.value) > 1}
    runs.measurements = [replace(m, fraction=m.metric not in wide) for m in runs.measurements]
    return runs


def _confirmation(folder: Path, notes: list[str]) -> list[Measurement]:
    """The seed confirmation of a tree search (tree.json): means and spreads over seeds."""
    if safefs.kind(folder / "tree.json", root=folder) != "file":
        return []
    try:
        data = safefs.read_json(folder / "tree.json", root=folder, limit=16 << 20)
    except (OSError, ValueError, UnicodeDecodeError, AisciError) as e:
        notes.append(f"tree.json could not be read: {getattr(e, 'message', e)}")
        return []
    confirmation = data.get("confirmation") if isinstance(data, dict) else None
    if not isinstance(confirmation, dict):
        return []
    return [
        Measurement(v, "confirmation", keys[0] if len(keys) > 1 else "", keys[-1], "value")
        for v, keys in _walk(confirmation, ())
    ]


def _read(folder: Path, name: str) -> str:
    path = folder / name
    if not safefs.is_file(path, root=folder):
        return ""
    try:
        return safefs.read_text(path, root=folder, errors="replace", limit=4 << 20)
    except (OSError, safefs.UnsafePathError):
        return ""


def _names(folder: Path) -> dict[str, list[str]]:
    """run -> what it is called: notes.txt titles and descriptions, plot.py's ``labels``."""
    names: dict[str, list[str]] = {}
    run = None
    for line in _read(folder, "notes.txt").splitlines():
        head = re.match(r"##\s*Run\s+(\d+)\s*:\s*(.*)", line)
        if head:
            run = f"run_{head.group(1)}"
            names.setdefault(run, []).append(head.group(2).strip())
        elif line.startswith("#"):
            run = None
        elif run and line.startswith("Description:"):
            names[run].append(line.split(":", 1)[1].strip())
    try:
        tree = ast.parse(_read(folder, "plot.py"))
    except SyntaxError:
        return names
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict):
            if not any(isinstance(t, ast.Name) and t.id == "labels" for t in node.targets):
                continue
            for k, v in zip(node.value.keys, node.value.values, strict=False):
                if isinstance(k, ast.Constant) and isinstance(v, ast.Constant):
                    names.setdefault(str(k.value), []).append(str(v.value))
    return names


def code_constants(idea_folder: Path) -> list[tuple[float, str]]:
    """Numeric constants of experiment.py and the run_*.py snapshots: settings, not results."""
    out = []
    folder = Path(idea_folder)
    names = [
        name
        for name, what in safefs.list_dir(folder)
        if what == "file" and re.fullmatch(r"run_\d+\.py", name)
    ]
    sources = [(name, _read(folder, name)) for name in ["experiment.py", *sorted(names)]]
    if "run_0.py" not in names:
        sources.append(("run_0.py of the baseline", _baseline_code(folder)))
    for name, source in sources:
        try:
            nums = [
                float(n.value)
                for n in ast.walk(ast.parse(source))
                if isinstance(n, ast.Constant)
                and isinstance(n.value, (int, float))
                and _number(n.value)
            ]
        except SyntaxError:
            nums = [float(x) for x in re.findall(r"(?<![\w.])\d+\.?\d*(?:[eE][-+]?\d+)?", source)]
        out += [(v, name) for v in nums]
    return out


def _baseline_code(folder: Path) -> str:
    """The ``run_0.py`` of the baseline the idea in ``folder`` was created from, or ""."""
    created = IdeaState.read(folder).step("created")
    baseline = created.get("baseline") if created else None
    if not isinstance(baseline, str):
        return ""
    return _read(Path(baseline).parent, "run_0.py")


def setup_values(idea_folder: Path) -> list[tuple[float, str]]:
    """Code constants and the products of two whole-number ones (data-set and input sizes)."""
    constants = code_constants(idea_folder)
    whole = sorted({v for v, _ in constants if v.is_integer() and 1 < v <= 100_000})
    products = [
        (a * b, f"{a:g} x {b:g} from the code") for i, a in enumerate(whole) for b in whole[i:]
    ]
    return constants + products
