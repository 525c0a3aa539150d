"""The search tree through the real server: a tree search launched from the editor (review-edits:
every expansion is a proposal the client answers), ``aisci/treeChanged`` as tree.json changes,
``aisci.getTree``, and a person's pin and prune with ``aisci.steerNode`` (refused while another
process holds the folder)."""

from __future__ import annotations

import json

import pytest
from pygls.exceptions import JsonRpcException

from aisci.core import locks
from aisci.core.search import Node, Tree, load_tree, save_tree

SEARCH = {"search": "tree", "maxNodes": 2, "seeds": 0, "autonomy": "review-edits", "numIdeas": 1}


async def test_tree_search_from_the_editor_is_reviewed_notified_queried_and_steered(lsp, workspace):
    template = workspace / "templates" / "tiny"
    result = await lsp.command(
        "aisci.launch",
        {"template": str(template), "skipNoveltyCheck": True, "writeup": False, **SEARCH},
    )
    assert result["ok"], result
    folder = result["ideas"][0]["folder"]

    # Each expansion was a proposal of experiment.py that the editor reviewed.
    expansions = [r for r in lsp.reviews if r["file"] == "experiment.py" and r["folder"] == folder]
    assert len(expansions) == 2, [r["description"] for r in lsp.reviews]

    # tree.json changed while the search ran: the server said so for that folder.
    await lsp.wait_for("aisci/treeChanged", lambda p: p["folder"] == folder)

    tree = await lsp.command("aisci.getTree", {"folder": folder})
    assert (
        tree["search"] == "tree"
        and tree["metric"]["name"] == "val_loss"
        and tree["metric"]["direction"] == "min"
    )
    nodes = {n["id"]: n for n in tree["nodes"]}
    assert (
        nodes[0]["kind"] == "root" and nodes[0]["parent"] is None and nodes[0]["parentCode"] is None
    )
    assert [nodes[1]["kind"], nodes[2]["kind"]] == ["draft", "improve"] and nodes[2]["parent"] == 1
    assert all(n["status"] == "done" and n["metric"] is not None for n in tree["nodes"])
    assert (
        nodes[2]["code"] == f"{folder}/run_2.py" and nodes[2]["parentCode"] == f"{folder}/run_1.py"
    )
    assert nodes[2]["diff"].startswith("--- a/experiment.py")
    values = {i: n["metric"] for i, n in nodes.items()}
    assert tree["best"] == min(values, key=lambda i: values[i])
    assert tree["bestPath"][-1] == tree["best"] and tree["bestPath"][0] == 0

    # A pin, then a prune: written to tree.json under the folder's lock.
    pinned = await lsp.command("aisci.steerNode", {"folder": folder, "node": 2, "action": "pin"})
    assert pinned["pinned"] is True and pinned["status"] == "done"
    pruned = await lsp.command("aisci.steerNode", {"folder": folder, "node": 1, "action": "prune"})
    assert pruned["pruned"] is True and pruned["pinned"] is False
    record = json.loads((workspace / folder / "tree.json").read_text())
    by_id = {n["id"]: n for n in record["nodes"]}
    assert by_id[2]["pinned"] is True and by_id[1]["pruned"] is True
    again = await lsp.command("aisci.getTree", {"folder": folder})
    assert {n["id"]: (n["pinned"], n["pruned"]) for n in again["nodes"]}[1] == (False, True)

    # A search running in another process (here: its lock) refuses the write instead of racing it.
    with (
        locks.lock_template_folder(workspace / "results" / "tiny", "aisci launch"),
        pytest.raises(JsonRpcException) as busy,
    ):
        await lsp.command("aisci.steerNode", {"folder": folder, "node": 2, "action": "unpin"})
    assert busy.value.code == -32002 and "aisci launch" in busy.value.message

    with pytest.raises(JsonRpcException) as bad:
        await lsp.command("aisci.steerNode", {"folder": folder, "node": 2, "action": "expand"})
    assert bad.value.code == -32602 and "pin, unpin, prune" in bad.value.message
    with pytest.raises(JsonRpcException) as missing:
        await lsp.command("aisci.steerNode", {"folder": folder, "node": 99, "action": "pin"})
    assert missing.value.code == -32602 and "no search node 99" in missing.value.message


async def test_a_record_written_elsewhere_and_a_pin_are_notified(lsp, workspace):
    """tree.json written by another process (an ``aisci launch`` in a terminal), then pinned from
    the editor: one ``aisci/treeChanged`` each."""
    folder = workspace / "results" / "tiny" / "20250101_120000_x"
    folder.mkdir(parents=True)
    (folder / "state.json").write_text("{}")
    empty = await lsp.command("aisci.getTree", {"folder": str(folder)})
    assert empty["nodes"] == [] and empty["search"] is None and empty["best"] is None

    save_tree(
        folder,
        Tree(
            "tree",
            (
                Node(0, None, "root", "baseline", "done", code_hash="a", metric=0.5),
                Node(1, 0, "draft", "LR 0.03", "failed", code_hash="b", error="diverged"),
            ),
            metric={"name": "val_loss", "dataset": "sine", "direction": "min"},
        ),
    )
    await lsp.wait_for("aisci/treeChanged", lambda p: p["folder"] == str(folder))
    tree = await lsp.command("aisci.getTree", {"folder": str(folder)})
    assert (
        tree["best"] == 0 and tree["bestPath"] == [0] and tree["nodes"][1]["code"] is None
    )  # no run_1.py
    seen = len(lsp.notes["aisci/treeChanged"])
    await lsp.command("aisci.steerNode", {"folder": str(folder), "node": 1, "action": "pin"})
    await lsp.wait_for("aisci/treeChanged", lambda p: len(lsp.notes["aisci/treeChanged"]) > seen)
    assert lsp.notes["aisci/treeChanged"][-1] == {"folder": str(folder)}
    assert load_tree(folder).node(1).pinned


async def test_get_tree_of_a_broken_record_and_of_a_folder_that_is_not_an_idea(lsp, workspace):
    folder = workspace / "results" / "tiny" / "20250101_120000_x"
    folder.mkdir(parents=True)
    (folder / "state.json").write_text("{}")
    (folder / "tree.json").write_text("{not json")
    with pytest.raises(JsonRpcException) as broken:
        await lsp.command("aisci.getTree", {"folder": str(folder)})
    assert broken.value.code == -32001 and "tree.json cannot be read" in broken.value.message
    with pytest.raises(JsonRpcException) as not_idea:
        await lsp.command("aisci.getTree", {"folder": str(workspace)})
    assert not_idea.value.code == -32602 and "no state.json" in not_idea.value.message


async def test_list_runs_says_the_cluster_node_a_run_ran_on(lsp, workspace):
    folder = workspace / "results" / "tiny" / "20250101_120000_x"
    folder.mkdir(parents=True)
    (folder / "state.json").write_text(
        json.dumps(
            {
                "steps": {
                    "run_1": {
                        "status": "done",
                        "description": "on Ray",
                        "node": "3fa2c1d0 (gpu-07)",
                    },
                    "run_2": {"status": "done", "description": "here"},
                }
            }
        )
    )
    runs = (await lsp.command("aisci.listRuns", {"folder": str(folder)}))["runs"]
    assert [(r["run"], r["where"]) for r in runs] == [
        ("run_1", "3fa2c1d0 (gpu-07)"),
        ("run_2", None),
    ]
