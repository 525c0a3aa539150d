"""Start-up, capabilities, settings, bad input, template diagnostics, the queries, and TCP."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.lsp.client import LanguageClient
from tests.lsp.conftest import server_env, start, stop, wait_until


async def test_capabilities_and_bad_commands(lsp, workspace):
    caps = lsp.init_result.capabilities
    commands = set(caps.execute_command_provider.commands)
    assert {
        "aisci.runBaseline",
        "aisci.launch",
        "aisci.cancel",
        "aisci.listIdeas",
        "aisci.renderText",
    } <= commands
    assert list(caps.completion_provider.trigger_characters) == ["{", ","]
    assert caps.hover_provider and caps.code_lens_provider

    with pytest.raises(JsonRpcException) as unknown:
        await lsp.command("aisci.doesNotExist", {})
    assert "aisci.doesNotExist" in unknown.value.message and "not defined" in unknown.value.message

    with pytest.raises(JsonRpcException) as missing:
        await lsp.command("aisci.runBaseline", {})
    assert missing.value.code == -32602
    assert (
        'aisci.runBaseline: "template" must be a non-empty string, found missing'
        in missing.value.message
    )

    with pytest.raises(JsonRpcException) as typo:
        await lsp.command(
            "aisci.runBaseline",
            {"template": str(workspace / "templates" / "tiny"), "scael": "smoke"},
        )
    assert "unknown key 'scael'" in typo.value.message

    with pytest.raises(JsonRpcException) as bad_setting:
        await lsp.command(
            "aisci.runBaseline",
            {"template": str(workspace / "templates" / "tiny"), "scale": "huge"},
        )
    assert (
        bad_setting.value.code == -32602
        and "expected one of smoke, cpu, full" in bad_setting.value.message
    )

    with pytest.raises(JsonRpcException) as no_arg:
        await lsp.command("aisci.listIdeas")
    assert "takes exactly one argument" in no_arg.value.message

    with pytest.raises(JsonRpcException) as not_folder:
        await lsp.command("aisci.makePlots", {"folder": str(workspace / "templates" / "tiny")})
    assert "is not an idea folder" in not_folder.value.message

    # After all that, the server still answers.
    listed = await lsp.command("aisci.listTemplates", {})
    assert [t["name"] for t in listed["templates"]] == ["tiny"]
    assert listed["templates"][0]["ok"] and listed["templates"][0]["knobs"] == [
        "learning_rate",
        "degree",
    ]


async def test_check_template_publishes_diagnostics(lsp, workspace):
    template = workspace / "templates" / "tiny"
    (template / "prompt.json").write_text(
        '{\n  "system": "You study curves.",\n  "task_description": ""\n}\n'
    )
    result = await lsp.command("aisci.checkTemplate", {"template": str(template)})
    assert not result["ok"]
    assert any(
        p["file"] == "prompt.json" and p["field"] == "task_description" for p in result["problems"]
    )
    published = await lsp.wait_for(
        types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS,
        lambda p: p.uri.endswith("/prompt.json") and p.diagnostics,
    )
    diagnostic = published.diagnostics[0]
    assert diagnostic.range.start.line == 2  # "task_description" is on line 3 (0-based 2)
    assert (
        diagnostic.severity == types.DiagnosticSeverity.Error
        and diagnostic.source == "aisci-template"
    )
    assert "must be a non-empty string" in diagnostic.message

    # Fixed and saved in the editor: the diagnostics are cleared without a command.
    (template / "prompt.json").write_text(
        '{"system": "You study curves.", "task_description": "Fit a sine."}\n'
    )
    lsp.text_document_did_save(
        types.DidSaveTextDocumentParams(
            types.TextDocumentIdentifier((template / "prompt.json").as_uri())
        )
    )
    await lsp.wait_for(
        types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS,
        lambda p: p.uri.endswith("/prompt.json") and not p.diagnostics,
    )


async def test_settings_from_the_client(workspace):
    client = await start(
        workspace, settings={"maxRuns": 0, "apiKey": "sk-never-sent", "maxCost": 2.5}
    )
    try:
        shown = [
            m.message
            for m in [
                await client.wait_for(types.WINDOW_SHOW_MESSAGE, lambda m: "maxRuns" in m.message)
            ]
        ]
        assert "aiScientist.maxRuns must be a whole number of at least 1, found 0" in shown[0]
        await client.wait_for(types.WINDOW_SHOW_MESSAGE, lambda m: "apiKey is ignored" in m.message)
        assert (await client.command("aisci.getCost", {}))["maxCostUsd"] == 2.5
        client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings={"aiScientist": {"maxCost": 7}})
        )
        assert (await client.command("aisci.getCost", {}))["maxCostUsd"] == 7.0
    finally:
        await stop(client)


async def test_render_text_and_queries(lsp, workspace):
    tex = workspace / "paper.tex"
    tex.write_text(
        "\\documentclass{article}\\title{On \\emph{Sines}}\\begin{document}\\maketitle\n"
        "Polynomials fit sines \\citep{power2022}. See Table~\\ref{tab:x}. % a comment\n"
        "\\end{document}\n"
    )
    text = (await lsp.command("aisci.renderText", {"path": str(tex)}))["text"]
    assert text.startswith("On Sines") and "fit sines [power2022]" in text and "comment" not in text

    assert (await lsp.command("aisci.listPapers", {}))["papers"] == []
    cost = await lsp.command("aisci.getCost", {})
    assert cost["totalUsd"] == 0 and cost["ledgers"] == []
    with pytest.raises(JsonRpcException) as no_ideas:
        await lsp.command("aisci.listIdeas", {"template": str(workspace / "nowhere")})
    assert "is not a folder" in no_ideas.value.message
    ideas = await lsp.command(
        "aisci.listIdeas", {"template": str(workspace / "templates" / "tiny")}
    )
    assert ideas["ideas"] == [] and ideas["seeds"][0]["name"]
    assert (
        json.loads((workspace / "templates" / "tiny" / "seed_ideas.json").read_text())[0]["Name"]
        == ideas["seeds"][0]["name"]
    )


def _listening(port: int) -> list[str]:
    """Local addresses (hex, as /proc/net/tcp writes them) listening on ``port``."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                found.append(local.rsplit(":", 1)[0])
    return found


async def test_tcp_listens_on_loopback_only(workspace):
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    proc = subprocess.Popen(
        [sys.executable, "-m", "aisci", "lsp", "--tcp", str(port)],
        cwd=workspace,
        env=server_env(workspace.parent),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = LanguageClient("tcp-test", "1")
    try:
        await wait_until(lambda: _listening(port), timeout=60, what="the server listening")
        assert _listening(port) == ["0100007F"]  # 127.0.0.1, nothing else
        await client.start_tcp("127.0.0.1", port)
        result = await asyncio.wait_for(
            client.initialize_async(
                types.InitializeParams(
                    capabilities=types.ClientCapabilities(), root_uri=workspace.as_uri()
                )
            ),
            60,
        )
        assert result.server_info.name == "aisci"
        await asyncio.wait_for(client.shutdown_async(None), 30)
        client.exit(None)
        assert await asyncio.get_running_loop().run_in_executor(None, proc.wait, 30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        await asyncio.wait_for(client.stop(), 10)


async def test_restricted_server_answers_queries_and_runs_nothing(workspace):
    """An editor's untrusted workspace starts the server with AISCI_RESTRICTED=1."""
    template = workspace / "templates" / "tiny"
    client = await start(workspace, env={"AISCI_RESTRICTED": "1"})
    try:
        listed = await client.command("aisci.listTemplates", {})
        assert [t["name"] for t in listed["templates"]] == ["tiny"]
        try:
            await client.command("aisci.runBaseline", {"template": str(template)})
        except JsonRpcException as e:
            assert (
                e.code == -32004
                and "not trusted" in e.message
                and "Manage Workspace Trust" in e.message
            )
        else:
            raise AssertionError("a restricted server ran the baseline")
        assert not (workspace / "results").exists()
    finally:
        await stop(client)
