"""The numbers the runs produced, which a stated number may be, and the settings it may be.

Known values (``result_values``): every finite number in the ``run_*/final_info.json`` files
(means, stderrs, final_info_dict, nested; a list longer than ``LIST_CAP`` contributes its min,
max, first and last: it is a curve, and all its points would match almost anything) and in the
seed confirmation of a tree search (``tree.json``); and, derived from them, the differences,
relative changes and ratios between two runs' means of the same metric ("reduces the loss by
30.5%"). A file that cannot be read becomes a note, not an error. ``code_constants``: the
numeric constants of ``experiment.py`` and the ``run_*.py`` snapshots (hyperparameters, step
counts, data sizes), which a paper states as settings, not results.
"""

from __future__ import annotations

import ast
import math
import re
from pathlib import Path

from aisci.errors import AisciError
from aisci.execution import safefs
from aisci.execution.runner import finished_runs, read_results_json

LIST_CAP = 64


def _walk(obj, path: str):
    if isinstance(obj, bool):
        return
    if isinstance(obj, (int, float)):
        if math.isfinite(obj):
            yield float(obj), path
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from _walk(v, f"{path}.{k}" if path else str(k))
    elif isinstance(obj, list):
        nums = [
            float(x)
            for x in obj
            if isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)
        ]
        if len(obj) > LIST_CAP:  # a curve: its ends and extremes are what a paper quotes
            for what, v in (
                ("min", min(nums, default=None)),
                ("max", max(nums, default=None)),
                ("first", nums[0] if nums else None),
                ("last", nums[-1] if nums else None),
            ):
                if v is not None:
                    yield v, f"{path}[{what}]"
            return
        for i, v in enumerate(obj):
            yield from _walk(v, f"{path}[{i}]")


def result_values(
    idea_folder: Path,
) -> tuple[list[tuple[float, str]], list[tuple[float, str]], list[str]]:
    """(values of every run, differences/ratios between runs' means, notes)."""
    base, notes = [], []
    means: dict[str, list[tuple[str, float]]] = {}
    for run in finished_runs(idea_folder):
        if not safefs.kind(Path(idea_folder) / run / "final_info.json", root=Path(idea_folder)):
            continue
        try:
            data = read_results_json(idea_folder, run)
        except (OSError, ValueError, UnicodeDecodeError, AisciError) as e:
            notes.append(f"{run}/final_info.json could not be read: {getattr(e, 'message', e)}")
            continue
        for v, where in _walk(data, ""):
            base.append((v, f"{run}: {where}"))
            if ".means." in f".{where}" and "[" not in where:
                means.setdefault(where, []).append((run, v))
    base += _search_values(Path(idea_folder), notes)
    derived = []
    for where, runs in means.items():
        for i, (ra, a) in enumerate(runs):
            for rb, b in runs[i + 1 :]:
                pair = f"{where}, {ra} vs {rb}"
                derived.append((b - a, f"difference of {pair}"))
                for x, y, label in ((a, b, f"{rb}/{ra}"), (b, a, f"{ra}/{rb}")):
                    if x:
                        derived.append(
                            ((y - x) / x, f"relative change of {pair} (base {label.split('/')[1]})")
                        )
                        derived.append((y / x, f"ratio {label} of {where}"))
    return base, derived, notes


def _search_values(idea_folder: Path, notes: list[str]) -> list[tuple[float, str]]:
    """The seed confirmation of a tree search (tree.json): means and spreads over seeds."""
    if safefs.kind(idea_folder / "tree.json", root=idea_folder) != "file":
        return []
    try:
        data = safefs.read_json(idea_folder / "tree.json", root=idea_folder, limit=16 << 20)
    except (OSError, ValueError, UnicodeDecodeError, AisciError) as e:
        notes.append(f"tree.json could not be read: {getattr(e, 'message', e)}")
        return []
    confirmation = data.get("confirmation") if isinstance(data, dict) else None
    return [(v, f"tree.json: confirmation.{where}") for v, where in _walk(confirmation or {}, "")]


def code_constants(idea_folder: Path) -> list[tuple[float, str]]:
    """Numeric constants of experiment.py and the run_*.py snapshots: settings, not results."""
    out = []
    folder = Path(idea_folder)
    names = [
        name
        for name, what in safefs.list_dir(folder)
        if what == "file" and re.fullmatch(r"run_\d+\.py", name)
    ]
    for path in [folder / "experiment.py", *(folder / n for n in sorted(names))]:
        if not safefs.is_file(path, root=folder):
            continue
        source = safefs.read_text(path, root=folder, errors="replace")
        try:
            nums = [
                n.value
                for n in ast.walk(ast.parse(source))
                if isinstance(n, ast.Constant)
                and isinstance(n.value, (int, float))
                and not isinstance(n.value, bool)
            ]
        except SyntaxError:
            nums = [float(x) for x in re.findall(r"(?<![\w.])\d+\.?\d*(?:[eE][-+]?\d+)?", source)]
        out += [(float(v), path.name) for v in nums]
    return out
