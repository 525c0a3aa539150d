"""review-edits over the protocol: the editor rejects one proposed edit, accepts one, edits one
before accepting it, and the pipeline continues accordingly; a cancel withdraws a pending review."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from pygls.exceptions import JsonRpcException
from tests.lsp.conftest import start, stop

pytestmark = pytest.mark.slow


async def test_launch_under_review_edits(workspace):
    template = workspace / "templates" / "tiny"
    client = await start(workspace, settings={"autonomy": "review-edits", "numIdeas": 1})
    try:

        async def edit_plot(params):
            assert params["file"] == "plot.py"
            return {
                "action": "edit",
                "text": params["proposed"].replace("LEARNING_RATE=0.3", "lr 0.3 (edited)"),
            }

        client.review_answers = [
            {"action": "reject", "reason": "0.03 is too slow to be interesting"},
            {"action": "accept"},
            edit_plot,
        ]
        result = await client.command("aisci.launch", {"template": str(template), "writeup": False})
        assert result["ok"] and [i["idea"] for i in result["ideas"]] == ["sweep_learning_rate"]
        folder = Path(result["ideas"][0]["folder"])

        first, second, third = client.reviews[:3]
        assert first["file"] == "experiment.py" and "LEARNING_RATE = 0.03" in first["proposed"]
        assert first["uri"] == (folder / "experiment.py").as_uri() and first["diff"].startswith(
            "--- a/experiment.py"
        )
        assert "LEARNING_RATE = 0.1" in first["original"] and first["stage"] == "experiments"
        # The rejected value never ran; the scientist proposed the next one, which was accepted and run.
        assert "LEARNING_RATE = 0.3" in second["proposed"]
        assert "LEARNING_RATE = 0.3" in (folder / "run_1.py").read_text()
        assert not (folder / "run_2").exists()
        assert (
            json.loads((folder / "run_1" / "final_info.json").read_text())["sine"]["means"][
                "val_loss"
            ]
            > 0
        )
        # The edited plot.py is what was written and run.
        assert third["file"] == "plot.py" and "lr 0.3 (edited)" in (folder / "plot.py").read_text()
        assert (folder / "val_loss.png").is_file()
        decided = [
            (d["id"], d["action"], d["reason"]) for d in client.notes["aisci/proposalDecided"]
        ]
        assert [a for _, a, _ in decided] == ["reject", "accept", "edit"]
        assert decided[0][2] == "0.03 is too slow to be interesting"
        assert [p["id"] for p in client.notes["aisci/proposalReady"]] == [
            r["id"] for r in client.reviews
        ]
        runs = (await client.command("aisci.listRuns", {"folder": str(folder)}))["runs"]
        assert [(r["run"], r["status"]) for r in runs] == [("run_0", "done"), ("run_1", "done")]
        # The progress says which run of how many runs, with a percentage.
        from lsprotocol import types

        reports = [p.value for p in client.notes[types.PROGRESS]]
        reports = [v if isinstance(v, dict) else v.__dict__ for v in reports]
        run_report = next(v for v in reports if "run 1 of up to" in (v.get("message") or ""))
        assert (
            run_report["message"].startswith("run 1 of up to 5 · starting")
            and run_report["percentage"] == 0
        )
        assert runs[1]["description"] == "LEARNING_RATE = 0.3 (baseline 0.1)"
        ideas = await client.command("aisci.listIdeas", {"template": str(template)})
        assert ideas["ideas"][0]["folder"] == str(folder) and ideas["ideas"][0]["verdict"]["label"]

        # A second launch whose first proposal the editor never answers: cancelling the job
        # withdraws the review request and stops the launch.
        never = asyncio.Event()

        async def hold(params):
            await never.wait()
            return {"action": "accept"}

        client.review_answers = [hold]
        client.review_seen.clear()
        launch = asyncio.ensure_future(
            client.command("aisci.launch", {"template": str(template), "writeup": False})
        )
        await asyncio.wait_for(client.review_seen.wait(), 60)
        pending = client.reviews[-1]
        assert "DEGREE" in pending["proposed"]
        assert (await client.command("aisci.cancel", {"job": pending["job"]}))["cancelled"] == [
            pending["job"]
        ]
        with pytest.raises(JsonRpcException) as cancelled:
            await launch
        assert cancelled.value.code == -32800
        assert not (Path(pending["folder"]) / "run_1").exists()
        assert (await client.command("aisci.listTemplates", {}))["templates"][0]["name"] == "tiny"
    finally:
        await stop(client)
