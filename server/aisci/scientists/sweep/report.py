"""The sweep scientist's paper: a plain, honest report written from the measured numbers.

Every number in it is a value of a run's final_info.json, printed through its results macro
(paper/results_macros.py: the PDF shows the same four significant digits, with a link to the
run and file it came from, and a name no run recorded stops the build); every figure is one
plot.py made and is referenced in the text; effects are stated as measured ("from a to b"),
never as causes. ``SweepScientist.propose_section`` drafts each section from it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aisci.core.records import read_run_results
from aisci.core.state import State
from aisci.errors import ExperimentError
from aisci.execution.boundary import describe_boundaries
from aisci.paper.results_macros import call
from aisci.tex_quote import is_safe_file_name, tex_file_name, tex_text, tex_tt

if TYPE_CHECKING:
    from aisci.core.ideas import Idea
    from aisci.core.scientist import RunRecord

log = logging.getLogger(__name__)


def _final_info(folder: Path, run: str) -> dict[str, Any]:
    """The run's validated results as the report indexes them; an unreadable run stops the
    report with the reader's message (a report with a run left out would mislead)."""
    info, problem = read_run_results(folder, run)
    if info is None:
        raise ExperimentError(
            f"The report cannot be written: {problem}",
            "Restore that run's final_info.json or run the experiments again, then write the paper again.",
        )
    return info.to_dict()


def bib_keys(bib: Path) -> list[str]:
    """The entry keys of ``bib`` that ``\\citet{}`` can take as they are: a key with a brace or
    a backslash would end the citation and start TeX commands, so it is left out."""
    if not bib.is_file():
        return []
    keys = re.findall(
        r"@\w+\s*\{\s*([^,\s]+)\s*,", bib.read_text(encoding="utf-8", errors="replace")
    )
    return [k for k in keys if re.fullmatch(r"[A-Za-z0-9_:.+/-]+", k)]


class SweepReport:
    """Sections of the report for one sweep idea folder."""

    HIDDEN_FIGURES: frozenset[str] = frozenset()  # figures a kind of report does not describe

    def __init__(
        self,
        folder: Path,
        idea: Idea,
        runs: Iterable[RunRecord],
        figures: dict[str, str],
        task: str,
        scale: str | None,
    ) -> None:
        self.folder = Path(folder)
        self.idea = idea
        self.runs = list(runs)  # RunRecord of finished runs, in order
        # figure file -> description
        self.figures = {k: v for k, v in figures.items() if k not in self.HIDDEN_FIGURES}
        self.task = task
        self.scale = scale
        self.constant = idea.extra.get("constant", "the knob")
        self.baseline_value = idea.extra.get("baseline_value")
        self.results = {"run_0": _final_info(self.folder, "run_0")}
        for record in self.runs:
            self.results[record.run] = _final_info(self.folder, record.run)

    def label(self, run: str) -> str:
        if run == "run_0":
            return f"baseline ({tex_tt(self.constant)} $=$ {tex_text(repr(self.baseline_value))})"
        record = next(r for r in self.runs if r.run == run)
        value = record.description.split(" = ", 1)[-1].split(" (baseline")[0]
        return f"{tex_tt(self.constant)} $=$ {tex_text(value)}"

    def section(self, name: str) -> str:
        return getattr(self, "_" + name.lower().replace(" ", "_"))()

    def _title(self) -> str:
        return tex_text(self.idea.title)

    def _values_run(self) -> str:
        """The values that were really run (a value a person rejected never was)."""
        return ", ".join(
            tex_text(r.description.split(" = ", 1)[-1].split(" (baseline")[0]) for r in self.runs
        )

    def _abstract(self) -> str:
        values = self._values_run()
        dataset, metric = self._headline()
        parts = [
            f"{call('res', r.run, dataset, metric)} with {self.label(r.run)}"
            for r in self.runs
            if metric in self.results[r.run].get(dataset, {}).get("means", {})
        ]
        return (
            f"We measure how the template's results depend on one hyperparameter, {tex_tt(self.constant)}, by "
            f"running the unchanged experiment with {tex_tt(self.constant)} set to {values} in turn and comparing "
            f"every metric with the baseline value {tex_text(repr(self.baseline_value))}. "
            f"On {tex_tt(dataset)}, {tex_tt(metric)} is {call('res', 'run_0', dataset, metric)} "
            "for the baseline and " + "; ".join(parts) + ". "
            "The study is a one-factor sweep generated without a language model; it reports measurements, "
            "not explanations."
        )

    def _headline(self) -> tuple[str, str]:
        dataset = next(iter(self.results["run_0"]))
        metrics = list(self.results["run_0"][dataset]["means"])
        preferred = [m for m in metrics if re.search(r"val|test|eval|kl", m)] or metrics
        return dataset, preferred[0]

    def _introduction(self) -> str:
        return (
            f"This report studies one knob of a small experiment: {tex_tt(self.constant)} "
            f"({tex_text(self.idea.extra.get('knob', ''))}). "
            f"We change only {tex_tt(self.constant)}, from its baseline value "
            f"{tex_text(repr(self.baseline_value))} to {self._values_run()} (one run per value), and compare "
            "every metric with the baseline. Sweeps of this kind are the simplest honest baseline for automated research "
            r"systems~\citep{lu2024aiscientist}: they change one thing at a time and report what was measured."
        )

    def _background(self) -> str:
        return "The experiment, as its template describes it: " + tex_text(self.task)

    def _method(self) -> str:
        return (
            f"We copy the template's experiment and change only the assignment of {tex_tt(self.constant)} in "
            "experiment.py; each value is one run, with the same code, data and seeds as the baseline. "
            + tex_text(self._boundary())
            + " Metrics are read from each "
            "run's final\\_info.json; where the experiment reports standard errors over seeds, we show them."
        )

    def _boundary(self) -> str:
        """What isolated the runs, as each run's state recorded it (never assumed)."""

        steps = State.load(self.folder).steps()
        return describe_boundaries([steps.get(r.run, {}).get("boundary") for r in self.runs])

    def _experimental_setup(self) -> str:
        datasets = ", ".join(tex_tt(d) for d in self.results["run_0"])
        metrics = sorted({m for d in self.results["run_0"].values() for m in d["means"]})
        scale = f" at the template's {tex_tt(self.scale)} scale" if self.scale else ""
        return (
            f"All runs use the template's datasets ({datasets}){scale}. The metrics are "
            f"{', '.join(tex_tt(m) for m in metrics)}. There are {len(self.runs) + 1} runs: the baseline and "
            f"{len(self.runs)} changed value(s) of {tex_tt(self.constant)}."
        )

    def _results(self) -> str:
        out = [f"Table~\\ref{{tab:{i}}}" for i, _ in enumerate(self.results["run_0"])]
        text = [
            f"{', '.join(out)} list{'s' if len(out) == 1 else ''} the measured means for every run"
            + " with n, the seeds behind each value where the run recorded them"
            + (
                " (± standard error where more than one seed ran)."
                if self._has_stderr()
                else ". The runs report no spread over seeds: with a single seed there is none to measure."
            )
        ]
        for i, (dataset, data) in enumerate(self.results["run_0"].items()):
            text.append(self._table(i, dataset, list(data["means"])))
        dataset, metric = self._headline()
        values = {run: res[dataset]["means"].get(metric) for run, res in self.results.items()}
        values = {k: v for k, v in values.items() if v is not None}
        low = min(values, key=lambda run: values[run])
        high = max(values, key=lambda run: values[run])
        text.append(
            f"On {tex_tt(dataset)}, the lowest {tex_tt(metric)} ({call('res', low, dataset, metric)}) "
            f"comes from {self.label(low)} and the highest ({call('res', high, dataset, metric)}) "
            f"from {self.label(high)}."
        )
        for i, (figure, description) in enumerate(sorted(self._safe_figures().items())):
            text.append(f"Figure~\\ref{{fig:{i}}} shows {tex_text(figure)}.")
            text.append(
                "\\begin{figure}[t]\n\\centering\n"
                f"\\includegraphics[width=0.7\\linewidth]{{{tex_file_name(figure)}}}\n"
                f"\\caption{{{tex_text(description)}}}\n\\label{{fig:{i}}}\n\\end{{figure}}"
            )
        return "\n\n".join(text)

    def _safe_figures(self) -> dict[str, str]:
        """The figures whose names TeX can take as they are. aisci renames every figure it copies
        back (execution/plotting.py), so another name is a record written before that; it is
        left out rather than quoted into a file name TeX would read differently."""
        figures = {}
        for name, description in self.figures.items():
            if is_safe_file_name(name):
                figures[name] = description
            else:
                log.warning("figure %r has a name TeX cannot take; it is left out", name)
        return figures

    def _has_stderr(self) -> bool:
        return any(
            any(v for v in (d.get("stderrs") or {}).values())
            for res in self.results.values()
            for d in res.values()
        )

    def _table(self, index: int, dataset: str, metrics: list[str]) -> str:
        head = " & ".join([r"run"] + [tex_tt(m) for m in metrics]) + r" \\"
        rows = []
        for run, res in self.results.items():
            data = res.get(dataset, {})
            cells = []
            for metric in metrics:
                mean = data.get("means", {}).get(metric)
                cells.append("--" if mean is None else call("respm", run, dataset, metric))
            rows.append(" & ".join([self.label(run), *cells]) + r" \\")
        columns = "l" + "r" * len(metrics)
        return (
            "\\begin{table}[t]\n\\centering\n"
            f"\\caption{{Measured means on {tex_tt(dataset)}.}}\n\\label{{tab:{index}}}\n"
            "\\resizebox{\\linewidth}{!}{%\n"
            f"\\begin{{tabular}}{{{columns}}}\n\\toprule\n{head}\n\\midrule\n"
            + "\n".join(rows)
            + "\n\\bottomrule\n\\end{tabular}}\n\\end{table}"
        )

    def _conclusion(self) -> str:
        return (
            f"Changing {tex_tt(self.constant)} alone moves the measured metrics as Table~\\ref{{tab:0}} shows. "
            "The study has the limits of its design: one factor at a time (no interactions), the template's "
            "small scale, and as many seeds as the template runs. A model-driven study, or a larger scale, "
            "is needed before any of these effects is read as general."
        )

    def _related_work(self) -> str:
        keys = [
            k
            for k in bib_keys(self.folder / "latex" / "references.bib")
            if k != "lu2024aiscientist"
        ]
        if not keys:
            return "The template names no prior work; we add none."
        return (
            "The template this study uses builds on the following work: "
            + ", ".join(f"\\citet{{{k}}}" for k in keys)
            + "."
        )
