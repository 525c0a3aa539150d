"""The tree search learns from failures (issue 24): a failed node's line in the next prompt says
what it tried and what its code changed, not only its error; a proposal whose code is byte for
byte an earlier node's is recorded as that node's duplicate and not run. A scripted fake model
proposes the same failing change twice; real aider edits, real runs."""

from __future__ import annotations

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
from tests.scientists.test_llm_experiments import DONE, IDEA, MEANS, go, write_ideas

NAN = '            "means": {"val_loss": float("nan"), "train_time": elapsed},\n'
CHANGE = "report val_loss only, as measured"


def test_the_same_failing_change_proposed_twice_runs_once(tmp_path, monkeypatch):
    from tests.scientists.conftest import FAST_RETRY

    monkeypatch.setenv("HOME", str(tmp_path))  # aider writes below ~
    decisions: list[str] = []

    def model(body):
        messages = body["messages"]
        last = messages[-1]["content"]
        if messages[0]["role"] == "system" and "You plan the runs" in messages[0]["content"]:
            decisions.append(last)
            # The same change twice (a model that did not learn), then nothing more.
            return Answer(json.dumps(go(CHANGE) if len(decisions) <= 2 else DONE))
        if "These figures were written:" in last:
            return Answer(json.dumps({"figures": {"val_loss.png": "val loss curves"}}))
        if last.startswith("Edit plot.py"):
            return Answer("No change is needed.")
        return Answer(search_replace("experiment.py", MEANS, NAN))  # the change: a NaN mean

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
            max_nodes=3,
            debug_depth=0,  # no debug node: the next decision sees the failure
            seeds=1,
        )
        reporter = ev.CollectingReporter()
        ctx = Context(settings, reporter, AcceptAll())
        outcome = launch(
            template,
            LLMScientist(template, ctx, retry=FAST_RETRY),
            ctx,
            skip_idea_generation=True,
            skip_novelty_check=True,
        )
    folder = outcome.ideas[0].folder
    tree = load_tree(folder)
    drafts = [n for n in tree.nodes if n.kind == "draft"]
    assert [(n.id, n.status) for n in drafts] == [(1, "failed"), (2, "duplicate")]
    failed, twin = drafts
    assert twin.duplicate_of == 1 and twin.code_hash == failed.code_hash
    assert twin.run is None and twin.code_file is None
    assert "the same code as run_1" in (twin.note or "")
    # Not run: no snapshot, no run folder, no run record, and only run_1 of the variants ran.
    assert not (folder / "run_2.py").exists() and not (folder / "run_2").exists()
    assert State.load(folder).step("run_2") is None
    started = {e.run for e in reporter.of_type(ev.RunStarted) if e.folder == str(folder)}
    assert "run_2" not in started and "run_1" in started
    saved = json.loads((folder / "tree.json").read_text())
    [record] = [n for n in saved["nodes"] if n["id"] == 2]
    assert record["status"] == "duplicate" and record["duplicate_of"] == 1 and record["run"] is None

    # The second decision saw what run_1 tried, what its code changed and why it failed.
    line = next(x for x in decisions[1].splitlines() if x.startswith("- run_1 "))
    assert "failed" in line and CHANGE in line
    assert (
        'changed: -"means": {k: float(np.mean(v))' in line
        and '+"means": {"val_loss": float("nan")' in line
    )
    assert "failed: " in line
    # The third saw the duplicate and the node it repeated.
    line = next(x for x in decisions[2].splitlines() if x.startswith("- run_2 "))
    assert "duplicate" in line and "the same code as run_1, not run again" in line

    finished = [e for e in reporter.of_type(ev.StageFinished) if e.stage == "experiments"]
    assert "1 duplicate(s) of an earlier node not run" in finished[-1].message
