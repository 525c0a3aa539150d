"""The paragraph on the search that every paper of a tree search gets, whoever wrote the paper.

Written from ``tree.json`` only: what ran, how it was selected, what won and the seeds that
confirm it. The winner is described by its whole path from the baseline (``best_path``): a node
carries every change of its ancestors, so naming its own change alone would misstate what was
measured. Every measured number is printed through its results macro (paper/results_macros.py:
a run's mean, or the seed confirmation recorded in tree.json); counts of nodes carry the
``not-a-result`` opt-out (they are the search's bookkeeping, not measurements). The sweep
scientist's tree report puts it in its Method section; the LLM scientist's prompts show it as
material (scientists/llm/material.py).
"""

from __future__ import annotations

from aisci.core.metric import Metric
from aisci.core.search import Node, Tree
from aisci.errors import StateError
from aisci.paper.prose import fmt
from aisci.paper.results_macros import call
from aisci.tex_quote import tex_text, tex_tt

TREE_FIGURE = "search_tree.png"  # drawn by the search (core/search/figure.py) beside tree.json
OPT_OUT = "% aisci: not-a-result"


def short_description(description: str) -> str:
    return description.split(" (")[0]


def search_metric(tree: Tree) -> Metric:
    """The metric the search optimised, as tree.json records it."""
    if not tree.metric:
        raise StateError(
            "tree.json records no metric: the search has no paragraph to write.",
            "Run the experiments again (aisci launch --resume) so the search records its metric.",
        )
    return Metric.from_dict(tree.metric)


def best_path(tree: Tree, best: Node) -> list[Node]:
    """The nodes from the baseline's first change to ``best``: together, its whole change."""
    return [tree.node(i) for i in tree.path_to(best.id) if tree.node(i).kind != "root"]


def path_words(tree: Tree, best: Node) -> str:
    """The best node's whole change from the baseline, in LaTeX: each step's own change."""
    steps = [
        f"{tex_tt(f'run_{n.id}')}: {tex_text(short_description(n.description))}"
        for n in best_path(tree, best)
    ]
    if len(steps) == 1:
        return f"its one change from the baseline is {steps[0]}"
    return "it carries every change on its path from the baseline, in order: " + "; ".join(steps)


def dataset_of(metric: Metric, means: dict) -> str | None:
    """The data set whose value ``metric.value(means)`` reads."""
    datasets = [metric.dataset] if metric.dataset else list(means)
    return next((d for d in datasets if metric.name in (means.get(d) or {})), None)


def _seeds_call(metric: Metric, conf: dict, stat: str) -> str:
    """The seed confirmation's ``stat`` of the search's metric, through its macro."""
    dataset = dataset_of(metric, conf.get("means") or {})
    if dataset is None:  # a record from before per-metric means: its own number
        return fmt(conf[stat])
    return call("resseeds", dataset, metric.name, stat)


def search_summary(tree: Tree) -> dict:
    nodes = tree.search_nodes()
    ran = [n for n in nodes if n.run]
    return {
        "drafts": sum(n.kind == "draft" for n in nodes),
        "improve": sum(n.kind == "improve" for n in nodes),
        "debug": sum(n.kind == "debug" for n in nodes),
        "ran": len(ran),
        "failed": sum(n.status == "failed" for n in ran),
        "limit": tree.settings.get("max_nodes"),
    }


def search_paragraph(tree: Tree) -> str:
    """The search in prose (LaTeX), from the record: what ran, how it was selected, what won,
    and the seeds that confirm it."""
    metric = search_metric(tree)
    c = search_summary(tree)
    best = tree.best(metric.better)
    text = [
        (
            f"The experiments are a best-first tree search on {tex_tt(metric.name)}"
            + (f" of {tex_tt(metric.dataset)}" if metric.dataset else "")
            + f" ({'higher' if metric.direction == 'max' else 'lower'} is better; chosen by "
            + tex_text(metric.source)
            + "). "
            + f"It ran {c['ran']} variants of the experiment (at most {c['limit']}): {c['drafts']} drafts from "
            f"the baseline, {c['improve']} improvements of good variants and {c['debug']} debugging steps; "
            f"{c['failed']} failed. {OPT_OUT}"
        ),
        (
            "Selection rule: "
            + tex_text(tree.settings.get("rule", "")).replace("--", "-{}-")
            + ". "
            "Figure~\\ref{fig:tree} shows the tree."
        ),
    ]
    if best is not None and best.metric is not None:  # Tree.best only picks nodes with a metric
        dataset = dataset_of(metric, best.means)
        value = call("res", f"run_{best.id}", dataset, metric.name) if dataset else fmt(best.metric)
        if best.id == 0:
            where = "the baseline itself"
        else:
            where = f"{tex_tt(f'run_{best.id}')} ({path_words(tree, best)})"
        text.append(
            f"The best variant is {where}, with {tex_tt(metric.name)} {value} in the search."
        )
    conf = tree.confirmation
    if conf and conf.get("n"):
        mean = _seeds_call(metric, conf, "mean")
        spread = (
            f"{mean} $\\pm$ {_seeds_call(metric, conf, 'std')} (mean $\\pm$ standard deviation)"
            if conf.get("std") is not None
            else f"{mean} (one seed: no spread to measure)"
        )
        text.append(
            f"Re-run with {conf['n']} further seeds ({tex_tt('AISCI_SEED')} = "
            f"{', '.join(str(s) for s in conf['seeds'])}), it measures {spread}; we report this "
            "mean, not the single run that won the search. " + OPT_OUT
        )
    else:
        text.append("It was not re-run with other seeds, so its value is a single run.")
    return "\n".join(text)
