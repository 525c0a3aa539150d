"""The tree search with the sweep scientist on the scaffold template (numpy, ~1 s a run):
the record, the rule, an injected failure and its debug node, seeds, resume, the paper."""

import json

import pytest

from aisci.core import events as ev
from aisci.core.context import Cancelled, Context
from aisci.core.metric import metric_problems
from aisci.core.search import load_tree, steer
from aisci.core.settings import Settings
from aisci.core.state import State
from aisci.core.template import check_template, load_template
from aisci.cycle import launch
from aisci.scientists.sweep import SweepScientist
from tests.helpers import make_template

FAIL_AT_LR_03 = (
    "    cfg = Config(**SCALES[scale])\n",
    "    cfg = Config(**SCALES[scale])\n    if LEARNING_RATE == 0.3:\n"
    "        raise SystemExit('injected failure: diverged')\n",
)


def failing_template(tmp_path):
    template = make_template(tmp_path)
    source = (template / "experiment.py").read_text().replace(*FAIL_AT_LR_03)
    (template / "experiment.py").write_text(source)
    return template


def settings(tmp_path, **kw):
    base = {
        "results": tmp_path / "results",
        "scale": "smoke",
        "engine": "local",
        "writeup": False,
        "search": "tree",
        "max_nodes": 6,
        "seeds": 2,
        "num_ideas": 1,
    }
    return Settings(**{**base, **kw})


def shape(tree):
    return [(n.id, n.parent, n.kind, n.status, n.description) for n in tree.nodes]


def test_sweep_tree_records_drafts_improvements_debug_and_seeds(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    template = load_template(failing_template(tmp_path))
    outcome = launch(
        template, SweepScientist(template), Context(settings(tmp_path), ev.CollectingReporter())
    )
    assert outcome.ok, outcome
    folder = outcome.ideas[0].folder
    tree = load_tree(folder)
    kinds = [n.kind for n in tree.nodes]
    assert kinds.count("draft") == 3 and "improve" in kinds and kinds.count("seed") == 2
    assert sum(1 for n in tree.search_nodes() if n.run) == 6  # --max-nodes counts nodes that ran
    failed = next(n for n in tree.nodes if n.status == "failed" and n.kind == "draft")
    assert "LEARNING_RATE = 0.3" in failed.description and "injected failure" in failed.error
    debug = next(n for n in tree.nodes if n.kind == "debug")
    assert debug.parent == failed.id and debug.run is None and "cannot repair code" in debug.note
    assert tree.metric == {
        "name": "val_loss",
        "dataset": "sine",
        "direction": "min",
        "source": "template (aisci.json)",
    }
    # Every node's code is its own snapshot, its diff against its parent's code is recorded.
    improve = next(n for n in tree.nodes if n.kind == "improve")
    assert (
        improve.diff.startswith("--- a/experiment.py")
        and (folder / f"run_{improve.id}.py").is_file()
    )
    # Seeds re-run the best node with AISCI_SEED=1..2: other data, other numbers; mean and spread kept.
    c = tree.confirmation
    assert (
        c["seeds"] == [1, 2] and c["n"] == 2 and c["std"] is not None and len(set(c["values"])) == 2
    )
    best = tree.best(lambda a, b: a < b)
    assert c["node"] == best.id and all(tree.node(int(r[4:])).parent == best.id for r in c["runs"])
    assert (folder / "search_tree.png").stat().st_size > 5000
    state = State.load(folder)
    assert (
        state.step("experiments")["search"] == "tree"
        and state.step(f"run_{failed.id}")["status"] == "failed"
    )
    assert not (folder / ".search").exists()


def test_cancelled_search_resumes_at_its_frontier(tmp_path, monkeypatch):
    """Stopped after the third finished run, then run again: no finished node runs twice, and
    the tree is the one an uninterrupted search records."""
    monkeypatch.chdir(tmp_path)
    template = load_template(failing_template(tmp_path))

    class StopAfter(ev.CollectingReporter):
        def __init__(self, ctx_holder, n):
            super().__init__()
            self.holder, self.n = ctx_holder, n

        def emit(self, event):
            super().emit(event)
            if isinstance(event, ev.RunFinished) and event.run != "run_0":
                self.n -= 1
                if self.n == 0:
                    self.holder[0].cancel.set()

    holder = []
    ctx = Context(settings(tmp_path / "a"), StopAfter(holder, 3))
    holder.append(ctx)
    with pytest.raises(Cancelled):
        launch(template, SweepScientist(template), ctx)
    root = tmp_path / "a" / "results" / "tiny"
    folder = next(root.glob("*_search_tiny"))
    before = {
        n.id: (n.status, (folder / f"run_{n.id}" / "final_info.json").stat().st_mtime_ns)
        for n in load_tree(folder).nodes
        if n.status == "done" and n.id
    }
    assert len(before) >= 2

    reporter = ev.CollectingReporter()
    outcome = launch(
        template, SweepScientist(template), Context(settings(tmp_path / "a"), reporter), resume=True
    )
    assert outcome.ok
    rerun = {e.run for e in reporter.of_type(ev.RunStarted)}
    assert not rerun & {f"run_{i}" for i in before}
    for i, (_, mtime) in before.items():
        assert (folder / f"run_{i}" / "final_info.json").stat().st_mtime_ns == mtime

    straight = launch(
        template,
        SweepScientist(template),
        Context(settings(tmp_path / "b"), ev.CollectingReporter()),
    )
    assert shape(load_tree(folder)) == shape(load_tree(straight.ideas[0].folder))


def test_parallel_expansions_and_a_person_steering(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    template = load_template(make_template(tmp_path))
    ctx = Context(settings(tmp_path, parallel=2, max_nodes=4, seeds=0), ev.CollectingReporter())
    outcome = launch(template, SweepScientist(template), ctx)
    assert outcome.ok
    folder = outcome.ideas[0].folder
    tree = load_tree(folder)
    assert sum(1 for n in tree.search_nodes() if n.run) == 4 and tree.confirmation is None
    assert "no confirmation over seeds (--seeds 0)" in tree.notes
    # Runs overlapped: a second run started before the first finished.
    order = [
        (type(e).__name__, e.run)
        for e in ctx.reporter.events
        if isinstance(e, (ev.RunStarted, ev.RunFinished)) and e.folder == str(folder)
    ]
    assert order[0][0] == order[1][0] == "RunStarted"
    # The editor's pin and prune are recorded on the node.
    node = tree.search_nodes()[0]
    assert steer(folder, node.id, "pin").node(node.id).pinned
    assert steer(folder, node.id, "prune").node(node.id).pruned


def test_metric_declaration_is_checked(tmp_path):
    template = make_template(tmp_path)
    (template / "aisci.json").write_text(
        json.dumps({"metric": {"name": "val_loss", "direction": "up", "x": 1}})
    )
    problems = [str(p) for p in check_template(template)]
    assert any('"metric.direction" must be "max" or "min", found \'up\'' in p for p in problems)
    assert any('unknown key "metric.x"' in p for p in problems)
    (template / "aisci.json").write_text(json.dumps({"metric": "val_loss"}))
    assert [p.field for p in metric_problems(template)] == ["metric"]


def test_without_a_declared_metric_the_choice_is_stated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    template_dir = make_template(tmp_path)
    (template_dir / "aisci.json").unlink()
    template = load_template(template_dir)
    reporter = ev.CollectingReporter()
    outcome = launch(
        template,
        SweepScientist(template),
        Context(settings(tmp_path, max_nodes=2, seeds=1), reporter),
    )
    tree = load_tree(outcome.ideas[0].folder)
    assert tree.metric["name"] == "train_loss" and tree.metric["direction"] == "min"
    assert "the template declares none" in tree.metric["source"]
    assert any("declares no metric" in e.message for e in reporter.of_type(ev.Log))
    assert tree.confirmation["n"] == 1 and tree.confirmation["std"] is None


def test_linear_search_is_the_same_record_as_a_chain(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    template = load_template(make_template(tmp_path))
    outcome = launch(
        template,
        SweepScientist(template),
        Context(settings(tmp_path, search="linear"), ev.CollectingReporter()),
    )
    tree = load_tree(outcome.ideas[0].folder)
    assert tree.search == "linear"
    assert [(n.id, n.parent, n.kind) for n in tree.nodes] == [
        (0, None, "root"),
        (1, 0, "draft"),
        (2, 1, "improve"),
    ]
    assert all(n.metric is not None for n in tree.nodes)
