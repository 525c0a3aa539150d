"""A multi-root workspace: each workspace folder has its own settings, results and templates.

Two folders, ``a`` (the first, where the server starts) and ``b``, each with its own
``templates/tiny``; ``b`` sets its own ``numIdeas`` (as its .vscode/settings.json would, sent by
the extension under ``folders``). A command on a path in ``b`` uses ``b``'s setting and writes
to ``b/results``; the views' queries list each folder's templates and read each one's results.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

from lsprotocol import types
from tests.helpers import make_template
from tests.lsp.conftest import BOUND_S, OFFLINE, Client, server_command, server_env, stop


async def start_two(a: Path, b: Path, folders: dict) -> Client:
    """A server started in ``a`` for the workspace folders a and b, with ``folders``' settings."""
    client = Client()
    await client.start_io(
        "/bin/sh",
        "-c",
        'exec "$@" 2>>"$AISCI_TEST_STDERR"',
        "sh",
        *server_command(),
        cwd=str(a),
        env={**server_env(a.parent), "AISCI_TEST_STDERR": str(a.parent / "server.stderr.log")},
    )
    caps = types.ClientCapabilities(window=types.WindowClientCapabilities(work_done_progress=True))
    await asyncio.wait_for(
        client.initialize_async(
            types.InitializeParams(
                capabilities=caps,
                process_id=os.getpid(),
                root_uri=a.as_uri(),
                workspace_folders=[
                    types.WorkspaceFolder(uri=a.as_uri(), name="a"),
                    types.WorkspaceFolder(uri=b.as_uri(), name="b"),
                ],
                initialization_options={
                    "aiScientist": {**OFFLINE, "numIdeas": 1},
                    "folders": folders,
                },
            )
        ),
        BOUND_S,
    )
    client.initialized(types.InitializedParams())
    await client.command("aisci.getCost", {})  # once answered, the watchers are watching
    return client


async def test_a_command_in_the_second_folder_uses_its_settings_and_results(tmp_path: Path):
    a, b = tmp_path / "a", tmp_path / "b"
    for folder in (a, b):
        (folder / "templates").mkdir(parents=True)
        make_template(folder / "templates")
    tiny_a, tiny_b = a / "templates" / "tiny", b / "templates" / "tiny"
    client = await start_two(a, b, {b.as_uri(): {"numIdeas": 2}})
    try:
        # b's results are watched too: a change made outside is reported with b's path.
        outside = b / "results" / "elsewhere" / "ideas.json"
        outside.parent.mkdir(parents=True)
        outside.write_text("[]")
        changed = await client.wait_for(
            "aisci/ideasChanged", lambda p: p["path"] == str(outside), timeout=30
        )
        assert changed["source"] == "watcher"

        # A bad value in one folder is refused naming the folder; its previous value stays.
        client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(
                settings={"aiScientist": {}, "folders": {b.as_uri(): {"numIdeas": 0}}}
            )
        )
        refused = await client.wait_for(
            types.WINDOW_SHOW_MESSAGE, lambda m: "aiScientist.numIdeas" in m.message
        )
        assert refused.message.startswith("Workspace folder b: "), refused.message

        in_b = await client.command("aisci.generateIdeas", {"template": str(tiny_b)})
        assert in_b["path"] == str(b / "results" / "tiny" / "ideas.json")
        assert len(in_b["ideas"]) == 2, in_b  # b's numIdeas, not the section's 1
        assert not (a / "results").exists()
        in_a = await client.command("aisci.generateIdeas", {"template": str(tiny_a)})
        assert in_a["path"] == str(a / "results" / "tiny" / "ideas.json")
        assert len(in_a["ideas"]) == 1, in_a

        listed = await client.command("aisci.listTemplates", {})
        assert [t["path"] for t in listed["templates"]] == [str(tiny_a), str(tiny_b)]
        ideas_b = await client.command("aisci.listIdeas", {"template": str(tiny_b)})
        assert ideas_b["path"] == in_b["path"]
        assert [i["name"] for i in ideas_b["ideas"]] == in_b["ideas"]

        # The code lenses of b's ideas.json run b's template.
        uri = client.open(b / "results" / "tiny" / "ideas.json", "json")
        lenses = await client.text_document_code_lens_async(
            types.CodeLensParams(types.TextDocumentIdentifier(uri))
        )
        assert lenses and {lens.command.arguments[0]["template"] for lens in lenses} == {
            str(tiny_b)
        }

    finally:
        await stop(client)
    saved = json.loads((b / "results" / "tiny" / "ideas.json").read_text())
    assert [i["Name"] for i in saved] == in_b["ideas"]
