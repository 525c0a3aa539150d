"""The issue's check on a real template: a tree search with the sweep scientist on grokking at
smoke scale (--max-nodes 6 --seeds 2, two runs at once), with a failure injected into one draft:
drafts, improvements, a debug node, seeds on the best node, the paper with the tree figure and a
clean consistency check."""

import json
import shutil

import pytest

from aisci.core import events as ev
from aisci.core.context import Context
from aisci.core.search import load_tree
from aisci.core.settings import Settings
from aisci.core.template import load_template
from aisci.cycle import launch
from aisci.paper.build import tex_available
from aisci.paper.consistency import check_consistency
from aisci.scientists.sweep import SweepScientist
from tests.helpers import REPO

pytestmark = pytest.mark.slow


@pytest.mark.skipif(bool(tex_available()), reason="TeX is not installed (make setup installs it)")
def test_grokking_tree_search_smoke(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    template_dir = tmp_path / "grokking"
    shutil.copytree(REPO / "templates" / "grokking", template_dir)
    source = (template_dir / "experiment.py").read_text()
    marker = "    cfg = config_for(scale)\n"
    assert marker in source
    (template_dir / "experiment.py").write_text(
        source.replace(
            marker,
            marker
            + "    if LEARNING_RATE == 0.003:\n        raise SystemExit('injected failure')\n",
        )
    )
    template = load_template(template_dir)
    settings = Settings(
        results=tmp_path / "results",
        scale="smoke",
        engine="local",
        search="tree",
        max_nodes=6,
        seeds=2,
        num_ideas=1,
        parallel=2,
    )
    outcome = launch(template, SweepScientist(template), Context(settings, ev.CollectingReporter()))
    assert outcome.ok, outcome
    folder = outcome.ideas[0].folder
    tree = load_tree(folder)
    kinds = [n.kind for n in tree.nodes]
    assert "draft" in kinds and "improve" in kinds and kinds.count("seed") == 2
    failed = next(n for n in tree.nodes if n.status == "failed" and n.kind == "draft")
    assert any(n.kind == "debug" and n.parent == failed.id for n in tree.nodes)
    assert tree.confirmation["n"] == 2 and tree.metric["name"] == "final_val_acc"
    tex = (folder / "latex" / "template.tex").read_text()
    assert "search_tree.png" in tex and "mean $\\pm$ standard deviation" in tex
    assert (folder / "search_grokking.pdf").is_file()
    report = check_consistency(folder)
    assert report.ok, [str(m) for m in report.mismatches]
    assert (
        json.loads((folder / "state.json").read_text())["steps"]["build"]["consistency_mismatches"]
        == 0
    )
