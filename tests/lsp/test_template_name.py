"""The editor's Create Template input box asks the server (``aisci.checkTemplateName``) what
``aisci template new`` would say of a name: the server refuses exactly the names the CLI
refuses, with the CLI's message, and takes the names the CLI takes."""

from __future__ import annotations

import pytest
from pygls.exceptions import JsonRpcException
from tests.helpers import run_cli

NAMES = ["My-Template", "my-template", "my study", "1st", "_x", "", "Grokking", "my_study", "t2"]


async def test_the_server_answers_what_the_cli_says(lsp, tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    for name in NAMES:
        answer = await lsp.command("aisci.checkTemplateName", {"name": name, "dir": str(templates)})
        assert answer["name"] == name
        cli = run_cli("template", "new", name, "--dir", str(templates), timeout=60)
        if answer["problem"] is None:
            assert cli.returncode == 0, f"{name!r}: the server takes it, the CLI said {cli.stderr}"
        else:
            assert cli.returncode == 1, f"{name!r}: the server refuses it, the CLI took it"
            assert cli.stderr.splitlines()[0] == f"error: {answer['problem']}", name
    refused = {
        n
        for n in NAMES
        if (await lsp.command("aisci.checkTemplateName", {"name": n, "dir": str(templates)}))[
            "problem"
        ]
    }
    # Every name is refused now: the bad ones by the rule, the good ones as existing folders.
    assert refused == set(NAMES)
    exists = await lsp.command(
        "aisci.checkTemplateName", {"name": "my_study", "dir": str(templates)}
    )
    assert exists["problem"] == (
        f"Cannot create template my_study: {templates.resolve() / 'my_study'} already exists."
    )
    bad = await lsp.command("aisci.checkTemplateName", {"name": "My-Template", "dir": "/t"})
    assert bad["problem"] == (
        "Cannot create template 'My-Template': a template name must be snake_case "
        "(lowercase letters, digits and _, starting with a letter)."
    )


async def test_bad_arguments_are_named(lsp):
    with pytest.raises(JsonRpcException) as no_dir:
        await lsp.command("aisci.checkTemplateName", {"name": "ok"})
    assert '"dir" must be a non-empty string, found missing' in no_dir.value.message
    with pytest.raises(JsonRpcException) as not_text:
        await lsp.command("aisci.checkTemplateName", {"name": 3, "dir": "/t"})
    assert '"name" must be a string, found 3' in not_text.value.message
