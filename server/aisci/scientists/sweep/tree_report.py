"""The sweep scientist's paper for a tree search: ``SweepReport``'s sections, told as a search.

Written from ``tree.json`` and the runs' final_info.json only; its Method is the search
paragraph every paper of a search gets (paper/search_paragraph.py), the best variant is told by
its whole path from the baseline, and every number is a value of a run or of the seed
confirmation recorded in tree.json, printed through its results macro (paper/results_macros.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aisci.core.search import load_tree
from aisci.errors import StateError
from aisci.paper.prose import fmt
from aisci.paper.results_macros import call
from aisci.paper.search_paragraph import (
    TREE_FIGURE,
    dataset_of,
    path_words,
    search_metric,
    search_paragraph,
    short_description,
)
from aisci.scientists.sweep.report import SweepReport
from aisci.tex_quote import tex_text, tex_tt

if TYPE_CHECKING:
    pass


def tree_figure_tex() -> str:
    return (
        "\\begin{figure}[t]\n\\centering\n"
        f"\\includegraphics[width=0.9\\linewidth]{{{TREE_FIGURE}}}\n"
        "\\caption{The search tree: each node is a variant of the experiment (colour: draft, improvement, "
        "debugging step or seed re-run; a cross: it failed), labelled with its run and metric value; the "
        "thick line leads to the best variant.}\n\\label{fig:tree}\n\\end{figure}"
    )


class TreeReport(SweepReport):
    """SweepReport's sections for a tree search over the knobs."""

    HIDDEN_FIGURES = frozenset({TREE_FIGURE})  # the tree figure has its own paragraph

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tree = load_tree(self.folder)
        if tree is None:
            raise StateError(
                f"{self.folder} has no tree.json: the report of a tree search is written from it.",
                "Run the experiments again (aisci launch --resume) to record the search.",
            )
        self.tree = tree
        self.metric = search_metric(tree)

    def label(self, run: str) -> str:
        if run == "run_0":
            return "baseline"
        node = self.tree.node(int(run[4:]))
        # A node carries its parent's changes too: the label says which run it was built on.
        on = f" (on {tex_tt(f'run_{node.parent}')})" if node.parent not in (None, 0) else ""
        return f"{tex_tt(run)}: {tex_text(short_description(node.description))}{on}"

    def _values_run(self) -> str:
        return ", ".join(tex_text(short_description(r.description)) for r in self.runs)

    def _headline(self) -> tuple[str, str]:
        dataset = self.metric.dataset or next(iter(self.results["run_0"]))
        return dataset, self.metric.name

    def _abstract(self) -> str:
        best = self.tree.best(self.metric.better)
        root = self.tree.node(0)
        if root.metric is None:
            raise StateError(
                f"tree.json of {self.folder} records no metric for the baseline (run_0).",
                "Run the experiments again (aisci launch --resume) to measure it.",
            )
        conf = self.tree.confirmation or {}
        text = (
            f"We search the knobs of a small experiment with a deterministic best-first tree search and report "
            f"what it measured. On {tex_tt(self.metric.name)}, the baseline measures "
            f"{self._value(0, root.means, root.metric)}"
        )
        if best is not None and best.id != 0 and best.metric is not None:
            text += (
                f" and the best variant found, {tex_tt(f'run_{best.id}')} "
                f"({path_words(self.tree, best)}), {self._value(best.id, best.means, best.metric)}"
            )
        else:
            text += "; no variant beat it"
        if conf.get("n"):
            text += (
                f". Re-run with {conf['n']} seeds, the best variant measures {self._seeds(conf, 'mean')}"
                + (f" $\\pm$ {self._seeds(conf, 'std')}" if conf.get("std") is not None else "")
            )
        return (
            text
            + ". The study was generated without a language model; it reports measurements, not explanations."
        )

    def _value(self, node: int, means: dict, value: float) -> str:
        """A node's metric through its results macro (its own digits for a record without means)."""
        dataset = dataset_of(self.metric, means)
        return call("res", f"run_{node}", dataset, self.metric.name) if dataset else fmt(value)

    def _seeds(self, conf: dict, stat: str) -> str:
        dataset = dataset_of(self.metric, conf.get("means") or {})
        return call("resseeds", dataset, self.metric.name, stat) if dataset else fmt(conf[stat])

    def _introduction(self) -> str:
        return (
            "This report searches the declared knobs of a small experiment: one knob at a time from the baseline, "
            "then around the best value of each knob and combinations of the best values. "
            r"Searches of this kind are an honest baseline for automated research systems~\citep{lu2024aiscientist}: "
            "they change known settings and report what was measured, confirmed over seeds."
        )

    def _method(self) -> str:
        return (
            search_paragraph(self.tree)
            + "\n\nEach variant changes only top-level constants of experiment.py. "
            + tex_text(self._boundary())
            + " Metrics are read from each run's final\\_info.json."
        )

    def _experimental_setup(self) -> str:
        datasets = ", ".join(tex_tt(d) for d in self.results["run_0"])
        scale = f" at the template's {tex_tt(self.scale)} scale" if self.scale else ""
        return (
            f"All runs use the template's datasets ({datasets}){scale}. The primary metric is "
            f"{tex_tt(self.metric.name)}, chosen by {tex_text(self.metric.source)}. Seed re-runs set "
            f"{tex_tt('AISCI_SEED')}, which the template reads in place of its own seeds."
        )

    def _results(self) -> str:
        text = [super()._results(), tree_figure_tex()]
        conf = self.tree.confirmation or {}
        if conf.get("means"):
            rows = []
            for dataset, metrics in conf["means"].items():
                for name, s in metrics.items():
                    mean = call("resseeds", dataset, name, "mean")
                    spread = (
                        f"{mean} $\\pm$ {call('resseeds', dataset, name, 'std')}"
                        if s.get("std") is not None
                        else mean
                    )
                    rows.append(f"{tex_tt(dataset)} & {tex_tt(name)} & {spread} \\\\")
            text.append(
                "\\begin{table}[t]\n\\centering\n"
                f"\\caption{{The best variant over {conf['n']} seeds: mean $\\pm$ standard deviation.}}\n"
                "\\label{tab:seeds}\n\\begin{tabular}{llr}\n\\toprule\ndataset & metric & over seeds \\\\\n"
                "\\midrule\n" + "\n".join(rows) + "\n\\bottomrule\n\\end{tabular}\n\\end{table}"
            )
            text.append(
                "Table~\\ref{tab:seeds} gives the best variant's metrics over the seed re-runs."
            )
        return "\n\n".join(text)

    def _conclusion(self) -> str:
        return (
            "The search moves the measured metrics as the tables show. Its limits are those of its design: only "
            "the declared knobs and values near them, the template's small scale, and as many seeds as it re-ran. "
            "A model-driven study, or a larger scale, is needed before any of these effects is read as general."
        )
