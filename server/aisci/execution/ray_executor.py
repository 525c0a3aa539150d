"""Runs on a Ray cluster: each run is a Ray task; everything else stays on the driver.

What travels to a worker node: the run's files (the idea folder's top-level template files,
read link-safely, at most ``SHIP_LIMIT``), the run's parameters and limits. Never a key: no
environment of the driver, no runtime_env, nothing secret in task arguments. The worker writes
them into a fresh folder, runs ``run_experiment`` there in its own sandbox, and returns the run
folder's regular files; the driver validates them again and writes them into the idea folder
through ``safefs`` (a staging folder renamed into place). With ``shared_results`` the worker runs
in the idea folder itself, which every node sees at the same path.

A node that dies mid-run makes Ray retry the run elsewhere (``MAX_RETRIES``). A data set the
template declares (aisci.json ``data``) that a node lacks fails the run at once with the node's
name. Progress (the node, the newest log lines) reaches the driver through a small actor.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from aisci.errors import AisciError, ConfigError
from aisci.execution import environment, safefs
from aisci.execution.boundary import Boundary
from aisci.execution.contract import cluster_needs, run_needs
from aisci.execution.run_spec import ExecutorSettings, ProgressCallback, ReportCallback, RunSpec
from aisci.execution.runner import RunResult, read_final_info

if TYPE_CHECKING:  # ray_tasks imports Ray, which the driver loads only when it connects
    from aisci.execution.ray_tasks import NodeOutcome

log = logging.getLogger(__name__)
MAX_RETRIES = 2
SHIP_LIMIT = 64 << 20
RETURN_LIMIT = 256 << 20
_SHIP_SUFFIXES = (
    ".py",
    ".json",
    ".txt",
    ".csv",
    ".tsv",
    ".yaml",
    ".yml",
    ".toml",
    ".cfg",
    ".npy",
    ".npz",
)
_NOT_SHIPPED = ("state.json", "idea.json", "notes.txt", "review.json", "review.txt", "tree.json")
_POLL_S = 0.25


def import_ray():
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    try:
        # deferred: ray is an optional extra (the cluster executor)
        import ray
    except ImportError:
        raise ConfigError(
            "--executor ray needs Ray, which is not installed.",
            "Install it with: pip install 'aisci[ray]' (or .venv/bin/pip install 'ray==2.60.0'), "
            "or use --executor local.",
        ) from None
    return ray


def _reachable(address: str) -> str | None:
    """None when a TCP connection to host:port opens within 3 s, else why not."""
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        return f"{address!r} is not host:port"
    try:
        with socket.create_connection((host, int(port)), timeout=3):
            return None
    except OSError as e:
        return e.strerror or str(e)


def connect(address: str) -> None:
    """Join the cluster at ``address`` ("auto", "local" or host:port), or fail with the address tried."""
    ray = import_ray()
    if ray.is_initialized():
        return
    if address == "local":
        ray.init(include_dashboard=False, log_to_driver=False, configure_logging=False)
        return
    if address == "auto":
        tried = os.environ.get("RAY_ADDRESS") or _current_cluster()
        if not tried:
            raise ConfigError(
                "--executor ray --ray-address auto found no Ray cluster on this machine (no "
                "RAY_ADDRESS, no cluster started with ray start).",
                "Start one (ray start --head), give its address with --ray-address HOST:PORT, "
                "use --ray-address local for a private one, or --executor local.",
            )
    else:
        tried = address
    problem = _reachable(tried)
    if problem:
        raise ConfigError(
            f"Cannot reach the Ray cluster at {tried}: {problem}.",
            "Check that the head node runs (ray start --head --port PORT) and that this machine can "
            "reach it, or use --executor local.",
        )
    host = tried.rpartition(":")[0]
    # A cluster on loopback addresses only works when the driver says 127.0.0.1 too.
    extra = (
        {"_node_ip_address": "127.0.0.1"} if host.startswith("127.") or host == "localhost" else {}
    )
    ray.init(address=tried, log_to_driver=False, configure_logging=False, **extra)


def _current_cluster() -> str | None:
    tmp = os.environ.get("RAY_TMPDIR", "/tmp")
    try:
        return Path(tmp, "ray", "ray_current_cluster").read_text().strip() or None
    except OSError:
        return None


def _ship(folder: Path) -> dict[str, bytes]:
    """The files a run needs from the idea folder: its top-level template files, not its history."""
    files, total = {}, 0
    for name, kind in safefs.list_dir(folder):
        if (
            kind != "file"
            or name in _NOT_SHIPPED
            or name.startswith(".")
            or not name.endswith(_SHIP_SUFFIXES)
        ):
            continue
        if name.startswith("run_") and name.endswith(".py"):
            continue  # snapshots of earlier runs
        data = safefs.read_bytes(folder / name, root=folder)
        total += len(data)
        if total > SHIP_LIMIT:
            raise AisciError(
                f"The files of {folder} are larger than {SHIP_LIMIT >> 20} MB, too large to send to the "
                "cluster.",
                "Keep data sets out of the template (AISCI_DATA_DIR on each node) or use "
                "--shared-results.",
            )
        files[name] = data
    return files


class RayExecutor:
    name = "ray"

    def __init__(self, settings: ExecutorSettings) -> None:
        self.settings = settings
        connect(settings.ray_address)
        ray = import_ray()
        # deferred: ray is an optional extra (the cluster executor)
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        # deferred: ray_tasks imports ray, an optional extra
        from aisci.execution import ray_tasks

        self._ray = ray
        # The progress actor lives on the node the driver joined, not on a worker that may die.
        here = NodeAffinitySchedulingStrategy(ray.get_runtime_context().get_node_id(), soft=True)
        self._sink = ray_tasks.ProgressSink.options(num_cpus=0, scheduling_strategy=here).remote()
        self._remote = ray.remote(ray_tasks.run_on_node)

    def close(self) -> None:
        try:
            self._ray.kill(self._sink)
        except Exception:  # the cluster may be gone already; nothing to release then
            pass

    def run(
        self,
        spec: RunSpec,
        *,
        cancel: threading.Event | None = None,
        on_progress: ProgressCallback | None = None,
        on_report: ReportCallback | None = None,  # not streamed from a node: its log tail is
    ) -> RunResult:
        ray = self._ray
        folder = Path(spec.folder).resolve()
        run = f"run_{spec.run_index}"
        if not safefs.is_file(folder / "experiment.py", root=folder):
            raise AisciError(
                f"There is no experiment.py in {folder}.",
                "Run experiments in a template or idea folder.",
            )
        safefs.copy_file(
            folder / "experiment.py", folder / f"{run}.py", src_root=folder, dst_root=folder
        )
        limits, declared = run_needs(folder)
        cpus, gpus, data_sets = cluster_needs(folder)
        cpus = self.settings.run_cpus if self.settings.run_cpus is not None else cpus
        gpus = self.settings.run_gpus if self.settings.run_gpus is not None else gpus
        params = {
            "run_index": spec.run_index,
            "timeout_s": spec.timeout_s,
            "sandbox": spec.sandbox,
            "scale": spec.scale,
            "gpu": spec.gpu,
            "seed": spec.seed,
            "use_cluster_gpu": gpus > 0,
            "data": list(data_sets),
            "limits": limits.__dict__,
            "declared_env": list(declared),
            "shared_folder": str(folder) if self.settings.shared_results else None,
        }
        files = {} if self.settings.shared_results else _ship(folder)
        key = f"{folder}:{run}:{time.monotonic_ns()}"
        ref = self._remote.options(
            num_cpus=cpus, num_gpus=gpus, max_retries=MAX_RETRIES, retry_exceptions=False
        ).remote(files, params, self._sink, key)
        started = time.monotonic()
        seen = None
        while True:
            done, _ = ray.wait([ref], timeout=_POLL_S)
            if on_progress is not None:
                try:
                    progress = ray.get(self._sink.latest.remote(key), timeout=5)
                except Exception:  # progress is a courtesy; the run goes on without it
                    progress = None
                if progress and progress != seen:
                    seen = progress
                    on_progress(progress["where"], progress["tail"])
            if done:
                break
            if cancel is not None and cancel.is_set():
                ray.cancel(ref, force=True)
                return RunResult(
                    run=run,
                    exit_code=None,
                    duration_s=time.monotonic() - started,
                    sandbox=spec.sandbox,
                    cancelled=True,
                    error="cancelled",
                    node=seen["where"] if seen else None,
                )
        try:
            out = ray.get(ref)
        except (
            Exception
        ) as e:  # a task that failed past its retries: the cluster's reason, not a traceback
            reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            return RunResult(
                run=run,
                exit_code=None,
                duration_s=time.monotonic() - started,
                sandbox=spec.sandbox,
                error=f"the cluster could not run it: {reason}",
                hint=f"Ray retried it {MAX_RETRIES} times; check the nodes (aisci doctor --executor ray).",
            )
        try:
            self._ray.get(self._sink.forget.remote(key), timeout=5)
        except Exception:  # the progress actor is gone with its node: nothing to forget
            pass
        return self._land(folder, run, out)

    def _land(self, folder: Path, run: str, out: NodeOutcome) -> RunResult:
        """Write what the worker returned into the idea folder and build the result from it."""
        fields = out["fields"]
        where = out["where"]
        if not self.settings.shared_results:
            staging = folder / f".{run}.incoming"
            safefs.remove(staging, root=folder)
            safefs.make_dirs(staging, root=folder)
            for rel, data in out["outputs"].items():
                safefs.write_atomic(staging / rel, data, root=folder)
            safefs.remove(folder / run, root=folder)
            os.rename(staging, folder / run)
        raw_boundary = fields.get("boundary")
        boundary = Boundary.from_dict(raw_boundary) if raw_boundary else None
        result = RunResult(
            run=run,
            exit_code=fields["exit_code"],
            duration_s=fields["duration_s"],
            sandbox=fields["sandbox"],
            stderr_tail=environment.scrub(fields.get("stderr_tail", "")),
            timed_out=fields["timed_out"],
            cancelled=fields["cancelled"],
            error=fields["error"],
            hint=fields["hint"],
            boundary=boundary,
            logs_cut=tuple(fields.get("logs_cut", ())),
            node=where,
            outputs={
                "stdout": str(folder / run / "stdout.log"),
                "stderr": str(folder / run / "stderr.log"),
            },
        )
        if result.error is not None:
            return result
        try:
            return replace(result, final_info=read_final_info(folder, run))
        except AisciError as e:
            return replace(result, error=environment.scrub(e.message), hint=e.hint)
