"""What a results folder's numbers mean, for the editor's Runs view and Results page.

Contract: ``of_folder(folder)`` gives the metric the folder's numbers are judged by (the one its
search ranked by, in tree.json, so the Runs view and the Search tree agree; else the one the
template declares in aisci.json ``metric``; its ``direction`` says which change is better) and
the template's declared sentinels, read from the folder's own copy of the template, else from
the template it was made from (a folder made before the template declared them). ``not_reached(sentinels, means)`` names, per data set, the
means that are a sentinel's stand-in rather than a measurement (core/sentinels.py's rule, the
one the paper check applies), with what the stand-in stands for.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from aisci.core import sentinels as stand_ins
from aisci.core.metric import Metric, declared_metric
from aisci.core.search import load_tree
from aisci.core.sentinels import Sentinel
from aisci.errors import AisciError
from aisci.lsp import locate


def _searched(folder: Path) -> Metric | None:
    """The metric the folder's search ranked by (tree.json), which the Search tree shows."""
    try:
        tree = load_tree(folder)
    except AisciError:
        return None  # aisci.getTree says how to repair the record
    return Metric.from_dict(tree.metric) if tree is not None and tree.metric else None


def of_folder(folder: Path) -> tuple[Metric | None, list[Sentinel]]:
    metric, declared = _searched(folder) or declared_metric(folder), stand_ins.declared(folder)
    if metric is None or not declared:
        template = locate.recorded_template_path(folder)
        if template is not None:
            metric = metric or declared_metric(template)
            declared = declared or stand_ins.declared(template)
    return metric, declared


def not_reached(sentinels: Sequence[Sentinel], means: Mapping) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    if not sentinels:
        return found
    for dataset, values in means.items():
        if not isinstance(values, Mapping):
            continue  # a flat {metric: number}: no data set to read a valid_when flag from
        for metric, value in values.items():
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                continue
            hit = stand_ins.not_reached(sentinels, metric, value, values)
            if hit is not None:
                found.setdefault(dataset, {})[metric] = hit.means
    return found
