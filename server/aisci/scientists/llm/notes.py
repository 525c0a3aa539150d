"""What the LLM scientist writes into notes.txt: a paragraph per run and one per figure.

- ``describe_run``: no model call. The paragraph is computed from the numbers (each mean
  against the baseline, with the relative change): cheaper, and it cannot misquote.
- ``describe_figures``: one JSON call (stage ``plots``): a paragraph per figure from the
  labels, the measured means and plot.py. The model cannot see the images and is told to
  state only what the numbers show. A malformed answer, or a figure it left out, gets a plain
  sentence instead.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from aisci.core.scientist import RunJob
from aisci.execution.final_info import FinalInfo
from aisci.llm import LLMFormatError

from .material import compact_source, describe_idea, means_inline, number, one_line
from .plots import PLOTS_STAGE, plot_labels
from .prompts import render

if TYPE_CHECKING:
    from aisci.llm import LLMClient

log = logging.getLogger(__name__)
PLOT_SOURCE_CHARS = 6000
MAX_METRICS = 16  # per run in a notes paragraph; the rest are counted

FIGURES_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["figures"],
    "properties": {"figures": {"type": "object", "additionalProperties": {"type": "string"}}},
}


def describe_run(job: RunJob, results: FinalInfo) -> str:
    return compare_means(job.baseline, results.means())


def compare_means(baseline: dict[str, dict[str, float]], means: dict[str, dict[str, float]]) -> str:
    """Each mean against the baseline's, e.g. ``x_plus_y val_acc 0.52 -> 0.61 (+17.3%)``."""
    changes, new = [], []
    for ds, metrics in means.items():
        for metric, value in metrics.items():
            base = baseline.get(ds, {}).get(metric)
            if base is None:
                new.append(f"{ds} {metric} {number(value)}")
            else:
                rel = f" ({(value - base) / abs(base) * 100:+.1f}%)" if base else ""
                changes.append(f"{ds} {metric} {number(base)} -> {number(value)}{rel}")
    parts = []
    if changes:
        shown = changes[:MAX_METRICS]
        more = f"; and {len(changes) - len(shown)} more" if len(changes) > len(shown) else ""
        parts.append("Against the baseline: " + "; ".join(shown) + more + ".")
    if new:
        parts.append("Metrics the baseline lacks: " + "; ".join(new[:MAX_METRICS]) + ".")
    return " ".join(parts) or "The run reported no metrics."


def describe_figures(client: LLMClient, job: RunJob, figures: list[str]) -> dict[str, str]:
    if not figures:
        return {}

    labels = plot_labels((job.folder / "plot.py").read_text(encoding="utf-8")) or {
        "run_0": "Baseline"
    }
    means = {"run_0": job.baseline, **{r.run: r.means for r in job.finished_runs}}
    runs = "\n".join(
        f"- {run}: {label}; {means_inline(means.get(run, {}))}" for run, label in labels.items()
    )
    code = compact_source((job.folder / "plot.py").read_text(encoding="utf-8"), PLOT_SOURCE_CHARS)
    prompt = render(
        "plot_describe",
        idea=describe_idea(job.idea),
        runs=runs,
        code=code,
        figures=", ".join(figures),
    )
    plain = {f: f"{f} shows the runs {', '.join(labels.values())}." for f in figures}
    try:
        answer = client.complete_json(
            [{"role": "user", "content": prompt}], FIGURES_SCHEMA, stage=PLOTS_STAGE
        )
    except LLMFormatError as exc:
        log.warning(
            "figure notes for %s: no usable answer (%s); plain ones instead",
            job.folder,
            exc.message,
        )
        return plain
    given = answer["figures"]
    return {f: (one_line(given[f]) if one_line(given.get(f, "")) else plain[f]) for f in figures}
