"""The LLM scientist on the search tree, and figures read by a vision model.

- ``propose_node``: draft and improve: one JSON decision (``DECIDE_SCHEMA``, the system prompt
  of the run planner, then ``node_decide``) from the idea, the tree so far (each node's kind,
  status, metric and description; a failed or debug node's change and error, a duplicate's
  twin: ``tree_lines``), the parent's code and a person's rejection; aider makes the
  edit of the parent's experiment.py. Debug: aider fixes the parent's code from its failure
  (``experiment_fix``), without a decision call.
- ``choose_metric``: when the template declares no metric, the model picks one of run_0's
  means (``metric_choose``); an answer naming a metric that is not there is not used.
- ``critique_figures``: with a model litellm says accepts images (``litellm.supports_vision``),
  each figure is sent as an ``image_url`` data URL with the question "what does this figure
  show, and what is wrong with it"; ``shows`` becomes the caption material, ``problems`` drive
  the plot-fix loop (core/plots.py). Without vision it returns None and the plots stage records
  that the figures were not looked at.
"""

from __future__ import annotations

import base64
import logging
from typing import TYPE_CHECKING, Any

from aisci.core.experiments import load_idea
from aisci.core.metric import Metric
from aisci.core.proposals import Proposal
from aisci.core.search import diff_summary
from aisci.core.state import State
from aisci.execution import safefs
from aisci.llm import LLMFormatError, _litellm

from .fixes import edit_fix
from .material import compact_source, describe_idea, one_line
from .plots import PLOTS_STAGE, plot_labels
from .prompts import render
from .runs import DECIDE_SCHEMA, RUNS_STAGE, edit_experiment

if TYPE_CHECKING:
    from pathlib import Path

    from aisci.core.context import Context
    from aisci.core.scientist import NodeJob, RunJob
    from aisci.core.search import Node
    from aisci.core.template import Template
    from aisci.llm import LLMClient

    from .code_edits import EditSession

log = logging.getLogger(__name__)
CRITIQUE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["shows", "problems"],
    "properties": {
        "shows": {"type": "string"},
        "problems": {"type": "array", "items": {"type": "string"}},
    },
}
METRIC_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["dataset", "name", "direction"],
    "properties": {
        "dataset": {"type": "string"},
        "name": {"type": "string"},
        "direction": {"type": "string", "enum": ["max", "min"]},
    },
}
WHAT = {
    "draft": "a new variant of the baseline that tests the idea.",
    "improve": "a change of this variant that should improve the metric further.",
}
MAX_TREE_LINES = 24
MAX_CHANGE_CHARS = 200  # of a failed or debug node's diff, in its line of the tree


def tree_lines(job: NodeJob) -> str:
    """One line a node: what it tried (its description); a failed or debug node also what its
    code changed and why it failed, and a duplicate the node it repeated, so the model sees what
    did not work and does not propose it again."""
    lines = []
    for n in job.tree.nodes[-MAX_TREE_LINES:]:
        value = f"{n.metric:.4g}" if n.metric is not None else "-"
        parent = "" if n.parent is None else f" from run_{n.parent}"
        what = one_line(n.description)
        if n.status == "duplicate":
            what += f"; the same code as run_{n.duplicate_of}, not run again"
        elif n.status == "failed" or n.kind == "debug":
            if n.diff:
                what += f"; changed: {diff_summary(n.diff, MAX_CHANGE_CHARS)}"
            error = one_line(n.error or "")[:160]
            if n.status == "failed" and error and error not in what:
                what += f"; failed: {error}"
        lines.append(f"- run_{n.id} ({n.kind}{parent}, {n.status}, {value}): {what}")
    return "\n".join(lines)


def propose_node(
    edits: EditSession,
    template: Template,
    job: NodeJob,
    parent: Node,
    kind: str,
    feedback: str | None,
    ctx: Context,
) -> Proposal | None:
    ctx.check_cancelled("The search")
    if kind == "debug":
        return edit_fix(
            edits,
            job.folder,
            job.idea,
            parent.id,
            one_line(parent.description),
            _failure(job, parent),
            feedback,
            ctx,
            what=f"the debugging of run_{parent.id}",
            label=f"debug of run_{parent.id}",
        )
    ran = sum(1 for n in job.tree.search_nodes() if n.run)
    user = render(
        "node_decide",
        idea=describe_idea(job.idea),
        metric=job.metric.label(),
        tree=tree_lines(job),
        parent="the baseline" if parent.id == 0 else f"run_{parent.id}",
        code=compact_source((job.folder / "experiment.py").read_text(encoding="utf-8")),
        feedback=edits.last_proposals.rejection(job.folder, feedback),
        kind=f"a {kind}" if kind == "draft" else "an improvement",
        what=WHAT[kind],
        timeout=f"{ctx.settings.timeout_s:g}",
        budget=f"{ran} of at most {job.max_nodes} variants have run.",
    )
    messages = [
        {
            "role": "system",
            "content": render("experiment_system", template_system=template.system_prompt.strip()),
        },
        {"role": "user", "content": user},
    ]
    answer = edits.client.complete_json(messages, DECIDE_SCHEMA, stage=RUNS_STAGE)
    if answer["done"]:
        return None
    return edit_experiment(
        edits,
        job.folder,
        job.idea,
        job.tree.next_id(),
        answer,
        ctx,
        fallback=kind,
        what=f"a {kind} of run_{parent.id}",
    )


def _failure(job: NodeJob, parent: Node) -> str:
    step = State.load(job.folder).step(f"run_{parent.id}") or {}
    tail = step.get("stderr_tail") or ""
    return f"{parent.error or 'it failed'}\n\nThe end of its error output:\n{tail[-1500:]}"


def choose_metric(
    client: LLMClient, folder: Path, baseline: dict[str, dict[str, float]]
) -> Metric | None:

    means = "\n".join(
        f"- {d}: " + ", ".join(f"{k} = {v:.4g}" for k, v in m.items()) for d, m in baseline.items()
    )
    prompt = render("metric_choose", means=means, title=one_line(load_idea(folder).title))
    try:
        answer = client.complete_json(
            [{"role": "user", "content": prompt}], METRIC_SCHEMA, stage=RUNS_STAGE
        )
    except LLMFormatError as exc:
        log.warning("no metric chosen by the model (%s)", exc.message)
        return None
    metric = Metric(
        answer["name"],
        answer["dataset"],
        answer["direction"],
        "the model (asked, since the template declares none)",
    )
    return metric if metric.value(baseline) is not None else None


def supports_vision(model: str | None) -> bool:
    if not model:
        return False

    try:
        return bool(_litellm.load_litellm().supports_vision(model=model))
    except Exception:  # an unknown model: litellm raises rather than says no
        return False


def critique_figures(
    client: LLMClient, job: RunJob, figures: list[str], ctx: Context
) -> dict[str, dict[str, Any]] | None:
    """{figure: {"shows", "problems"}} from a vision model, or None without one."""
    if not figures or not supports_vision(client.settings.model):
        return None

    labels = plot_labels((job.folder / "plot.py").read_text(encoding="utf-8")) or {
        "run_0": "Baseline"
    }
    runs = "\n".join(f"- {run}: {label}" for run, label in labels.items())
    out: dict[str, dict[str, Any]] = {}
    for figure in figures:
        ctx.check_cancelled("The plots")
        data = safefs.read_bytes(job.folder / figure, root=job.folder, limit=8 << 20)
        url = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
        content = [
            {"type": "text", "text": render("figure_critique", figure=figure, runs=runs)},
            {"type": "image_url", "image_url": {"url": url}},
        ]
        try:
            answer = client.complete_json(
                [{"role": "user", "content": content}], CRITIQUE_SCHEMA, stage=PLOTS_STAGE
            )
        except LLMFormatError as exc:
            log.warning("no critique of %s (%s)", figure, exc.message)
            continue
        out[figure] = {
            "shows": one_line(answer["shows"]),
            "problems": [one_line(p) for p in answer["problems"] if one_line(p)],
        }
    return out
