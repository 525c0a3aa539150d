"""One candidate template of a drafting: written from the model's files, checked, run at smoke.

Contract:
- ``write_candidate(folder, topic, files)`` writes a whole template into ``folder`` (replaced):
  the model's ``experiment.py`` and ``plot.py``, and, written by aisci alone, ``latex/`` (the
  scaffold's), ``aisci.json`` (the topic's metric, and its data set), ``prompt.json`` (a system
  line naming the topic and the model's task description), ``seed_ideas.json``, a
  ``README.md`` naming the topic, and ``knobs.json`` with every knob that
  ``core.knobs.propose_knobs`` proposes (none: no file).
- ``candidate_problems(folder)``: the template check's errors, and an experiment.py that never
  reads AISCI_SCALE (a drafted template must have scales).
- ``try_candidate(...)``: the smoke baseline in the sandbox (``core.runs.execute_run`` and
  ``core.baseline.run_plots``, as ``aisci baseline`` runs them) in a run folder of its own; None
  when it ran, reported the topic's metric and made a figure, else the failure in words for the
  model (the error and the end of the output).
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from aisci.core import template_env
from aisci.core.atomic import write_json_atomic, write_text_atomic
from aisci.core.baseline import run_plots
from aisci.core.context import Context
from aisci.core.folders import copy_template
from aisci.core.knobs import propose_knobs
from aisci.core.new_template import SCAFFOLD
from aisci.core.runs import execute_run
from aisci.core.settings import Settings
from aisci.core.template import check_template, load_template
from aisci.execution import safefs
from aisci.execution.executor import RunSpec
from aisci.topic.spec import Topic

SMOKE = "smoke"
OUTPUT_CHARS = 2000  # of a failed run's error output, in the failure


def system_line(topic: Topic) -> str:
    return (
        f"You are a careful researcher studying {topic.title}: you design small, decisive "
        "experiments and report what they show, including what did not work."
    )


def write_candidate(folder: Path, topic: Topic, files: dict[str, Any]) -> None:
    safefs.remove(folder)
    safefs.copy_tree(SCAFFOLD / "latex", folder / "latex", links="refuse")
    write_text_atomic(folder / "experiment.py", files["experiment_py"])
    write_text_atomic(folder / "plot.py", files["plot_py"])
    metric: dict[str, Any] = {"name": topic.metric.name}
    if topic.metric.dataset:
        metric["dataset"] = topic.metric.dataset
    metric["direction"] = topic.metric.direction
    settings: dict[str, Any] = {"metric": metric}
    if topic.data:
        settings["data"] = [topic.data]
    write_json_atomic(folder / "aisci.json", settings)
    prompt = {"system": system_line(topic), "task_description": files["task_description"]}
    write_json_atomic(folder / "prompt.json", prompt)
    write_json_atomic(folder / "seed_ideas.json", files["seed_ideas"])
    write_text_atomic(folder / "README.md", _readme(topic))
    try:
        knobs = propose_knobs(folder / "experiment.py")
    except (SyntaxError, ValueError):  # unparsable code: the check names it
        knobs = []
    if knobs:
        body = ",\n".join("  " + json.dumps(k.to_json()) for k in knobs)
        write_text_atomic(folder / "knobs.json", f"[\n{body}\n]\n")


def _readme(topic: Topic) -> str:
    return (
        f"# {topic.title}\n\n"
        f"Drafted by a model from the topic file {topic.path.name} "
        "(`aisci template draft`); the record of the drafting (every draft, its error, its diff "
        "and its cost) is in `drafting/`.\n\n"
        f"Question: {topic.question}\n\n"
        "Read experiment.py before trusting its numbers: the model wrote it, and aisci only "
        "checked that it follows the contract, runs at smoke scale and makes a figure.\n"
    )


def candidate_problems(folder: Path) -> list[str]:
    """The errors that keep the candidate from being a template, one line each."""
    problems = [str(p) for p in check_template(folder) if p.is_error]
    if (folder / "experiment.py").is_file() and not template_env.has_scales(folder):
        problems.append(
            f"experiment.py: never reads {template_env.SCALE_VARIABLE}; it must pick its size "
            "from the SCALES dict by that variable"
        )
    return problems


def smoke_timeout(topic: Topic, settings: Settings) -> float:
    """Twice the topic's smoke budget (at least 30 s), never more than --timeout."""
    return min(settings.timeout_s, max(30.0, 2 * topic.budgets.get(SMOKE, 30.0)))


def try_candidate(
    candidate: Path, run_folder: Path, topic: Topic, ctx: Context, stop: threading.Event
) -> str | None:
    """None when the candidate's smoke baseline ran, reports the metric and makes a figure."""
    template = load_template(candidate)
    safefs.remove(run_folder)
    run_folder.mkdir(parents=True)
    copy_template(template, run_folder)
    s = ctx.settings
    timeout = smoke_timeout(topic, s)
    spec = RunSpec(run_folder, 0, timeout, s.sandbox, SMOKE)
    result = execute_run(ctx.executor, spec, ctx.reporter, stop)
    if result.cancelled:
        return "cancelled: another draft passed first"
    if not result.ok or result.final_info is None:
        return (
            f"The smoke run (AISCI_SCALE=smoke, limit {timeout:g} s) failed: {result.error}"
            + _output(result.stderr_tail)
        )
    means = result.final_info.means()
    if topic.metric.value(means) is None:
        found = "; ".join(f"{d}: {', '.join(sorted(m))}" for d, m in means.items())
        return (
            f"The smoke run finished, but final_info.json does not report {topic.metric.label()} "
            f"(it reports {found or 'nothing'})."
        )
    plots = run_plots(
        run_folder, timeout_s=min(timeout, s.plot_timeout_s), sandbox=s.sandbox, cancel=stop
    )
    if not plots.ok:
        if plots.error == "cancelled":
            return "cancelled: another draft passed first"
        return f"The smoke run worked, but {plots.error}" + _output(plots.stderr_tail)
    return None


def _output(tail: str) -> str:
    tail = tail.strip()
    if not tail:
        return ""
    return "\n\nThe end of its error output:\n" + tail[-OUTPUT_CHARS:]
