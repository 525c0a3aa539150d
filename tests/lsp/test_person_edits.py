"""A run a person edited is recorded as what ran (issue 13): the editor changes the proposed
LEARNING_RATE before accepting; state, notes.txt, the plot labels and the runs view say the
person's value, and that it was a person's edit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.lsp.conftest import start, stop

pytestmark = pytest.mark.slow


async def test_a_person_edited_run_is_described_by_what_ran(workspace):
    template = workspace / "templates" / "tiny"
    client = await start(
        workspace, settings={"autonomy": "review-edits", "numIdeas": 1, "maxRuns": 1}
    )
    try:

        async def person_edit(params):
            assert (
                params["file"] == "experiment.py" and "LEARNING_RATE = 0.03" in params["proposed"]
            )
            return {
                "action": "edit",
                "text": params["proposed"].replace("LEARNING_RATE = 0.03", "LEARNING_RATE = 0.05"),
            }

        client.review_answers = [person_edit]
        result = await client.command("aisci.launch", {"template": str(template), "writeup": False})
        assert result["ok"], result
        folder = Path(result["ideas"][0]["folder"])
        assert "LEARNING_RATE = 0.05" in (folder / "run_1.py").read_text()

        step = json.loads((folder / "state.json").read_text())["steps"]["run_1"]
        assert step["description"].startswith(
            "LEARNING_RATE = 0.05 (baseline 0.1; a person's edit; proposed 0.03"
        )
        notes = (folder / "notes.txt").read_text()
        assert (
            "## Run 1: LEARNING_RATE = 0.05" in notes
            and "0.03" not in notes.split("## Run 1")[1].splitlines()[0][:30]
        )
        assert "'run_1': 'LEARNING_RATE=0.05'" in (folder / "plot.py").read_text()
        runs = (await client.command("aisci.listRuns", {"folder": str(folder)}))["runs"]
        assert runs[1]["description"].startswith("LEARNING_RATE = 0.05")
        edit = json.loads((folder / "state.json").read_text())["steps"]["run_1.edit"]
        assert edit["edited_by_person"] is True and edit["proposed_description"].startswith(
            "LEARNING_RATE = 0.03"
        )
    finally:
        await stop(client)
