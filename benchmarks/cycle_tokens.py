"""The cycle before the paper (ideas, experiments, plots) against a scripted fake model, for
paper_tokens.py: a real launch of the LLM scientist (real prompts, real aider, real sandboxed
runs at smoke scale) whose every request is recorded by the fake OpenAI server of the tests.

The fake answers by the request's kind: an idea (and its review rounds), a run decision that
halves one knob of experiment.py, aider's SEARCH/REPLACE edit of that knob line (read from the
file aider shows, so edits accumulate as they would), aider's edit of plot.py's labels, and the
figure notes. A run decision names the knob's new value in ``set`` (the run then needs no aider
edit), except in the first ``code_runs`` runs, which ask aider as a change of code does.
``stage_of`` names the same kinds when the requests are counted.

Cacheable prefix: providers bill a prompt's leading tokens that equal an earlier prompt's as
cached. ``prefix_tokens`` counts, per call, the tokens of the longest common prefix with the
previous call of the same stage (the messages' roles and texts, in order): the share a
provider's prompt cache can serve at best (OpenAI caches from 1,024 tokens on).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # tests.fakes: the fake OpenAI server

from tests.fakes.openai_server import FakeOpenAI  # noqa: E402

KNOB = re.compile(r"^([A-Z_][A-Z0-9_]*) = ([0-9][0-9.eE+-]*)(.*# knob.*)$", re.MULTILINE)
LABELS = re.compile(r"^labels = \{\n(?:.*\n)*?\}\n", re.MULTILINE)
IDEA = {
    "Thought": "The knob sets how fast the model fits; its effect on the final losses is cheap "
    "to measure.",
    "Name": "knob_probe",
    "Title": "How one setting of the experiment shapes its final losses",
    "Experiment": "Halve the first knob of experiment.py in each run, five runs, and compare the "
    "final training and validation losses with the baseline.",
    "Interestingness": 5,
    "Feasibility": 9,
    "Novelty": 3,
}


def _texts(body: dict) -> list[str]:
    return [str(m.get("content") or "") for m in body.get("messages") or []]


def stage_of(body: dict) -> str:
    """The kind of request, as the benchmark's table names it."""
    messages = body.get("messages") or []
    system = str(messages[0].get("content") or "") if messages else ""
    users = [str(m.get("content") or "") for m in messages if m.get("role") == "user"]
    last = users[-1] if users else ""
    if "You propose research ideas" in system:
        return "ideas"
    if "You plan the runs" in system:
        return "experiments: decisions"
    if "These figures were written:" in last:
        return "plots: figure notes"
    if any("Edit plot.py" in u or "plot.py of the idea" in u for u in users):
        return "plots: aider edits of plot.py"
    return "experiments: aider edits"


def _edit(file: str, search: str, replace: str) -> str:
    return (
        f"The planned change.\n\n{file}\n```python\n<<<<<<< SEARCH\n{search}=======\n"
        f"{replace}>>>>>>> REPLACE\n```\n"
    )


def answerer(code_runs: int):
    """The scripted model: its first ``code_runs`` run decisions ask aider for the edit (a plan
    only, as a change of code would), the others give the new value in ``set``."""

    def answer(body: dict) -> str:
        return _answer(body, code_runs)

    return answer


def _halved(texts: list[str]) -> tuple[str, float] | None:
    """(name, value halved) of the knob aider's edit would halve: the last knob line of the
    outline in the decision's system message, at its value in the diff of the user message."""
    knobs = list(KNOB.finditer(texts[0]))
    if not knobs:
        return None
    name, value = knobs[-1].group(1), knobs[-1].group(2)
    changed = re.findall(rf"^\+{name} = ([0-9][0-9.eE+-]*)", texts[-1], re.MULTILINE)
    return name, float(changed[-1] if changed else value) / 2


def _answer(body: dict, code_runs: int) -> str:
    """What the scripted model says to one request."""
    stage = stage_of(body)
    texts = _texts(body)
    if stage == "ideas":
        reflecting = sum(1 for m in body["messages"] if m.get("role") == "assistant") > 0
        return json.dumps({**IDEA, "done": False} if reflecting else IDEA)
    if stage == "experiments: decisions":
        run = re.search(r"Plan run (\d+) ", texts[-1])
        knob = KNOB.search(texts[-1])
        name = knob.group(1) if knob else "the first knob"
        n = run.group(1) if run else "?"
        decision = {
            "done": False,
            "description": f"Run {n} halves {name} again to see how the final losses move.",
            "plan": f"Halve the value of {name} (a single line near the top of experiment.py); "
            "change nothing else.",
        }
        halved = _halved(texts)
        if run and int(run.group(1)) > code_runs and halved:
            decision["set"] = {halved[0]: halved[1]}
        return json.dumps(decision)
    if stage == "plots: figure notes":
        names = re.search(r"These figures were written: (.*)", texts[-1]).group(1).split(", ")
        return json.dumps(
            {"figures": {n: f"{n} shows the measured curves of every run." for n in names}}
        )
    if stage == "plots: aider edits of plot.py":
        runs = sorted(set(re.findall(r"- (run_\d+):", "\n".join(texts))))
        current = next((m.group(0) for t in texts for m in [LABELS.search(t)] if m), None)
        if current is None:
            return "No labels dict found."
        new = "labels = {\n" + "".join(
            f'    "{r}": "{"Baseline" if r == "run_0" else "Run " + r[4:]}",\n' for r in runs
        )
        return _edit("plot.py", current, new + "}\n")
    # aider's edit of experiment.py: the last file aider shows holds the current knob line.
    lines = [m for t in texts for m in KNOB.finditer(t)]
    if not lines:
        return "No knob found."
    line = lines[-1]
    value = float(line.group(2)) / 2
    new = f"{line.group(1)} = {value:g}{line.group(3)}\n"
    return _edit("experiment.py", line.group(0) + "\n", new)


def run_cycle(
    template_dir: Path, results: Path, runs: int, reflections: int, sandbox: str, code_runs: int
):
    """A launch of the LLM scientist against the fake: returns (idea folder, requests)."""
    from aisci.core import events as ev
    from aisci.core.context import Context
    from aisci.core.proposals import AcceptAll
    from aisci.core.settings import Settings
    from aisci.core.template import load_template
    from aisci.cycle import launch
    from aisci.scientists.llm import LLMScientist

    template = load_template(template_dir)
    with FakeOpenAI(default=answerer(code_runs)) as fake:
        settings = Settings(
            results=results,
            scale="smoke",
            engine="local",
            sandbox=sandbox,
            writeup=False,
            scientist="llm",
            model="openai/fake-model",
            api_base=fake.base_url,
            num_ideas=1,
            num_reflections=reflections,
            max_runs=runs,
            max_iters=1,
        )
        ctx = Context(settings, ev.CollectingReporter(), AcceptAll())
        scientist = LLMScientist(template, ctx)
        try:
            launch(template, scientist, ctx, skip_novelty_check=True)
        finally:
            scientist.close()
        bodies = [r.body for r in fake.chat_requests]
    folders = sorted((results / template.name).glob(f"*_{IDEA['Name']}"))
    if not folders:
        sys.exit("The launch made no idea folder: see the events above.")
    return folders[-1], bodies


def _flat(messages: list[dict]) -> str:
    parts = []
    for m in messages:
        content = m.get("content")
        if isinstance(content, list):
            content = "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
        parts.append(f"\x00{m.get('role')}\x00{content or ''}")
    return "".join(parts)


def prefix_tokens(calls: list[list[dict]], model: str) -> int:
    """Tokens of each call's longest common prefix with the call before it, summed."""
    from itertools import pairwise

    from aisci.llm import count_tokens

    total = 0
    for before, now in pairwise(calls):
        a, b = _flat(before), _flat(now)
        n = next(
            (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
        )
        shared = a[:n]
        if shared:
            total += count_tokens(shared.replace("\x00", "\n"), model)
    return total
