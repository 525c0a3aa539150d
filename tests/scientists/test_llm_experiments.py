"""The LLM scientist's experiments and plots (stages 4-5): JSON decisions from a fake model,
real aider edits of its SEARCH/REPLACE answers, real sandboxed runs and plots, real launches.

``FakeScientist`` answers each request by its kind: a run decision (our experiment_system
prompt), figure notes (our plot_describe prompt), or else an aider edit, whose last user
message is our instruction or aider's own reflection.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from aisci.core import events as ev
from aisci.core.baseline import run_baseline
from aisci.core.context import Context
from aisci.core.proposals import AcceptAll, Decision
from aisci.core.settings import Settings
from aisci.core.state import State
from aisci.core.template import load_template
from aisci.cycle import launch
from aisci.errors import ConfigError
from aisci.llm import RetryPolicy
from aisci.scientists.llm import LLMScientist, notes, plots
from tests.coder.helpers import search_replace
from tests.fakes.openai_server import Answer, Error, FakeOpenAI
from tests.helpers import REPO, ScriptedReviewer, make_template, write_json

FAKE_MODEL = "openai/fake-model"
OFFLINE = {"LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_OFFLINE_MODE": "true"}

LR = "LEARNING_RATE = 0.1  # knob: gradient-descent step size\n"
DEGREE = "DEGREE = 5  # knob: polynomial degree (model capacity)\n"
RUNS = "    runs = [run_seed(cfg, seed) for seed in range(cfg.seeds)]\n"
MEANS = '            "means": {k: float(np.mean(v)) for k, v in metrics.items()} | {"train_time": elapsed},\n'
LABELS = 'labels = {\n    "run_0": "Baseline",\n}\n'


ENTRY = "aisci"


@pytest.fixture(autouse=True)
def _scientist_and_home(monkeypatch, tmp_path):
    home = tmp_path / "home"  # aider writes below ~ (caches, analytics) unless told otherwise
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(tmp_path)


# -- the fake model ----------------------------------------------------------------------------
def go(description: str, plan: str | None = None) -> dict:
    return {"done": False, "description": description, "plan": plan or description}


DONE = {"done": True, "description": "", "plan": ""}
PLOT_EDIT = search_replace(
    "plot.py",
    LABELS,
    'labels = {\n    "run_0": "Baseline",\n    "run_1": "Run 1",\n}\n',
    prose="Label the finished run.",
)


def set_line(line: str, old: str, new: str, prose: str = "The planned change.") -> str:
    return search_replace("experiment.py", line, line.replace(old, new), prose=prose)


class FakeScientist:
    """A model: ``decide(prompt) -> dict`` for run decisions, ``edit(instruction) -> str`` for
    aider (plot.py edits get the labels edit unless ``edit`` answers them); records both."""

    def __init__(
        self,
        decide,
        edit,
        *,
        completion_tokens: int | None = None,
        prompt_tokens: int | None = None,
    ):
        self._decide, self._edit = decide, edit
        self._tokens = {"completion_tokens": completion_tokens, "prompt_tokens": prompt_tokens}
        self._lock = threading.Lock()
        self.decisions: list[str] = []
        self.decision_systems: list[str] = []  # the template's outline: the knobs as they were
        self.edits: list[str] = []
        self.figures: list[str] = []

    def __call__(self, body: dict):
        messages = body["messages"]
        text = [m["content"] for m in messages if m["role"] == "user"][-1]
        if isinstance(text, list):  # a figure sent to a vision model: its critique, not an edit
            return Answer(
                json.dumps({"shows": "the measured curves of every run.", "problems": []}),
                **self._tokens,
            )
        if messages[0]["role"] == "system" and "You plan the runs" in messages[0]["content"]:
            with self._lock:
                self.decisions.append(text)
                self.decision_systems.append(messages[0]["content"])
            return Answer(json.dumps(self._decide(text)), **self._tokens)
        if "These figures were written:" in text:
            with self._lock:
                self.figures.append(text)
            names = re.search(r"These figures were written: (.*)", text).group(1).split(", ")
            return Answer(
                json.dumps(
                    {"figures": {n: f"{n}: the measured curves of every run." for n in names}}
                ),
                **self._tokens,
            )
        with self._lock:
            self.edits.append(text)
        answer = self._edit(text)
        if answer is None and text.startswith("Edit plot.py"):
            answer = PLOT_EDIT
        return Answer(answer, **self._tokens)

    def edits_starting(self, prefix: str) -> list[str]:
        return [e for e in self.edits if e.startswith(prefix)]


# -- launches ----------------------------------------------------------------------------------
IDEA = {
    "Name": "lr_probe",
    "Title": "Step size and the fit of a polynomial",
    "Experiment": "Change the learning rate, compare val_loss with the baseline.",
    "Interestingness": 5,
    "Feasibility": 9,
    "Novelty": 3,
    "novel": True,
}


def idea(name: str, title: str) -> dict:
    return {**IDEA, "Name": name, "Title": title}


def write_ideas(results: Path, template: str, ideas: list[dict]) -> None:
    (results / template).mkdir(parents=True, exist_ok=True)
    write_json(results / template / "ideas.json", ideas)


def run_launch(
    tmp_path: Path, fake: FakeOpenAI, template_dir: Path, *, ideas=(IDEA,), reviewer=None, **changes
):
    from tests.scientists.conftest import FAST_RETRY

    retry = changes.pop("retry", FAST_RETRY)
    template = load_template(template_dir)
    results = tmp_path / "results"
    write_ideas(results, template.name, list(ideas))
    values = {
        "results": results,
        "scale": "smoke",
        "engine": "local",
        "writeup": False,
        "scientist": "llm",
        "model": FAKE_MODEL,
        "api_base": fake.base_url,
        "max_runs": 1,
        "max_iters": 2,
    }
    values.update(changes)
    ctx = Context(Settings(**values), ev.CollectingReporter(), reviewer or AcceptAll())
    scientist = LLMScientist(template, ctx, retry=retry)
    outcome = launch(template, scientist, ctx, skip_idea_generation=True, skip_novelty_check=True)
    return outcome, ctx


def means(folder: Path, run: str) -> dict:
    return {
        k: v["means"] for k, v in json.loads((folder / run / "final_info.json").read_text()).items()
    }


# -- (a) a real template ----------------------------------------------------------------------
@pytest.mark.slow
def test_grokking_run_changes_weight_decay_and_the_metric_moves(tmp_path):
    line = "WEIGHT_DECAY = 1.0  # knob: decoupled AdamW weight decay; the pressure that makes the model grok\n"
    model = FakeScientist(
        decide=lambda p: (
            go("WEIGHT_DECAY 1.0 -> 0.1", "Set WEIGHT_DECAY to 0.1.")
            if "Plan run 1 " in p
            else DONE
        ),
        edit=lambda text: (
            set_line(line, "1.0", "0.1") if text.startswith("Edit experiment.py") else None
        ),
    )
    with FakeOpenAI(default=model) as fake:
        outcome, _ctx = run_launch(
            tmp_path,
            fake,
            REPO / "templates" / "grokking",
            ideas=[idea("weight_decay_probe", "Less weight decay, less grokking")],
            timeout_s=600,
        )
    assert outcome.ok, outcome
    folder = outcome.ideas[0].folder
    assert "WEIGHT_DECAY = 0.1  # knob" in (folder / "run_1.py").read_text()
    base, run1 = means(folder, "run_0"), means(folder, "run_1")
    assert base.keys() == run1.keys() and base != run1  # the change reached the training
    assert "WEIGHT_DECAY = 1.0" in model.decision_systems[0] and "x_plus_y: " in model.decisions[0]
    notes = (folder / "notes.txt").read_text()
    assert (
        "## Run 1: WEIGHT_DECAY 1.0 -> 0.1" in notes and "Against the baseline: x_plus_y" in notes
    )
    assert (
        "'run_1'" in (folder / "plot.py").read_text()
        or '"run_1"' in (folder / "plot.py").read_text()
    )


# -- (b) a crash, fixed ------------------------------------------------------------------------
def test_a_crash_goes_back_with_its_stderr_and_the_fix_runs(tmp_path):
    def edit(text):
        if text.startswith("Edit experiment.py"):
            return search_replace("experiment.py", RUNS, '    raise RuntimeError("boom")\n' + RUNS)
        if text.startswith("Run 1 of the idea"):
            return search_replace(
                "experiment.py",
                '    raise RuntimeError("boom")\n' + RUNS,
                RUNS,
                prose="Remove the stray raise.",
            )
        return None

    model = FakeScientist(decide=lambda p: go("LEARNING_RATE 0.1 -> 0.3"), edit=edit)
    with FakeOpenAI(default=model) as fake:
        outcome, ctx = run_launch(tmp_path, fake, make_template(tmp_path))
    assert outcome.ok, outcome
    folder = outcome.ideas[0].folder
    [fix] = model.edits_starting("Run 1 of the idea")
    assert "boom" in fix and "exited with status 1" in fix and "RuntimeError" in fix
    assert "It was meant to: LEARNING_RATE 0.1 -> 0.3" in fix
    state = State.load(folder)
    assert state.step("run_1.attempt_1")["status"] == "failed" and state.is_done("run_1")
    assert state.step("run_1.edit")["fix"] == "fix of run 1: Remove the stray raise."
    assert "boom" not in (folder / "run_1.py").read_text()
    assert "sine" in means(folder, "run_1")
    notes = (folder / "notes.txt").read_text()
    assert "Against the baseline: sine train_loss" in notes
    assert "## Figure val_loss.png\nval_loss.png: the measured curves of every run." in notes
    cost = json.loads((tmp_path / "results" / "tiny" / "cost.json").read_text())
    # decision + run edit + fix + plot edit + figure notes; aider's edits are in the ledger too
    assert cost["by_stage"]["experiments"]["calls"] == 3 and cost["by_stage"]["plots"]["calls"] == 2
    assert cost["by_stage"]["experiments"]["prompt_tokens"] > 1000  # aider's prompt, counted
    assert ctx.reporter.of_type(ev.CostUpdated)


# -- (c) a hang ----------------------------------------------------------------------------------
def test_a_hang_times_out_and_the_idea_fails_with_the_reason(tmp_path):
    template = make_template(tmp_path)
    run_baseline(load_template(template), tmp_path / "results", scale="smoke", timeout_s=120)

    def edit(text):
        if text.startswith("Edit experiment.py"):
            return search_replace("experiment.py", RUNS, "    time.sleep(600)\n" + RUNS)
        if text.startswith("Run 1 of the idea"):  # a poor fix: still far too slow
            return search_replace("experiment.py", "    time.sleep(600)\n", "    time.sleep(500)\n")
        return None

    model = FakeScientist(decide=lambda p: go("wait before training"), edit=edit)
    with FakeOpenAI(default=model) as fake:
        outcome, _ = run_launch(tmp_path, fake, template, timeout_s=3, max_iters=1)
    assert not outcome.ok
    [fix] = model.edits_starting("Run 1 of the idea")
    assert "timed out after 3 s and was stopped" in fix and "raise --timeout" in fix
    state = json.loads((outcome.ideas[0].folder / "state.json").read_text())["steps"]
    assert state["run_1"]["status"] == "failed" and "timed out after 3 s" in state["run_1"]["error"]
    assert state["experiments"]["status"] == "failed"
    assert state["experiments"]["error"].startswith(
        "run_1 failed; 1 fix tried, the limit (--max-iters 1): "
    )
    assert "timed out" in state["experiments"]["error"]
    assert "plots" not in state


# -- (h) NaN -------------------------------------------------------------------------------------
def test_nan_metrics_fail_the_run_and_the_message_goes_back(tmp_path):
    nan = '            "means": {"val_loss": float("nan"), "train_time": elapsed},\n'

    def edit(text):
        if text.startswith("Edit experiment.py"):
            return search_replace("experiment.py", MEANS, nan)
        if text.startswith("Run 1 of the idea"):
            return search_replace(
                "experiment.py", nan, MEANS, prose="Report the measured means again."
            )
        return None

    model = FakeScientist(decide=lambda p: go("report only val_loss"), edit=edit)
    with FakeOpenAI(default=model) as fake:
        outcome, _ = run_launch(tmp_path, fake, make_template(tmp_path))
    assert outcome.ok, outcome
    [fix] = model.edits_starting("Run 1 of the idea")
    assert '"sine".means."val_loss" is nan (not finite)' in fix
    assert "a NaN usually means the training diverged" in fix
    folder = outcome.ideas[0].folder
    assert (
        "NaN" in State.load(folder).step("run_1.attempt_1")["error"]
        or "nan" in State.load(folder).step("run_1.attempt_1")["error"]
    )


# -- (g) a rejection -----------------------------------------------------------------------------
def test_a_rejected_proposal_sends_its_reason_to_the_model(tmp_path):
    reason = "Leave the learning rate alone; vary DEGREE instead."

    def decide(prompt):
        return go("DEGREE 5 -> 9") if reason in prompt else go("LEARNING_RATE 0.1 -> 0.3")

    def edit(text):
        if text.startswith("Edit experiment.py") and "DEGREE 5 -> 9" in text:
            return set_line(DEGREE, "5", "9")
        if text.startswith("Edit experiment.py"):
            return set_line(LR, "0.1", "0.3")
        return None

    model = FakeScientist(decide=decide, edit=edit)
    reviewer = ScriptedReviewer([Decision("reject", reason=reason)])
    with FakeOpenAI(default=model) as fake:
        outcome, ctx = run_launch(
            tmp_path, fake, make_template(tmp_path), reviewer=reviewer, autonomy="review-edits"
        )
    assert outcome.ok, outcome
    first, second = model.decisions
    assert reason not in first
    assert (
        f'rejected your previous proposal (LEARNING_RATE 0.1 -> 0.3), saying: "{reason}"' in second
    )
    assert reviewer.seen[0].description == "LEARNING_RATE 0.1 -> 0.3"
    assert reviewer.seen[1].description == "DEGREE 5 -> 9"
    run1 = (outcome.ideas[0].folder / "run_1.py").read_text()
    assert "DEGREE = 9  # knob" in run1 and "LEARNING_RATE = 0.1  # knob" in run1
    assert [e.action for e in ctx.reporter.of_type(ev.ProposalDecided)][:2] == ["reject", "accept"]


# -- (i) SEARCH blocks that do not match ---------------------------------------------------------
WRONG = search_replace("experiment.py", "LEARNING_RATE = 0.5\n", "LEARNING_RATE = 0.3\n")


def test_a_search_block_that_never_matches_is_fed_back_then_fixed(tmp_path):
    def edit(text):
        if "Your previous answer could not be used" in text:
            return set_line(LR, "0.1", "0.3")
        if text.startswith("Edit experiment.py") or "SearchReplaceNoExactMatch" in text:
            return WRONG  # the first answer and aider's own re-ask both miss
        return None

    model = FakeScientist(decide=lambda p: go("LEARNING_RATE 0.1 -> 0.3"), edit=edit)
    with FakeOpenAI(default=model) as fake:
        outcome, ctx = run_launch(tmp_path, fake, make_template(tmp_path))
    assert outcome.ok, outcome
    first, reflection, retry = model.edits[:3]
    assert (
        first.startswith("Edit experiment.py for run 1")
        and "SearchReplaceNoExactMatch" in reflection
    )
    assert retry.startswith("Edit experiment.py for run 1")
    assert (
        "The SEARCH block for experiment.py did not match the file's text (2 answers tried)"
        in retry
    )
    assert "LEARNING_RATE = 0.5" in retry  # the block that missed, for the model to correct
    warnings = [e.message for e in ctx.reporter.of_type(ev.Log) if e.level == "warning"]
    assert any(
        "failed (attempt 1 of 2): The SEARCH block for experiment.py did not match" in w
        for w in warnings
    )
    assert "LEARNING_RATE = 0.3  # knob" in (outcome.ideas[0].folder / "run_1.py").read_text()


def test_an_edit_that_keeps_missing_fails_the_idea_and_resume_asks_again(tmp_path):
    model = FakeScientist(
        decide=lambda p: go("LEARNING_RATE 0.1 -> 0.3"),
        edit=lambda text: None if text.startswith("Edit plot.py") else WRONG,
    )
    with FakeOpenAI(default=model) as fake:
        outcome, ctx = run_launch(tmp_path, fake, make_template(tmp_path))
    assert not outcome.ok
    assert len(model.edits) == 4  # 2 attempts, each an answer and aider's re-ask
    message = outcome.ideas[0].message
    assert message.startswith(
        "The model's edit of experiment.py for run 1 of idea lr_probe failed after 2 "
        "attempts: The SEARCH block for experiment.py did not match"
    ), message
    [error] = ctx.reporter.of_type(ev.ErrorEvent)
    assert "--resume" in error.hint
    state = State.load(outcome.ideas[0].folder)
    assert state.step("run_1") is None and not state.is_done(
        "experiments"
    )  # nothing recorded as final


# -- aider's model calls follow the retry policy ---------------------------------------------------
def rate_limited_edits(model: FakeScientist, refusals: int | None):
    """The model behind a provider that answers its first ``refusals`` edit requests (all, when
    None) with 429."""
    count = [0]

    def answer(body):
        text = [m["content"] for m in body["messages"] if m["role"] == "user"][-1]
        if text.startswith("Edit experiment.py") and (refusals is None or count[0] < refusals):
            count[0] += 1
            return Error(429)
        return model(body)

    return answer, count


def test_a_burst_of_429s_on_an_edit_is_waited_out_under_the_retry_policy(tmp_path):
    model = FakeScientist(
        decide=lambda p: go("LEARNING_RATE 0.1 -> 0.3") if "Plan run 1 " in p else DONE,
        edit=lambda text: (
            set_line(LR, "0.1", "0.3") if text.startswith("Edit experiment.py") else None
        ),
    )
    answer, refused = rate_limited_edits(model, 3)
    policy = RetryPolicy(max_attempts=6, base_delay_s=0.001, max_delay_s=0.004, max_total_s=10)
    with FakeOpenAI(default=answer) as fake:
        outcome, _ = run_launch(tmp_path, fake, make_template(tmp_path), retry=policy)
    assert outcome.ok, outcome
    assert refused[0] == 3 and len(model.edits_starting("Edit experiment.py")) == 1
    assert "LEARNING_RATE = 0.3  # knob" in (outcome.ideas[0].folder / "run_1.py").read_text()


def test_a_persistent_429_fails_the_idea_with_the_rate_limit_hint(tmp_path):
    model = FakeScientist(decide=lambda p: go("LEARNING_RATE 0.1 -> 0.3"), edit=lambda text: None)
    answer, refused = rate_limited_edits(model, None)
    with FakeOpenAI(default=answer) as fake:
        outcome, ctx = run_launch(tmp_path, fake, make_template(tmp_path))
    assert not outcome.ok
    assert refused[0] == 3  # FAST_RETRY's three tries, then the idea stops
    assert (
        "failed after 3 tries" in outcome.ideas[0].message
        and "Rate limit" in outcome.ideas[0].message
    )
    [error] = ctx.reporter.of_type(ev.ErrorEvent)
    assert error.hint.startswith("openai kept rate-limiting"), error.hint
    assert "--retry-budget" in error.hint and "--resume" in error.hint
    assert "model name" not in error.hint


# -- a missing package is not fixed by editing code ------------------------------------------------
def test_a_run_missing_a_package_spends_no_fix_and_says_what_to_install(tmp_path):
    model = FakeScientist(
        decide=lambda p: go("use a helper package"),
        edit=lambda text: (
            search_replace("experiment.py", RUNS, "    import aisci_test_missing_pkg\n" + RUNS)
            if text.startswith("Edit experiment.py")
            else None
        ),
    )
    with FakeOpenAI(default=model) as fake:
        outcome, _ = run_launch(tmp_path, fake, make_template(tmp_path), max_iters=3)
    assert not outcome.ok
    assert model.edits_starting("Run 1 of the idea") == []  # no fix asked of the model
    state = State.load(outcome.ideas[0].folder)
    assert state.step("run_1.attempt_1") is None and state.step("run_1")["status"] == "failed"
    error = state.step("experiments")["error"]
    assert error.startswith("run_1 failed; no fix was asked for (a missing package): "), error
    assert "which is not installed in aisci's environment; the code is not at fault" in error
    assert "aisci_test_missing_pkg" in outcome.ideas[0].message


# -- plots: labels checked, a failing plot.py fixed ----------------------------------------------
def test_plot_labels_name_only_existing_runs_and_a_failing_plot_is_fixed(tmp_path):
    subplots = "fig, ax = plt.subplots(figsize=(6, 4))\n"
    with_run = 'labels = {\n    "run_0": "Baseline",\n    "run_1": "LEARNING_RATE=0.3",\n}\n'

    def edit(text):
        if text.startswith("Edit experiment.py"):
            return set_line(LR, "0.1", "0.3")
        if text.startswith("Edit plot.py") and "could not be used" in text:
            return search_replace("plot.py", LABELS, with_run) + search_replace(
                "plot.py", subplots, 'raise ValueError("bad axis")\n' + subplots, prose="And:"
            )
        if text.startswith("Edit plot.py"):
            return search_replace(
                "plot.py", LABELS, LABELS.replace("}", '    "run_7": "A run never made",\n}')
            )
        if text.startswith("plot.py failed"):
            return search_replace(
                "plot.py", 'raise ValueError("bad axis")\n', "", prose="Drop the raise."
            )
        return None

    model = FakeScientist(decide=lambda p: go("LEARNING_RATE 0.1 -> 0.3"), edit=edit)
    with FakeOpenAI(default=model) as fake:
        outcome, _ = run_launch(tmp_path, fake, make_template(tmp_path))
    assert outcome.ok, outcome
    first, retry = model.edits_starting("Edit plot.py")
    assert "- run_0: the baseline" in first and "- run_1: LEARNING_RATE 0.1 -> 0.3" in first
    assert "`labels` names run_7, which do not exist; use only: run_0, run_1." in retry
    [fix] = model.edits_starting("plot.py failed")
    assert "bad axis" in fix
    folder = outcome.ideas[0].folder
    labels = plots.plot_labels((folder / "plot.py").read_text())
    assert labels == {"run_0": "Baseline", "run_1": "LEARNING_RATE=0.3"}
    assert (folder / "val_loss.png").stat().st_size > 1000
    assert (
        State.load(folder)
        .step("plots")["descriptions"]["val_loss.png"]
        .startswith("val_loss.png: ")
    )


# -- (e) parallel ideas --------------------------------------------------------------------------
def test_two_ideas_in_parallel_both_finish(tmp_path):
    def decide(prompt):
        if "(none yet)" not in prompt:
            return DONE  # one run is enough for each
        return (
            go("DEGREE 5 -> 9")
            if "Model capacity and the fit" in prompt
            else go("LEARNING_RATE 0.1 -> 0.3")
        )

    def edit(text):
        if text.startswith("Edit experiment.py"):
            return set_line(DEGREE, "5", "9") if "DEGREE" in text else set_line(LR, "0.1", "0.3")
        return None

    model = FakeScientist(decide=decide, edit=edit)
    ideas = [
        idea("lr_probe", "Step size and the fit"),
        idea("capacity_probe", "Model capacity and the fit"),
    ]
    with FakeOpenAI(default=model) as fake:
        outcome, ctx = run_launch(
            tmp_path, fake, make_template(tmp_path), ideas=ideas, parallel=2, max_runs=2
        )
    assert outcome.ok, outcome
    lr, capacity = (o.folder for o in outcome.ideas)
    assert "LEARNING_RATE = 0.3" in (lr / "run_1.py").read_text()
    assert "DEGREE = 9" in (capacity / "run_1.py").read_text()
    assert not (lr / "run_2").exists() and not (capacity / "run_2").exists()  # the model said done
    assert len({e.folder for e in ctx.reporter.of_type(ev.RunStarted)}) == 3  # baseline + two ideas
    second = [d for d in model.decisions if "Plan run 2 of at most 2" in d]
    assert len(second) == 2 and all("- run_1: " in d and "sine: train_loss=" in d for d in second)


# -- (d) and (f): the real CLI -------------------------------------------------------------------
def cli_args(
    template: Path, results: Path, base_url: str, *extra: str, model: str = FAKE_MODEL
) -> list[str]:
    return [
        sys.executable,
        "-m",
        ENTRY,
        "launch",
        "--template",
        str(template),
        "--scientist",
        "llm",
        "--model",
        model,
        "--api-base",
        base_url,
        "--scale",
        "smoke",
        "--engine",
        "local",
        "--skip-idea-generation",
        "--skip-novelty-check",
        "--writeup",
        "none",
        "--max-runs",
        "2",
        "--results",
        str(results),
        *extra,
    ]


def cli_env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        **OFFLINE,
        "OPENAI_API_KEY": "sk-fake",
        "HOME": str(tmp_path / "home"),
        "PYTHONPATH": str(REPO),
        "AISCI_CACHE_DIR": str(tmp_path / "cache"),
    }


def two_runs(slow_second: bool = False) -> FakeScientist:
    def edit(text):
        if text.startswith("Edit experiment.py for run 1"):
            return set_line(LR, "0.1", "0.03")
        if text.startswith("Edit experiment.py for run 2"):
            slow = (
                '    open(os.path.join(args.out_dir, "slow_run_started"), "w").close()\n    time.sleep(4)\n'
                if slow_second
                else ""
            )
            return search_replace("experiment.py", RUNS, slow + "    cfg.degree = 9\n" + RUNS)
        return None

    return FakeScientist(
        decide=lambda p: (
            go("LEARNING_RATE 0.1 -> 0.03")
            if "Plan run 1 " in p
            else go("DEGREE 5 -> 9 at run time")
        ),
        edit=edit,
        prompt_tokens=1000,
        completion_tokens=5000,
    )


def test_resume_after_kill_never_reruns_a_finished_run(tmp_path):
    template = make_template(tmp_path)
    results = tmp_path / "results"
    write_ideas(results, "tiny", [IDEA])
    model = two_runs(slow_second=True)
    with FakeOpenAI(default=model) as fake:
        args = cli_args(template, results, fake.base_url)
        proc = subprocess.Popen(
            args,
            cwd=tmp_path,
            env=cli_env(tmp_path),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        deadline, marker = time.monotonic() + 180, None
        while marker is None:
            assert time.monotonic() < deadline and proc.poll() is None, proc.stderr.read().decode()
            found = list((results / "tiny").glob("*_lr_probe/run_*/slow_run_started"))
            marker = found[0] if found else None
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stderr.close()
        folder = marker.parent.parent
        state = State.load(folder)
        assert state.is_done("run_1") and not state.is_done("run_2") and state.step("run_2.edit")
        run1_mtime = (folder / "run_1" / "final_info.json").stat().st_mtime_ns
        decisions, edits = len(model.decisions), len(model.edits)

        done = subprocess.run(
            [*args, "--resume"],
            cwd=tmp_path,
            env=cli_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert done.returncode == 0, done.stderr
    assert "resuming the launch" in done.stderr
    state = State.load(folder)
    assert state.is_done("run_2") and state.is_done("plots")
    assert (folder / "run_1" / "final_info.json").stat().st_mtime_ns == run1_mtime
    # run_2's accepted edit ran again as it was: no new decision, and the only edit is plot.py's.
    assert len(model.decisions) == decisions
    assert [e[:12] for e in model.edits[edits:]] == ["Edit plot.py"]
    assert len(list((results / "tiny").glob("*_lr_probe"))) == 1


def test_cost_cap_stops_mid_idea_then_resume_with_a_higher_cap(tmp_path):
    """gpt-4o-mini has a price in litellm's bundled map; the fake serves it and reports 1,000
    prompt and 5,000 completion tokens per answer: $0.00315 per call, aider's included.
    A $0.0068 cap lets run 1's decision and edit through and refuses run 2's decision."""
    template = make_template(tmp_path)
    results = tmp_path / "results"
    write_ideas(results, "tiny", [IDEA])
    model = two_runs()
    with FakeOpenAI(default=model) as fake:
        args = cli_args(template, results, fake.base_url, model="openai/gpt-4o-mini")
        stopped = subprocess.run(
            [*args, "--max-cost", "0.0068"],
            cwd=tmp_path,
            env=cli_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=300,
        )
        calls_at_stop, decisions_at_stop = len(fake.chat_requests), len(model.decisions)
        [folder] = list((results / "tiny").glob("*_lr_probe"))
        run1_mtime = (folder / "run_1" / "final_info.json").stat().st_mtime_ns
        state_at_stop = State.load(folder)
        resumed = subprocess.run(
            [*args, "--resume", "--max-cost", "1"],
            cwd=tmp_path,
            env=cli_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert stopped.returncode == 1
    message = " ".join(stopped.stderr.split())
    assert re.search(
        r"Cost cap reached: \$0\.0063\d* spent of the \$0\.0068 cap, and the next call "
        r"\(stage `experiments`\) is estimated at \$0\.\d+; the call was not made\.",
        message,
    ), message
    assert re.search(r"--max-cost \d", message) and "--resume" in message, message
    assert (
        calls_at_stop == 2 and decisions_at_stop == 1
    )  # the refused call never reached the server
    assert state_at_stop.is_done("run_1") and state_at_stop.step("run_2") is None
    cost = json.loads((results / "tiny" / "cost.json").read_text())
    assert cost["by_stage"]["experiments"]["calls"] >= 2

    assert resumed.returncode == 0, resumed.stderr
    assert "Cost cap reached" not in resumed.stderr
    state = State.load(folder)
    assert state.is_done("run_2") and state.is_done("plots")
    assert (folder / "run_1" / "final_info.json").stat().st_mtime_ns == run1_mtime


# -- small parts ---------------------------------------------------------------------------------
def test_notes_compare_every_mean_with_the_baseline():
    text = notes.compare_means(
        {"d": {"acc": 0.5, "loss": 2.0}}, {"d": {"acc": 0.6, "loss": 2.0, "new": 1.0}}
    )
    assert (
        text == "Against the baseline: d acc 0.5 -> 0.6 (+20.0%); d loss 2 -> 2 (+0.0%). "
        "Metrics the baseline lacks: d new 1."
    )


def test_plot_labels_are_read_only_from_a_literal_dict():
    assert plots.plot_labels(LABELS + "x = 1\n") == {"run_0": "Baseline"}
    assert plots.plot_labels("labels = dict(run_0='a')\n") is None
    assert plots.plot_labels("labels = {\n") is None


def test_a_scientist_made_for_a_pdf_review_says_the_run_stages_need_a_template(make_ctx):
    # `aisci review PAPER.pdf` makes an LLM scientist with no template; a run stage asked of it
    # names what is missing instead of failing on None.
    scientist = LLMScientist(None, make_ctx())
    try:
        with pytest.raises(ConfigError, match="made to review a PDF and has no template"):
            scientist.own_template()
    finally:
        scientist.close()
