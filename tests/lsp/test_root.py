"""The server works in the workspace root the client names, wherever it was started: what the
CLI finds relative to its current directory (the local corpus in ``references/``) the server
finds under the root, and it never changes its current directory to do so."""

from __future__ import annotations

import os
from pathlib import Path

from tests.lsp.conftest import start, stop

BIB = """@article{tinylr,
  title = {Learning rate sensitivity of tiny networks},
  author = {Doe, Jane},
  year = {2021},
  journal = {Journal of Small Models}
}
"""


async def test_the_local_corpus_is_the_roots_when_the_server_starts_elsewhere(
    tmp_path: Path, workspace: Path
):
    (workspace / "references").mkdir()
    (workspace / "references" / "refs.bib").write_text(BIB, encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    client = await start(workspace, cwd=elsewhere)
    try:
        template = str(workspace / "templates" / "tiny")
        ideas = await client.command("aisci.generateIdeas", {"template": template})
        names = ideas["ideas"]
        checked = await client.command("aisci.checkNovelty", {"template": template, "ideas": names})
        reasons = [i["reason"] for i in checked["ideas"]]
        assert reasons and all("papers found (local)" in r for r in reasons), reasons
        assert Path(os.readlink(f"/proc/{client._server.pid}/cwd")) == elsewhere
    finally:
        await stop(client)
