"""stdout is the protocol: every byte the server writes there is part of an LSP frame, even
while an experiment (which prints) runs and a command fails; and starting the server loads
none of the heavy libraries."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import pytest
from tests.lsp.conftest import server_command, server_env

HEADER_LINES = (b"Content-Length: ", b"Content-Type: ")


def frame(message: dict) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


async def read_frame(stdout: asyncio.StreamReader) -> dict:
    """One frame, checking every header line: nothing else may appear on stdout."""
    length = None
    while True:
        line = await stdout.readline()
        assert line, "stdout ended inside a frame"
        if line == b"\r\n":
            break
        assert line.startswith(HEADER_LINES) and line.endswith(b"\r\n"), (
            f"not an LSP header: {line[:200]!r}"
        )
        if line.startswith(b"Content-Length: "):
            length = int(line[len(b"Content-Length: ") :])
    assert length is not None
    return json.loads(await stdout.readexactly(length))


@pytest.mark.slow
async def test_every_stdout_byte_is_protocol(workspace):
    template = workspace / "templates" / "tiny"
    (template / "seed_ideas.json").write_text("[{]")  # a broken template for a failing command
    good = workspace / "templates" / "good"
    good.mkdir()
    for path in (workspace / "templates" / "tiny").iterdir():
        if path.is_file():
            (good / path.name).write_bytes(path.read_bytes())
    seed = {
        "Name": "base",
        "Title": "Base",
        "Experiment": "x",
        "Interestingness": 1,
        "Feasibility": 1,
        "Novelty": 1,
    }
    (good / "seed_ideas.json").write_text(json.dumps([seed]))
    (good / "latex").mkdir()
    (good / "latex" / "template.tex").write_text((template / "latex" / "template.tex").read_text())

    proc = await asyncio.create_subprocess_exec(
        *server_command(),
        cwd=workspace,
        env=server_env(workspace.parent),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    seen: list[dict] = []

    async def until_response(request_id: int) -> dict:
        while True:
            message = await asyncio.wait_for(read_frame(proc.stdout), 120)
            seen.append(message)
            if message.get("id") == request_id and "method" not in message:
                return message

    def send(message: dict) -> None:
        proc.stdin.write(frame(message))

    try:
        send(
            {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "initialize",
                "params": {
                    "processId": None,
                    "rootUri": workspace.as_uri(),
                    "capabilities": {},
                    "initializationOptions": {
                        "aiScientist": {
                            "scientist": "sweep",
                            "engine": "local",
                            "scale": "smoke",
                            "sandbox": "none",
                            "autonomy": "full",
                        }
                    },
                },
            }
        )
        assert "capabilities" in (await until_response(1))["result"]
        send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
        send(
            {
                "jsonrpc": "2.0",
                "id": 2,
                "method": "workspace/executeCommand",
                "params": {
                    "command": "aisci.runBaseline",
                    "arguments": [{"template": str(template)}],
                },
            }
        )
        assert "seed_ideas.json" in (await until_response(2))["error"]["message"]
        send(
            {
                "jsonrpc": "2.0",
                "id": 3,
                "method": "workspace/executeCommand",
                "params": {"command": "aisci.runBaseline", "arguments": [{"template": str(good)}]},
            }
        )
        assert (await until_response(3))["result"]["ok"]  # its experiment printed to its own stdout
        send(
            {
                "jsonrpc": "2.0",
                "id": 4,
                "method": "workspace/executeCommand",
                "params": {"command": "aisci.nope", "arguments": [{}]},
            }
        )
        assert "error" in await until_response(4)
        send({"jsonrpc": "2.0", "id": 5, "method": "shutdown"})
        await until_response(5)
        send({"jsonrpc": "2.0", "method": "exit"})
        await proc.stdin.drain()
        rest = await asyncio.wait_for(proc.stdout.read(), 30)
        assert rest == b"", f"bytes after the last frame: {rest[:200]!r}"
        assert await asyncio.wait_for(proc.wait(), 30) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    methods = {m.get("method") for m in seen}
    assert "aisci/runFinished" in methods and "window/logMessage" in methods


def test_starting_the_server_loads_no_heavy_library():
    code = (
        "import sys; from aisci.lsp.server import create_server; create_server(); "
        "print(sorted(m for m in ('torch', 'litellm', 'aider', 'matplotlib', 'numpy') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"
