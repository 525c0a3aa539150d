"""Settings the server does not implement are refused with a message (issue 13): `step` autonomy
was offered but never implemented, so it is no setting; nan and negative numbers are refused."""

from __future__ import annotations

import json
from pathlib import Path

from lsprotocol import types
from tests.helpers import REPO
from tests.lsp.conftest import start, stop


async def test_step_autonomy_and_bad_numbers_are_refused(workspace):
    client = await start(
        workspace, settings={"autonomy": "step", "timeout": float("nan"), "maxCost": -5}
    )
    try:
        await client.wait_for(
            types.WINDOW_SHOW_MESSAGE,
            lambda m: (
                "aiScientist.autonomy is 'step'" in m.message
                and "expected one of full, review-edits" in m.message
            ),
        )
        await client.wait_for(
            types.WINDOW_SHOW_MESSAGE, lambda m: "aiScientist.timeout" in m.message
        )
        await client.wait_for(
            types.WINDOW_SHOW_MESSAGE, lambda m: "aiScientist.maxCost" in m.message
        )
    finally:
        await stop(client)
    # ... and the extension no longer offers it.
    package = json.loads((Path(REPO) / "vscode-extension" / "package.json").read_text())
    autonomy = package["contributes"]["configuration"]
    autonomy = autonomy if isinstance(autonomy, dict) else autonomy[0]
    enum = autonomy["properties"]["aiScientist.autonomy"]["enum"]
    assert enum == ["review-edits", "full"]
