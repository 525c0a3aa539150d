"""Bad input over the real protocol: raw bytes on the server's stdin, replies read from its
stdout. A bad frame is skipped (the next request is answered), an absurd Content-Length does
not end the server, a request with params that do not fit gets -32602, and each is logged on
stderr. renderText reads only files inside the workspace."""

from __future__ import annotations

import asyncio
import json
import subprocess

from tests.lsp.conftest import server_command, server_env
from tests.lsp.test_stdout import frame, read_frame

BOUND_S = 60


def request(msg_id: int, method: str, params) -> dict:
    return {"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params}


def get_cost(msg_id: int) -> dict:
    return request(
        msg_id, "workspace/executeCommand", {"command": "aisci.getCost", "arguments": [{}]}
    )


class Raw:
    """The server as a subprocess, written to byte by byte; replies collected by id."""

    def __init__(self, proc, stderr_path):
        self.proc = proc
        self.stderr_path = stderr_path
        self.replies: dict = {}
        self.errors_without_id: list[dict] = []

    @classmethod
    async def start(cls, workspace):
        stderr_path = workspace.parent / "raw.stderr.log"
        proc = await asyncio.create_subprocess_exec(
            *server_command(),
            cwd=workspace,
            env=server_env(workspace.parent),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr_path.open("wb"),
        )
        raw = cls(proc, stderr_path)
        await raw.send(
            frame(
                request(
                    1,
                    "initialize",
                    {"processId": None, "rootUri": workspace.as_uri(), "capabilities": {}},
                )
            )
        )
        assert "result" in await raw.reply(1)
        await raw.send(frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}))
        return raw

    async def send(self, data: bytes) -> None:
        self.proc.stdin.write(data)
        await self.proc.stdin.drain()

    async def reply(self, msg_id) -> dict:
        async def until() -> dict:
            while msg_id not in self.replies:
                message = await read_frame(self.proc.stdout)
                if "id" not in message or "method" in message:
                    continue  # a notification or a request of the server
                if message["id"] is None:
                    self.errors_without_id.append(message)
                else:
                    self.replies[message["id"]] = message
            return self.replies[msg_id]

        return await asyncio.wait_for(until(), BOUND_S)

    async def close(self) -> int:
        if self.proc.returncode is None:
            await self.send(frame(request(999, "shutdown", None)))
            await self.reply(999)
            await self.send(frame({"jsonrpc": "2.0", "method": "exit"}))
            self.proc.stdin.close()
            try:
                return await asyncio.wait_for(self.proc.wait(), BOUND_S)
            except asyncio.TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        return self.proc.returncode

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")


async def test_bad_frames_are_skipped_and_the_next_request_is_answered(workspace):
    raw = await Raw.start(workspace)
    try:
        # Garbage, then a header with no number: both skipped; the next frame is answered.
        await raw.send(b"hello there\r\n" + b'Content-Length: abc\r\n\r\n{"x": 1}')
        await raw.send(frame(get_cost(2)))
        assert "result" in await raw.reply(2)

        # A Content-Length nobody could send (it used to end the server without a word).
        await raw.send(b'Content-Length: 100000000000000\r\n\r\n{"jsonrpc": "2.0"}')
        await raw.send(frame(get_cost(3)))
        assert "result" in await raw.reply(3)
        await raw.send(b"Content-Length: 1e14\r\n\r\n{}")
        await raw.send(frame(get_cost(4)))
        assert "result" in await raw.reply(4)

        # A declared length shorter than the body: the cut body is a parse error (id null), and
        # the header glued to its rest is found.
        body = json.dumps(get_cost(5)).encode()
        await raw.send(b"Content-Length: %d\r\n\r\n%s" % (len(body) - 4, body))
        await raw.send(frame(get_cost(6)))
        assert "result" in await raw.reply(6)
        assert 5 not in raw.replies
        assert [e["error"]["code"] for e in raw.errors_without_id] == [-32700]

        # A declared length longer than the body: noticed when the next header arrives in it.
        body = json.dumps(get_cost(7)).encode()
        await raw.send(b"Content-Length: %d\r\n\r\n%s" % (len(body) + 40, body))
        await raw.send(frame(get_cost(8)))
        assert "result" in await raw.reply(7) and "result" in await raw.reply(8)

        # Not JSON at all.
        await raw.send(b"Content-Length: 5\r\n\r\nhello")
        await raw.send(frame(get_cost(9)))
        assert "result" in await raw.reply(9)
        assert [e["error"]["code"] for e in raw.errors_without_id] == [-32700, -32700]
        stderr = raw.stderr()
        assert "holds no length in bytes" in stderr and "not an LSP header" in stderr
        assert "the limit is" in stderr and "message ended after" in stderr
    finally:
        assert await raw.close() == 0


async def test_malformed_params_get_invalid_params(workspace):
    raw = await Raw.start(workspace)
    try:
        await raw.send(
            frame(request(2, "textDocument/hover", {"textDocument": 1, "position": "top"}))
        )
        error = (await raw.reply(2))["error"]
        assert error["code"] == -32602 and "textDocument/hover" in error["message"]
        await raw.send(frame(request(3, "workspace/executeCommand", {"command": 5})))
        assert (await raw.reply(3))["error"]["code"] == -32602
        await raw.send(frame({"jsonrpc": "2.0", "id": 4}))  # neither a request nor a response
        await raw.send(frame([1, 2]))
        await raw.send(frame(get_cost(5)))
        assert "result" in await raw.reply(5)
        assert any(e["error"]["code"] == -32600 for e in raw.errors_without_id)
        assert "do not fit" in raw.stderr()
    finally:
        assert await raw.close() == 0


async def test_the_end_of_input_without_shutdown_is_logged(workspace):
    raw = await Raw.start(workspace)
    raw.proc.stdin.close()
    assert await asyncio.wait_for(raw.proc.wait(), BOUND_S) == 1
    assert "without a shutdown request" in raw.stderr()


async def test_render_text_reads_only_workspace_files(workspace, tmp_path):
    secret = tmp_path / "secret.tex"
    secret.write_text("\\section{Secret} the password")
    (workspace / "link.tex").symlink_to(secret)
    (workspace / "paper.tex").write_text("\\section{Intro} see \\cite{key}")
    raw = await Raw.start(workspace)
    try:

        def render(msg_id, path):
            return request(
                msg_id,
                "workspace/executeCommand",
                {"command": "aisci.renderText", "arguments": [{"path": str(path)}]},
            )

        await raw.send(frame(render(2, workspace / "paper.tex")))
        assert "[key]" in (await raw.reply(2))["result"]["text"]
        for msg_id, path in ((3, secret), (4, workspace / "link.tex"), (5, "/etc/shadow")):
            await raw.send(frame(render(msg_id, path)))
            reply = await raw.reply(msg_id)
            assert reply["error"]["code"] == -32602, reply
            assert "outside the workspace folders" in reply["error"]["message"]
            assert "password" not in json.dumps(reply)
    finally:
        assert await raw.close() == 0
