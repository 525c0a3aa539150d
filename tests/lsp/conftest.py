"""A real ``aisci lsp`` subprocess and a pygls ``LanguageClient`` that talks to it over stdio.

``lsp`` (fixture) starts the server in a tmp workspace holding ``templates/tiny`` (the
scaffold: numpy, sub-second runs, the sweep scientist's knobs), initializes it with offline
settings (sweep scientist, local literature, smoke scale, no sandbox), records every
notification, answers ``window/workDoneProgress/create`` and ``aisci/reviewProposal`` (from
``client.review_answers``), and shuts the server down after the test. Waiting is always on a
notification or a file, with a bound; never on a sleep. Every answer of a command that a test
receives (a quick command's answer, a long command's result) is validated against its schema
(lsp/wire/), and so is every ``aisci/*`` notification it records (a mismatch, or a method
lsp/wire/ does not declare, fails the test when its server is stopped).
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from lsprotocol import types
from pygls.lsp.client import LanguageClient
from tests.helpers import REPO, make_template

from aisci.lsp import wire

OFFLINE = {
    "scientist": "sweep",
    "engine": "local",
    "scale": "smoke",
    "sandbox": "none",
    "autonomy": "full",
}
BOUND_S = 60.0


def plain(value: Any) -> Any:
    """pygls hands custom params over as namedtuples; the tests read them as JSON."""
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def check_answer(name: str, result: Any) -> None:
    """Fail the test when a command's answer is not what lsp/wire/ (and so protocol.ts) says."""
    declared = wire.ANSWERS.get(name) or wire.RESULTS.get(name)
    if declared is not None:
        try:
            jsonschema.validate(result, wire.schema(declared))
        except jsonschema.ValidationError as e:
            path = "/".join(str(p) for p in e.absolute_path) or "(the answer)"
            raise AssertionError(
                f"{name} answered off its wire type at {path}: {e.message}"
            ) from None


def notification_problem(method: str, params: Any) -> str | None:
    """What is wrong with a notification, by its lsp/wire/ type; None when nothing is."""
    if method not in wire.NOTIFICATIONS:
        return (
            f"{method} is not declared in lsp/wire/notes.py's NOTIFICATIONS"
            if method.startswith("aisci/")
            else None
        )
    try:
        jsonschema.validate(params, wire.schema(wire.NOTIFICATIONS[method]))
    except jsonschema.ValidationError as e:
        path = "/".join(str(p) for p in e.absolute_path) or "(the params)"
        return f"{method} sent off its wire type at {path}: {e.message}"
    return None


class Client(LanguageClient):
    def __init__(self) -> None:
        super().__init__("aisci-tests", "1")
        self.notes: dict[str, list[Any]] = defaultdict(list)
        self._waiters: list[tuple[str, Callable[[Any], bool], asyncio.Future]] = []
        self.review_answers: list[dict | Callable[[dict], Any]] = []
        self.reviews: list[dict] = []
        self.review_seen = asyncio.Event()
        self.wire_problems: list[str] = []

        # Every declared aisci/* method (the server sends no other: Bridge.send takes the method
        # from the type, and test_wire checks that no module names one itself).
        for method in (
            *wire.NOTIFICATIONS,
            types.PROGRESS,
            types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS,
            types.WINDOW_SHOW_MESSAGE,
            types.WINDOW_LOG_MESSAGE,
        ):
            self.feature(method)(self._recorder(method))

        # An aisci/* method nobody declared has no recorder: pygls would only log and drop it.
        dispatch = self.protocol._handle_notification

        def undeclared(method: str, params: Any) -> None:
            problem = None if method in wire.NOTIFICATIONS else notification_problem(method, params)
            if problem:
                self.wire_problems.append(problem)
            dispatch(method, params)

        self.protocol._handle_notification = undeclared

        @self.feature(types.WINDOW_WORK_DONE_PROGRESS_CREATE)
        def create_token(params):
            self.notes["create"].append(params.token)
            return None

        @self.feature("aisci/reviewProposal")
        async def review(params):
            params = plain(params)
            self.reviews.append(params)
            self.review_seen.set()
            answer = self.review_answers.pop(0) if self.review_answers else {"action": "accept"}
            if callable(answer):
                answer = answer(params)
                answer = await answer if asyncio.iscoroutine(answer) else answer
            return answer

    def _recorder(self, method: str):
        def record(params):
            if method.startswith("aisci/"):
                params = plain(params)
                # Raised here, pygls would only log it: kept for stop() to fail the test.
                problem = notification_problem(method, params)
                if problem:
                    self.wire_problems.append(problem)
            self.notes[method].append(params)
            for waiter in list(self._waiters):
                wanted, predicate, future = waiter
                if wanted == method and not future.done() and predicate(params):
                    future.set_result(params)
                    self._waiters.remove(waiter)

        return record

    async def wait_for(
        self,
        method: str,
        predicate: Callable[[Any], bool] = lambda p: True,
        timeout: float = BOUND_S,
        seen: bool = True,
    ) -> Any:
        """The first notification (already seen, if ``seen``) of ``method`` that matches."""
        if seen:
            for params in self.notes[method]:
                if predicate(params):
                    return params
        future = asyncio.get_running_loop().create_future()
        self._waiters.append((method, predicate, future))
        return await asyncio.wait_for(future, timeout)

    async def command(self, name: str, arg: Any = None, timeout: float = BOUND_S * 3) -> Any:
        arguments = None if arg is None else [arg]
        result = await asyncio.wait_for(
            self.workspace_execute_command_async(
                types.ExecuteCommandParams(command=name, arguments=arguments)
            ),
            timeout,
        )
        check_answer(name, result)
        return result

    def open(self, path: Path, language: str = "latex") -> str:
        uri = path.as_uri()
        self.text_document_did_open(
            types.DidOpenTextDocumentParams(
                types.TextDocumentItem(
                    uri=uri, language_id=language, version=1, text=path.read_text()
                )
            )
        )
        return uri


def server_command() -> list[str]:
    return [sys.executable, "-m", "aisci", "lsp"]


def server_env(tmp: Path) -> dict[str, str]:
    home = tmp / "home"
    home.mkdir(exist_ok=True)
    return {
        **os.environ,
        "PYTHONPATH": str(REPO / "server"),
        "HOME": str(home),
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "LITELLM_OFFLINE_MODE": "true",
        "AISCI_DATA_DIR": str(tmp / "data"),
    }


async def start(
    workspace: Path,
    settings: dict | None = None,
    stderr: Path | None = None,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    options: dict | None = None,
) -> Client:
    """A server for ``workspace`` (its root), started in ``cwd`` (default: the workspace);
    ``options``: more initializationOptions beside the settings."""
    client = Client()
    stderr = stderr or workspace / "server.stderr.log"
    # The server's stderr goes to a file: a pipe nobody reads would block it once full.
    cmd = server_command()
    await client.start_io(
        "/bin/sh",
        "-c",
        'exec "$@" 2>>"$AISCI_TEST_STDERR"',
        "sh",
        *cmd,
        cwd=str(cwd or workspace),
        env={**server_env(workspace.parent), "AISCI_TEST_STDERR": str(stderr), **(env or {})},
    )
    caps = types.ClientCapabilities(window=types.WindowClientCapabilities(work_done_progress=True))
    client.init_result = await asyncio.wait_for(
        client.initialize_async(
            types.InitializeParams(
                capabilities=caps,
                process_id=os.getpid(),
                root_uri=workspace.as_uri(),
                workspace_folders=[types.WorkspaceFolder(uri=workspace.as_uri(), name="ws")],
                initialization_options={
                    "aiScientist": {**OFFLINE, **(settings or {})},
                    **(options or {}),
                },
            )
        ),
        BOUND_S,
    )
    client.initialized(types.InitializedParams())
    # A round trip: the server handles messages in order, so once this is answered the
    # `initialized` handler has run (the file watcher is watching).
    await client.command("aisci.getCost", {})
    return client


async def stop(client: Client) -> None:
    server = client._server
    try:
        if server is not None and server.returncode is None:
            await asyncio.wait_for(client.shutdown_async(None), 20)
            client.exit(None)
            await asyncio.wait_for(server.wait(), 20)
    except (asyncio.TimeoutError, RuntimeError, ConnectionError):
        pass
    finally:
        if server is not None and server.returncode is None:
            server.kill()
            await server.wait()
        await asyncio.wait_for(client.stop(), 20)
    assert not client.wire_problems, "\n".join(client.wire_problems)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    (ws / "templates").mkdir(parents=True)
    make_template(ws / "templates")
    return ws


@pytest.fixture
async def lsp(workspace: Path):
    client = await start(workspace)
    yield client
    await stop(client)


def process_alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


def processes_with(token: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (
                    (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                )
            except OSError:
                continue
            if token in cmdline and process_alive(int(entry.name)):
                found.append(int(entry.name))
    return found


async def wait_for_file(path: Path, timeout: float = BOUND_S) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} did not appear within {timeout} s"
        await asyncio.sleep(0.05)


async def wait_until(
    condition: Callable[[], bool], timeout: float = BOUND_S, what: str = "condition"
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} not met within {timeout} s"
        await asyncio.sleep(0.05)
