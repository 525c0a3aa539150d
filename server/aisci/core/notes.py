"""notes.txt of an idea folder, rendered from its state.

The notes are derived, never appended to: after a kill and a resume they are exactly what the
recorded steps say, with no paragraph written twice.
"""

from __future__ import annotations

import json
from pathlib import Path

from aisci.core.atomic import write_text_atomic
from aisci.core.state import State, run_steps
from aisci.execution import safefs
from aisci.execution.runner import read_results_json


def _means(means: dict) -> str:
    return json.dumps(means, sort_keys=True)


def render_notes(folder: Path) -> str:
    folder = Path(folder)
    state = State.load(folder)
    idea = json.loads((folder / "idea.json").read_text(encoding="utf-8"))
    lines = [f"# Title: {idea['Title']}", f"# Experiment description: {idea['Experiment']}", ""]
    if safefs.kind(folder / "run_0" / "final_info.json", root=folder) == "file":
        data = read_results_json(folder, "run_0")
        lines += [
            "## Run 0: Baseline",
            f"Results: {_means({k: v['means'] for k, v in data.items()})}",
            "Description: the template's experiment as it is, unchanged.",
            "",
        ]
    steps = state.steps()
    for index in run_steps(steps):
        step = steps[f"run_{index}"]
        lines.append(f"## Run {index}: {step.get('title') or step.get('description', '')}".rstrip())
        if step["status"] == "done":
            lines.append(f"Results: {_means(step.get('means', {}))}")
        else:
            lines.append(f"Failed: {step.get('error', 'unknown error')}")
        if step.get("notes"):
            lines.append(f"Description: {step['notes']}")
        lines.append("")
    plots = steps.get("plots")
    if plots and plots.get("status") == "done":
        for figure, text in (plots.get("descriptions") or {}).items():
            lines += [f"## Figure {figure}", text, ""]
    return "\n".join(lines).rstrip() + "\n"


def write_notes(folder: Path) -> None:
    write_text_atomic(Path(folder) / "notes.txt", render_notes(folder))
