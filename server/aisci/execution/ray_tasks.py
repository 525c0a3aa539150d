"""What runs on the cluster's nodes: the run task and the progress actor (imports Ray).

``run_on_node`` receives the run's files and parameters (never the driver's environment),
checks that the data sets the template declares are on this node, runs ``run_experiment`` in
a fresh folder in this node's sandbox, and returns the run folder's regular files with the
result's fields and where it ran. While it runs, a thread reports the newest log lines to the
driver's ``ProgressSink``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import tempfile
import threading
from pathlib import Path
from typing import Any, TypedDict

import ray

from aisci.execution import safefs, safetree
from aisci.execution.boundary import Limits
from aisci.execution.runner import data_dir, run_experiment, tail
from aisci.execution.sandbox import bwrap_problem

_REPORT_S = 1.0
_RETURN_LIMIT = 256 << 20


class _ProgressSink:
    """Holds the newest progress of each run, for the driver to poll."""

    def __init__(self) -> None:
        self.runs: dict[str, dict] = {}

    def report(self, key: str, where: str, tail_text: str) -> None:
        self.runs[key] = {"where": where, "tail": tail_text}

    def latest(self, key: str) -> dict | None:
        return self.runs.get(key)

    def forget(self, key: str) -> None:
        self.runs.pop(key, None)


ProgressSink = ray.remote(_ProgressSink)


class RunFields(TypedDict):
    """The fields of the node's ``RunResult`` that travel back to the driver."""

    exit_code: int | None
    duration_s: float
    sandbox: str
    stderr_tail: str
    timed_out: bool
    cancelled: bool
    error: str | None
    hint: str | None
    logs_cut: list[str]
    boundary: dict[str, Any] | None


class NodeOutcome(TypedDict):
    """What ``run_on_node`` returns: the result's fields, the run folder's files, the node."""

    fields: RunFields
    outputs: dict[str, bytes]
    where: str


def node_name() -> str:
    node = ray.get_runtime_context().get_node_id()
    return f"node {node[:8]} ({socket.gethostname()})"


def _outputs(run_dir: Path) -> dict[str, bytes]:
    """The run folder's regular files (links and others left out), relative path -> bytes,
    within the budget of a run copy (levels, files) and ``_RETURN_LIMIT`` bytes."""
    budget = safetree.Budget(safetree.RUN_COPY.depth, safetree.RUN_COPY.entries, _RETURN_LIMIT)
    found, _ = safetree.read_tree(run_dir, budget)
    return found


def run_on_node(files: dict[str, bytes], params: dict, sink, key: str) -> NodeOutcome:
    where = node_name()
    index = params["run_index"]
    run = f"run_{index}"
    missing = [name for name in params["data"] if not (data_dir() / name).is_dir()]
    if missing:
        return _failed(
            where,
            f"data set {missing[0]} is not on {where}: run make data there "
            f"(AISCI_DATA_DIR there is {data_dir()})",
        )
    scratch = None
    if params["shared_folder"]:
        folder = Path(params["shared_folder"])
    else:
        scratch = Path(tempfile.mkdtemp(prefix="aisci-run-"))
        folder = scratch / "idea"
        folder.mkdir()
        for name, data in files.items():
            if "/" in name or name.startswith("."):
                continue
            safefs.write_atomic(folder / name, data, root=folder)
    stop = threading.Event()

    def report() -> None:
        while not stop.wait(_REPORT_S):
            text = tail(folder / run / "stderr.log", 400, root=folder) or tail(
                folder / run / "stdout.log", 400, root=folder
            )
            sink.report.remote(key, where, text)

    sink.report.remote(key, where, "")
    reporter = threading.Thread(target=report, daemon=True)
    reporter.start()
    try:
        gpu = os.environ.get("CUDA_VISIBLE_DEVICES") if params["use_cluster_gpu"] else params["gpu"]
        result = run_experiment(
            folder,
            index,
            timeout_s=params["timeout_s"],
            sandbox=params["sandbox"],
            scale=params["scale"],
            gpu=gpu,
            limits=Limits(**params["limits"]),
            declared_env=tuple(params["declared_env"]),
            seed=params.get("seed"),
        )
        outputs = {} if params["shared_folder"] else _outputs(folder / run)
    finally:
        stop.set()
        reporter.join(timeout=5)
        if scratch is not None:
            with contextlib.suppress(OSError):
                safefs.remove(scratch)  # any depth (shutil.rmtree recurses)
    fields: RunFields = {
        "exit_code": result.exit_code,
        "duration_s": result.duration_s,
        "sandbox": result.sandbox,
        "stderr_tail": result.stderr_tail,
        "timed_out": result.timed_out,
        "cancelled": result.cancelled,
        "error": result.error,
        "hint": result.hint,
        "logs_cut": list(result.logs_cut),
        "boundary": result.boundary.to_dict() if result.boundary else None,
    }
    return {"fields": fields, "outputs": outputs, "where": where}


def _failed(where: str, error: str) -> NodeOutcome:
    fields: RunFields = {
        "exit_code": None,
        "duration_s": 0.0,
        "sandbox": "?",
        "stderr_tail": "",
        "timed_out": False,
        "cancelled": False,
        "error": error,
        "hint": "Prepare the data set on every node that may run it.",
        "logs_cut": [],
        "boundary": None,
    }
    return {"fields": fields, "outputs": {}, "where": where}


def probe_node() -> dict:
    """What ``aisci doctor --executor ray`` asks each node."""
    sets = sorted(p.name for p in data_dir().iterdir() if p.is_dir()) if data_dir().is_dir() else []
    return {
        "where": node_name(),
        "sandbox": bwrap_problem() or "ok",
        "tex": bool(shutil.which("latexmk")),
        "data": sets,
        "data_dir": str(data_dir()),
    }
