"""The LLM scientist on the search tree with the fake OpenAI server: decisions scripted per
expansion, real aider edits, real runs; figures sent to a vision model as image_url data."""

from __future__ import annotations

import base64
import json

from aisci.core import events as ev
from aisci.core.context import Context
from aisci.core.proposals import AcceptAll
from aisci.core.search import load_tree
from aisci.core.settings import Settings
from aisci.core.state import State
from aisci.core.template import load_template
from aisci.cycle import launch
from aisci.scientists.llm import LLMScientist
from tests.coder.helpers import search_replace
from tests.fakes.openai_server import Answer, FakeOpenAI
from tests.helpers import make_template
from tests.scientists.test_llm_experiments import (
    DONE,
    IDEA,
    LABELS,
    LR,
    MEANS,
    PLOT_EDIT,
    go,
    set_line,
    write_ideas,
)

VISION_MODEL = "openai/fake-vision"


class TreeModel:
    """Answers by request: a decision per expansion (from a script), aider edits that set the
    learning rate the decision named, a critique per figure; records what it was sent."""

    def __init__(self, decisions):
        self.decisions, self.seen, self.images, self.edits = list(decisions), [], [], []

    def __call__(self, body):
        messages = body["messages"]
        last = messages[-1]["content"]
        if isinstance(last, list):  # a figure: text and an image_url
            self.images += [part for part in last if part.get("type") == "image_url"]
            return Answer(
                json.dumps({"shows": "Validation loss falls for every run.", "problems": []})
            )
        if messages[0]["role"] == "system" and "You plan the runs" in messages[0]["content"]:
            self.seen.append(last)
            return Answer(json.dumps(self.decisions.pop(0) if self.decisions else DONE))
        if "These figures were written:" in last:
            return Answer(json.dumps({"figures": {"val_loss.png": "val loss curves"}}))
        self.edits.append(last)
        if last.startswith("Edit plot.py"):
            return Answer(PLOT_EDIT)
        if "0.03 -> 0.02" in last:  # the improvement edits its parent's code
            return Answer(set_line(LR.replace("0.1", "0.03"), "0.03", "0.02"))
        return Answer(set_line(LR, "0.1", "0.03"))


def test_llm_tree_search_scripted_per_expansion_with_images(tmp_path):
    from aisci.llm._litellm import load_litellm
    from tests.scientists.conftest import FAST_RETRY

    load_litellm().register_model(
        {
            VISION_MODEL: {
                "supports_vision": True,
                "litellm_provider": "openai",
                "mode": "chat",
                "max_tokens": 4096,
                "input_cost_per_token": 0.0,
                "output_cost_per_token": 0.0,
            }
        }
    )
    template = load_template(make_template(tmp_path))
    model = TreeModel([go("LEARNING_RATE 0.1 -> 0.03"), go("LEARNING_RATE 0.03 -> 0.02")])
    with FakeOpenAI(default=model) as fake:
        results = tmp_path / "results"
        write_ideas(results, template.name, [IDEA])
        settings = Settings(
            results=results,
            scale="smoke",
            engine="local",
            writeup=False,
            scientist="llm",
            model=VISION_MODEL,
            api_base=fake.base_url,
            search="tree",
            max_nodes=2,
            seeds=1,
        )
        ctx = Context(settings, ev.CollectingReporter(), AcceptAll())
        outcome = launch(
            template,
            LLMScientist(template, ctx, retry=FAST_RETRY),
            ctx,
            skip_idea_generation=True,
            skip_novelty_check=True,
        )
    assert outcome.ok, outcome
    folder = outcome.ideas[0].folder
    tree = load_tree(folder)
    [draft] = [n for n in tree.nodes if n.kind == "draft"]
    [improve] = [n for n in tree.nodes if n.kind == "improve"]
    assert draft.description == "LEARNING_RATE 0.1 -> 0.03" and improve.parent == draft.id
    assert "LEARNING_RATE = 0.02" in (folder / f"run_{improve.id}.py").read_text()
    assert "-LEARNING_RATE = 0.03" in improve.diff and "+LEARNING_RATE = 0.02" in improve.diff
    assert "Propose a draft of the baseline" in model.seen[0]
    assert (
        "Propose an improvement of run_1" in model.seen[1]
        and "run_1 (draft from run_0, done" in model.seen[1]
    )
    assert tree.confirmation["n"] == 1
    # The figure arrived as an image: a PNG data URL in an image_url part.
    [image] = model.images
    url = image["image_url"]["url"]
    assert (
        url.startswith("data:image/png;base64,")
        and base64.b64decode(url.split(",", 1)[1])[:4] == b"\x89PNG"
    )
    plots = State.load(folder).step("plots")
    assert plots["vision"].startswith("read by the model") and plots["descriptions"][
        "val_loss.png"
    ].startswith("Validation loss falls")


def test_a_failed_node_gets_a_debug_node_whose_fix_the_model_writes(tmp_path):
    """A draft that breaks the run (a NaN mean) fails; the next expansion is a debug node: aider
    gets the failure (no decision call), its fix runs and the node is done."""
    from tests.scientists.conftest import FAST_RETRY

    nan = '            "means": {"val_loss": float("nan"), "train_time": elapsed},\n'
    seen: list[str] = []

    def model(body):
        messages = body["messages"]
        last = messages[-1]["content"]
        if messages[0]["role"] == "system" and "You plan the runs" in messages[0]["content"]:
            decided = len([s for s in seen if s == "decision"])
            seen.append("decision")
            return Answer(json.dumps(go("report only val_loss") if decided == 0 else DONE))
        if "These figures were written:" in last:
            return Answer(json.dumps({"figures": {"val_loss.png": "val loss curves"}}))
        if last.startswith("Edit plot.py"):  # run_1 failed: the debug node's run_2 is plotted
            return Answer(
                search_replace(
                    "plot.py",
                    LABELS,
                    LABELS.replace('"Baseline",', '"Baseline",\n    "run_2": "Debugged",'),
                )
            )
        if last.startswith("Run 1 of the idea"):  # experiment_fix, for the debug node
            seen.append(last)
            # Not byte for byte the baseline's code: that would be a duplicate of run_0, not run.
            fixed = MEANS.replace("\n", "  # the measured means\n")
            return Answer(
                search_replace("experiment.py", nan, fixed, prose="Report the measured means.")
            )
        return Answer(search_replace("experiment.py", MEANS, nan))

    template = load_template(make_template(tmp_path))
    with FakeOpenAI(default=model) as fake:
        results = tmp_path / "results"
        write_ideas(results, template.name, [IDEA])
        settings = Settings(
            results=results,
            scale="smoke",
            engine="local",
            writeup=False,
            scientist="llm",
            model="openai/fake",
            api_base=fake.base_url,
            search="tree",
            max_nodes=2,
            seeds=1,
        )
        ctx = Context(settings, ev.CollectingReporter(), AcceptAll())
        outcome = launch(
            template,
            LLMScientist(template, ctx, retry=FAST_RETRY),
            ctx,
            skip_idea_generation=True,
            skip_novelty_check=True,
        )
    assert outcome.ok, outcome
    tree = load_tree(outcome.ideas[0].folder)
    [draft] = [n for n in tree.nodes if n.kind == "draft"]
    [debug] = [n for n in tree.nodes if n.kind == "debug"]
    assert draft.status == "failed" and debug.parent == draft.id and debug.status == "done"
    assert debug.description.startswith(f"debug of run_{draft.id}: ")
    [fix] = [s for s in seen if s.startswith("Run 1 of the idea")]
    assert "It was meant to: report only val_loss" in fix and "nan" in fix.lower()
