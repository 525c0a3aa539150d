"""Long commands over the real protocol: progress, results, failures with their log and
traceback diagnostics, cancellation that kills the experiment's processes, folder locks, and
the client going away mid-run."""

from __future__ import annotations

import asyncio
import shutil
import signal
import uuid
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from tests.helpers import REPO
from tests.lsp.conftest import (
    BOUND_S,
    process_alive,
    processes_with,
    start,
    stop,
    wait_for_file,
    wait_until,
)

pytestmark = pytest.mark.slow


def make_slow(template: Path) -> str:
    """The experiment starts a sleeping child (whose command line holds a unique token), writes
    both pids, then sleeps: a run that only a kill ends."""
    token = f"aisci-test-{uuid.uuid4().hex}"
    source = (template / "experiment.py").read_text()
    source = source.replace(
        "    cfg = Config(**SCALES[scale])\n",
        "    cfg = Config(**SCALES[scale])\n"
        "    import subprocess\n"
        f"    child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)', '{token}'])\n"
        "    with open('pids.tmp', 'w') as f:\n"
        "        f.write(f'{os.getpid()} {child.pid}')\n"
        "    os.replace('pids.tmp', 'pids.txt')\n"
        "    time.sleep(300)\n",
        1,
    )
    assert token in source
    (template / "experiment.py").write_text(source)
    return token


def pids_of(folder: Path) -> list[int]:
    return [int(p) for p in (folder / "pids.txt").read_text().split()]


def value(params) -> dict:
    v = params.value
    return v if isinstance(v, dict) else v.__dict__


async def test_run_baseline_reports_progress(lsp, workspace):
    template = workspace / "templates" / "tiny"
    result = await lsp.command("aisci.runBaseline", {"template": str(template)})
    assert result["ok"] and not result["reused"] and result["sandbox"] == "none"
    assert set(result["means"]["sine"]) >= {"val_loss", "train_loss"}
    assert all(Path(f).is_file() for f in result["figures"]) and result["figures"]
    folder = workspace / "results" / "tiny" / "baseline_smoke"
    assert result["folder"] == str(folder)

    started = lsp.notes["aisci/jobStarted"][0]
    token = started["token"]
    assert started["command"] == "aisci.runBaseline" and token in lsp.notes["create"]
    kinds = [value(p)["kind"] for p in lsp.notes[types.PROGRESS] if p.token == token]
    assert kinds[0] == "begin" and kinds[-1] == "end" and kinds.count("report") >= 2
    messages = [
        value(p).get("message") or "" for p in lsp.notes[types.PROGRESS] if p.token == token
    ]
    assert any("run_0" in m for m in messages)
    stages = [(s["stage"], s["state"]) for s in lsp.notes["aisci/stageChanged"]]
    assert ("baseline", "started") in stages and ("baseline", "finished") in stages
    run = lsp.notes["aisci/runFinished"][0]
    assert (
        run["run"] == "run_0"
        and run["ok"]
        and run["source"] == "job"
        and run["means"] == result["means"]
    )
    finished = lsp.notes["aisci/jobFinished"][0]
    assert finished["ok"] and not finished["cancelled"] and finished["job"] == started["job"]

    again = await lsp.command("aisci.runBaseline", {"template": str(template)})
    assert again["reused"]
    runs = await lsp.command("aisci.listRuns", {"folder": str(folder)})
    assert (
        runs["runs"][0]["run"] == "run_0"
        and runs["runs"][0]["status"] == "done"
        and runs["running"] is None
    )


async def test_failing_run_gives_reason_log_and_traceback_diagnostic(lsp, workspace):
    template = workspace / "templates" / "tiny"
    source = (template / "experiment.py").read_text()
    source = source.replace(
        "    cfg = Config(**SCALES[scale])\n",
        "    cfg = Config(**SCALES[scale])\n    raise RuntimeError('the loss exploded')\n",
        1,
    )
    (template / "experiment.py").write_text(source)
    line = source.splitlines().index("    raise RuntimeError('the loss exploded')") + 1
    with pytest.raises(JsonRpcException) as failed:
        await lsp.command("aisci.runBaseline", {"template": str(template)})
    folder = workspace / "results" / "tiny" / "baseline_smoke"
    assert failed.value.code == -32001
    assert (
        "The baseline of tiny failed" in failed.value.message
        and "the loss exploded" in failed.value.message
    )
    assert failed.value.data["log"] == str(folder / "run_0" / "stderr.log")
    shown = await lsp.wait_for(
        types.WINDOW_SHOW_MESSAGE, lambda m: "aisci.runBaseline failed" in m.message
    )
    assert str(folder / "run_0" / "stderr.log") in shown.message
    published = await lsp.wait_for(
        types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS,
        lambda p: p.uri == (folder / "experiment.py").as_uri() and p.diagnostics,
    )
    assert published.diagnostics[0].range.start.line == line - 1
    assert "RuntimeError: the loss exploded" in published.diagnostics[0].message
    # The server is still there, and a fixed template runs.
    (template / "experiment.py").write_text(
        source.replace("    raise RuntimeError('the loss exploded')\n", "")
    )
    assert (await lsp.command("aisci.runBaseline", {"template": str(template)}))["ok"]
    await lsp.wait_for(
        types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS,
        lambda p: p.uri == (folder / "experiment.py").as_uri() and not p.diagnostics,
    )


async def test_cancel_kills_the_experiment_and_locks_refuse_a_second_command(lsp, workspace):
    template = workspace / "templates" / "tiny"
    token = make_slow(template)
    folder = workspace / "results" / "tiny" / "baseline_smoke"
    for route in ("aisci.cancel", "progress", "$/cancelRequest"):
        lsp.notes["aisci/jobStarted"].clear()
        (folder / "pids.txt").unlink(missing_ok=True)
        request_id = f"baseline-{route}"
        run = asyncio.ensure_future(
            lsp.protocol.send_request_async(
                types.WORKSPACE_EXECUTE_COMMAND,
                types.ExecuteCommandParams(
                    command="aisci.runBaseline", arguments=[{"template": str(template)}]
                ),
                msg_id=request_id,
            )
        )
        started = await lsp.wait_for("aisci/jobStarted")
        await wait_for_file(folder / "pids.txt")
        pids = pids_of(folder)
        assert all(process_alive(p) for p in pids) and processes_with(token)

        # A second command on the same folder, or on the whole template, is refused at once.
        for name, arg in (
            ("aisci.runBaseline", {"template": str(template)}),
            ("aisci.runExperiments", {"template": str(template), "idea": "sweep_degree"}),
        ):
            with pytest.raises(JsonRpcException) as busy:
                await lsp.command(name, arg, timeout=BOUND_S)
            assert busy.value.code == -32002
            assert f"aisci.runBaseline ({started['job']}" in busy.value.message
            assert "is running on" in busy.value.message
            assert busy.value.data["running"]["job"] == started["job"]

        if route == "aisci.cancel":
            assert (await lsp.command("aisci.cancel", {"job": started["job"]}))["cancelled"] == [
                started["job"]
            ]
        elif route == "progress":
            lsp.window_work_done_progress_cancel(
                types.WorkDoneProgressCancelParams(token=started["token"])
            )
        else:
            lsp.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=request_id))
        with pytest.raises(JsonRpcException) as cancelled:
            await asyncio.wait_for(run, BOUND_S)
        assert cancelled.value.code == -32800 and "cancel" in cancelled.value.message
        # Killed before the answer; the kernel may take a moment to tear the processes down.
        await wait_until(
            lambda pids=pids: not any(process_alive(p) for p in pids) and not processes_with(token),
            timeout=10,
            what="the experiment and its child gone",
        )
        finished = await lsp.wait_for(
            "aisci/jobFinished", lambda p, started=started: p["job"] == started["job"]
        )
        assert finished["cancelled"]

    # The server still answers, and nothing is locked any more.
    assert (await lsp.command("aisci.cancel", {"folder": str(folder)}))["cancelled"] == []
    assert (await lsp.command("aisci.listRuns", {"folder": str(folder)}))["running"] is None
    # A cancel and a busy refusal are answers, not faults: no traceback in the server's log.
    log = (workspace / "server.stderr.log").read_text()
    assert "Traceback" not in log and "answered with error" not in log


async def test_a_running_run_shows_its_steps_and_a_cancelled_one_keeps_its_row(lsp, workspace):
    # The run reports step 3 of 10 the way the contract says (an atomic progress.json), then
    # waits to be cancelled.
    template = workspace / "templates" / "tiny"
    source = (template / "experiment.py").read_text()
    source = source.replace(
        "    cfg = Config(**SCALES[scale])\n",
        "    cfg = Config(**SCALES[scale])\n"
        "    with open(os.path.join(args.out_dir, 'p.tmp'), 'w') as f:\n"
        "        json.dump({'step': 3, 'total': 10, 'metrics': {'loss': 0.25}}, f)\n"
        "    os.replace(os.path.join(args.out_dir, 'p.tmp'), os.path.join(args.out_dir, 'progress.json'))\n"
        "    time.sleep(300)\n",
        1,
    )
    (template / "experiment.py").write_text(source)
    folder = workspace / "results" / "tiny" / "baseline_smoke"
    run = asyncio.ensure_future(lsp.command("aisci.runBaseline", {"template": str(template)}))
    started = await lsp.wait_for("aisci/jobStarted")

    def messages() -> list[str]:
        notes = lsp.notes[types.PROGRESS]
        return [value(p).get("message") or "" for p in notes if p.token == started["token"]]

    await wait_until(
        lambda: any("step 3/10" in m for m in messages()), what="the run's own step reported"
    )
    shown = next(m for m in messages() if "step 3/10" in m)
    assert shown.startswith("run_0 (baseline) · step 3/10 · ") and "elapsed" in shown
    runs = await lsp.command("aisci.listRuns", {"folder": str(folder)})
    assert runs["running"] == started["job"]
    assert [(r["run"], r["status"]) for r in runs["runs"]] == [("run_0", "running")]

    await lsp.command("aisci.cancel", {"job": started["job"]})
    with pytest.raises(JsonRpcException):
        await asyncio.wait_for(run, BOUND_S)
    runs = await lsp.command("aisci.listRuns", {"folder": str(folder)})
    assert runs["running"] is None
    assert [(r["run"], r["status"]) for r in runs["runs"]] == [("run_0", "cancelled")]
    assert (folder / "run_0" / "stdout.log").is_file()  # its logs stay, and so does its row


@pytest.mark.parametrize("how", ["stdin closed", "SIGTERM"])
async def test_client_going_away_ends_every_child(workspace, how):
    template = workspace / "templates" / "tiny"
    token = make_slow(template)
    folder = workspace / "results" / "tiny" / "baseline_smoke"
    client = await start(workspace)
    try:
        running = asyncio.ensure_future(
            client.command("aisci.runBaseline", {"template": str(template)})
        )
        await wait_for_file(folder / "pids.txt")
        pids = pids_of(folder)
        assert processes_with(token)
        if how == "stdin closed":
            client._server.stdin.close()  # the editor is gone: stdin ends, no shutdown, no exit
        else:
            client._server.send_signal(signal.SIGTERM)
        await asyncio.wait_for(client._server.wait(), 30)
        await wait_until(
            lambda: not any(process_alive(p) for p in pids) and not processes_with(token),
            timeout=10,
            what="the experiment and its child gone",
        )
        running.cancel()  # its answer can never come: the server is gone
    finally:
        await stop(client)


async def test_a_template_without_scales_has_one_baseline_named_after_no_scale(lsp, workspace):
    # The original system's layout: experiment.py never reads AISCI_SCALE, so the smoke scale
    # the server asks for is not applied and no folder may be named after it.
    template = workspace / "templates" / "seir_like"
    shutil.copytree(
        REPO / "tests" / "templates" / "original_layouts" / "seir_like",
        template,
        ignore=shutil.ignore_patterns("__pycache__", "run_*", "*.png"),
    )
    result = await lsp.command("aisci.runBaseline", {"template": str(template)})
    folder = workspace / "results" / "seir_like" / "baseline"
    assert result["ok"] and result["folder"] == str(folder)
    assert not (workspace / "results" / "seir_like" / "baseline_smoke").exists()
    stages = [
        s
        for s in lsp.notes["aisci/stageChanged"]
        if s["stage"] == "baseline" and s["state"] == "started"
    ]
    assert stages[0]["message"] == "seir_like (no scales: its whole study)"
    listed = {t["name"]: t for t in (await lsp.command("aisci.listTemplates", {}))["templates"]}
    assert listed["seir_like"]["baseline"] == {"whole study": str(folder)}
    runs = await lsp.command("aisci.listRuns", {"template": str(template)})
    assert [f["folder"] for f in runs["folders"]] == [str(folder)]


async def test_a_broken_template_is_one_problem_at_its_line_and_no_second_message(workspace):
    """A client that shows failures itself gets the location to open and one diagnostic (the
    knob checks that follow from the syntax error stay silent), and no showMessage beside it."""
    template = workspace / "templates" / "tiny"
    source = (template / "experiment.py").read_text().splitlines()
    (template / "experiment.py").write_text("\n".join([*source, "def broken(:"]) + "\n")
    line = len(source) + 1
    client = await start(workspace, options={"showsFailures": True})
    try:
        with pytest.raises(JsonRpcException) as failed:
            await client.command("aisci.runBaseline", {"template": str(template)})
        assert failed.value.code == -32001
        assert failed.value.data["location"] == {
            "file": str(template / "experiment.py"),
            "line": line,
        }
        assert "Fix experiment.py:" in failed.value.data["hint"]
        published = await client.wait_for(
            types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS,
            lambda p: p.uri == (template / "experiment.py").as_uri() and p.diagnostics,
        )
        assert [d.range.start.line for d in published.diagnostics] == [line - 1]
        knobs = (template / "knobs.json").as_uri()
        assert not any(
            p.diagnostics
            for p in client.notes[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS]
            if p.uri == knobs
        )
        assert not client.notes[types.WINDOW_SHOW_MESSAGE]
    finally:
        await stop(client)
