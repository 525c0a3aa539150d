"""The language server and the CLI lock folders alike (core/locks.py): a folder another
process holds is refused with -32002 naming that process; a folder a server job holds is
refused to the CLI; the lock of a killed process is taken over."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest
from pygls.exceptions import JsonRpcException
from tests.helpers import run_cli
from tests.lsp.conftest import BOUND_S, server_env, wait_for_file
from tests.lsp.test_jobs import make_slow

pytestmark = pytest.mark.slow

HOLD = (
    "import sys; from pathlib import Path; from aisci.core.locks import lock_template_folder; "
    "lock = lock_template_folder(Path('results/tiny'), 'aisci launch'); print('held', flush=True); "
    "sys.stdin.read()"
)


async def test_a_folder_held_by_another_process_is_refused_then_taken_over(lsp, workspace):
    template = workspace / "templates" / "tiny"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD],
        cwd=workspace,
        env=server_env(workspace.parent),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        ready = await asyncio.get_running_loop().run_in_executor(None, holder.stdout.readline)
        assert ready == "held\n"
        with pytest.raises(JsonRpcException) as busy:
            await lsp.command("aisci.runBaseline", {"template": str(template)}, timeout=BOUND_S)
        assert busy.value.code == -32002
        assert (
            f"results/tiny is in use by PID {holder.pid} (aisci launch) since "
            in busy.value.message
        )
        assert busy.value.data["running"]["pid"] == holder.pid
        assert not (workspace / "results" / "tiny" / "baseline_smoke").exists()
    finally:
        holder.kill()
        holder.wait()
    result = await lsp.command("aisci.runBaseline", {"template": str(template)})
    assert result["ok"]


async def test_a_folder_held_by_a_server_job_is_refused_to_the_cli(lsp, workspace):
    template = workspace / "templates" / "tiny"
    make_slow(template)
    folder = workspace / "results" / "tiny" / "baseline_smoke"
    run = asyncio.ensure_future(lsp.command("aisci.runBaseline", {"template": str(template)}))
    started = await lsp.wait_for("aisci/jobStarted")
    await wait_for_file(folder / "pids.txt")
    out = await asyncio.get_running_loop().run_in_executor(
        None,
        lambda: run_cli(
            "baseline",
            str(template),
            "--scale",
            "smoke",
            "--sandbox",
            "none",
            cwd=workspace,
            env=server_env(workspace.parent),
            timeout=BOUND_S,
        ),
    )
    assert out.returncode == 1
    assert "results/tiny/baseline_smoke is in use by PID" in out.stderr
    assert "(aisci lsp: aisci.runBaseline)" in out.stderr, out.stderr
    assert (await lsp.command("aisci.cancel", {"job": started["job"]}))["cancelled"] == [
        started["job"]
    ]
    with pytest.raises(JsonRpcException):
        await asyncio.wait_for(run, BOUND_S)
