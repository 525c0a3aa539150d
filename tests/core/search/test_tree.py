"""The search record's root is built in one place (``tree.root_node``): a tree search and a
linear chain over the same baseline record the same ``run_0``."""

import json

from aisci.core.context import Context
from aisci.core.events import CollectingReporter
from aisci.core.proposals import text_hash
from aisci.core.search.record import start_search
from aisci.core.search.tree import load_tree, record_linear
from aisci.core.settings import Settings

CODE = "print('the baseline')\n"
MEANS = {"sine": {"val_loss": 0.25, "train_loss": 0.5}}


def idea_folder(path):
    """An idea folder whose baseline ran: its snapshot, its results and a declared metric."""
    path.mkdir()
    for name in ("experiment.py", "run_0.py"):
        (path / name).write_text(CODE)
    (path / "run_0").mkdir()
    (path / "run_0" / "final_info.json").write_text(
        json.dumps({d: {"means": m} for d, m in MEANS.items()})
    )
    (path / "aisci.json").write_text(
        json.dumps({"metric": {"name": "val_loss", "dataset": "sine", "direction": "min"}})
    )
    return path


def test_a_tree_search_and_a_linear_chain_record_the_same_root(tmp_path):
    searched = idea_folder(tmp_path / "tree")
    chained = idea_folder(tmp_path / "linear")
    # The metric is declared, so the search asks the scientist nothing.
    start_search(searched, object(), Context(Settings(), CollectingReporter()))
    (chained / "run_1.py").write_text(CODE + "# a change\n")
    record_linear(chained, 1, "a change", ok=True, means={"sine": {"val_loss": 0.2}})

    root = load_tree(searched).node(0)
    assert load_tree(chained).node(0) == root
    assert (root.parent, root.kind, root.status, root.run) == (None, "root", "done", "run_0")
    assert root.description == "the baseline (the template's experiment.py)"
    assert (root.code_hash, root.metric, root.means) == (text_hash(CODE), 0.25, MEANS)
