"""The experiment runner: ``python experiment.py --out_dir=run_i`` inside a folder.

Contract of ``run_experiment``:
- ``experiment.py`` is snapshotted to ``run_i.py`` first (the original system's layout);
- in the sandbox the folder is read-only and ``run_i/`` is the only path the run can write;
- stdout and stderr go to ``run_i/stdout.log`` and ``run_i/stderr.log``, opened by aisci before
  the run starts and fed through pipes, each capped (the cut is marked in the log);
- a wall-clock timeout and a cancel event end the whole run: the PID namespace in the sandbox,
  a subreaper without one; nothing the experiment started outlives it, in any mode;
- the result is a ``RunResult``: exit status, duration, the last 1,500 characters of stderr
  (scrubbed of secrets), the parsed, validated ``final_info.json`` or the reason there is none,
  and the ``Boundary`` the run really had.
Every file of the run is read back through ``safefs``: a link it planted is refused, never followed.
It never raises for a failing experiment; a failure is a result the caller records and shows.
"""

from __future__ import annotations

import io
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import cast

from aisci.errors import AisciError
from aisci.execution import cgroups, environment, safefs
from aisci.execution import sandbox as sandboxes
from aisci.execution.boundary import Boundary, Limits
from aisci.execution.contract import run_needs
from aisci.execution.final_info import FinalInfo, load_final_info
from aisci.execution.processes import kill_group

log = logging.getLogger(__name__)
DEFAULT_TIMEOUT_S = 7200.0
STDERR_TAIL = 1500
_KILL_GRACE_S = 5.0  # after SIGTERM, before SIGKILL
_KILL_WAIT_S = 10.0  # after SIGKILL
_POLL_S = 0.1
_PIPE_CHUNK = 1 << 16


@dataclass(frozen=True)
class RunResult:
    run: str
    exit_code: int | None
    duration_s: float
    sandbox: str
    stderr_tail: str = ""
    final_info: FinalInfo | None = None
    timed_out: bool = False
    cancelled: bool = False
    error: str | None = None  # why the run produced no usable results
    hint: str | None = None
    outputs: dict[str, str] = field(default_factory=dict)
    boundary: Boundary | None = None
    logs_cut: tuple[str, ...] = ()  # the logs that reached their size limit
    node: str | None = None  # where it ran, when an executor placed it on a cluster node

    @property
    def ok(self) -> bool:
        return self.error is None and self.final_info is not None

    def summary(self, with_hint: bool = True) -> str:
        """One paragraph for people: what happened and what to do."""
        if self.ok:
            return f"{self.run} finished in {self.duration_s:.1f} s."
        text = f"{self.run} failed after {self.duration_s:.1f} s: {self.error}"
        if self.stderr_tail.strip() and not self.timed_out and not self.cancelled:
            last = self.stderr_tail.strip().splitlines()[-1].strip()
            if last not in text:
                text += f" ({last})"
        text = text.rstrip(".") + "."
        return text + (f" {self.hint}" if with_hint and self.hint else "")


@dataclass(frozen=True)
class ScriptOutcome:
    exit_code: int | None
    duration_s: float
    timed_out: bool
    cancelled: bool
    boundary: Boundary
    logs_cut: tuple[str, ...] = ()


def data_dir() -> Path:
    """Where templates read prepared data sets from (AISCI_DATA_DIR, else the user cache)."""
    env = os.environ.get("AISCI_DATA_DIR")
    if env:
        return Path(env).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "aisci" / "data"


def tail(path: Path, limit: int = STDERR_TAIL, *, root: Path | None = None) -> str:
    """The end of a log, scrubbed of secrets; "" when it is missing or is not a plain file."""
    return environment.scrub(safefs.read_tail(path, limit, root=root))


class _LogPump(threading.Thread):
    """Copies one pipe into its log up to a size limit, then drains and counts the rest."""

    def __init__(self, pipe: io.BufferedReader, fd: int, limit: int, name: str) -> None:
        super().__init__(name=f"aisci-log-{name}", daemon=True)
        self.pipe, self.fd, self.limit, self.name_ = pipe, fd, limit, name
        self.written = self.dropped = 0

    def run(self) -> None:
        try:
            while chunk := self.pipe.read1(_PIPE_CHUNK):
                room = self.limit - self.written
                if room > 0:
                    os.write(self.fd, chunk[:room])
                    self.written += min(room, len(chunk))
                self.dropped += max(0, len(chunk) - max(room, 0))
        except (OSError, ValueError):
            pass
        finally:
            if self.dropped:
                os.write(
                    self.fd,
                    (
                        f"\n[aisci: this log reached its limit of {self.limit >> 20} MB; "
                        f"{self.dropped} more bytes were not kept]\n"
                    ).encode(),
                )
            os.close(self.fd)


def run_script(
    folder: Path,
    command: list[str],
    *,
    log_dir: Path,
    timeout_s: float,
    sandbox: str = "auto",
    env: dict[str, str] | None = None,
    cancel: threading.Event | None = None,
    on_start: Callable[[int], None] | None = None,
    writable: tuple[Path, ...] = (),
    mount_over: Path | None = None,
    hide_in_workdir: tuple[str, ...] = (),
    limits: Limits | None = None,
    declared_env: tuple[str, ...] = (),
) -> ScriptOutcome:
    """Run ``command`` (``command[0]`` is the interpreter) in ``folder`` behind the boundary.

    ``log_dir`` lies inside ``folder``; its logs are created fresh before the run starts.
    """
    folder = Path(folder).resolve()
    used = sandboxes.resolve(sandbox)
    if limits is None:
        limits, declared = run_needs(folder)
        declared_env = declared_env or declared
    python = command[0]
    extra = {"AISCI_DATA_DIR": str(data_dir()), **(env or {})}
    child_env = environment.run_environment(
        python,
        extra,
        declared_env,
        home="/tmp" if used == "bwrap" else os.environ.get("HOME", "/tmp"),
        tmp="/tmp",
    )
    launched = sandboxes.launcher_command(command, python, limits=limits, sandbox=used)
    devices: tuple[str, ...] = ()
    if used == "bwrap":
        devices = sandboxes.gpu_devices()
        for path in writable:
            sandboxes.writable_by_run(path)
        argv = sandboxes.wrap(
            launched,
            folder,
            python=python,
            writable=writable,
            readable=(Path(extra["AISCI_DATA_DIR"]),),
            devices=devices,
            mount_over=mount_over,
            hide_in_workdir=hide_in_workdir,
            tmpfs_mb=limits.memory_mb,
        )
        user = sandboxes.run_user()[1]
    else:
        argv = launched
        user = f"uid {os.getuid()} (the user running aisci)"
    if used == "bwrap":
        can_write = tuple(str(p) for p in writable) or ((str(folder),) if mount_over else ())
    else:
        can_write = ("everything the user can write",)
    boundary = Boundary(
        sandbox=used,
        user=user,
        network="none" if used == "bwrap" else "host",
        writable=can_write,
        devices=devices,
        env=tuple(sorted(child_env)),
        limits={
            "processes": limits.processes,
            "memory_mb": limits.memory_mb,
            "file_size_mb": limits.file_size_mb,
            "log_mb": limits.log_mb,
        },
        timeout_s=timeout_s,
        # the launcher installs the filter and, as root, makes the namespace (sandbox.py)
        syscall_filter="seccomp" if used == "bwrap" else "none",
        user_namespace="own" if used == "bwrap" else "none",
    )
    out_fd = safefs.open_new(log_dir / "stdout.log", root=folder)
    err_fd = safefs.open_new(log_dir / "stderr.log", root=folder)
    confine = cgroups.for_run(limits.memory_mb, limits.processes)  # a group per run, if any
    start = time.monotonic()
    try:
        proc = subprocess.Popen(
            confine.command(argv),
            cwd=folder,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=confine.stdin,
            env=child_env,
            start_new_session=True,
        )
    except BaseException as e:  # the group goes whatever stopped the start
        confine.finish()
        os.close(out_fd)
        os.close(err_fd)
        if not isinstance(e, OSError):
            raise
        raise AisciError(
            f"Could not start {' '.join(command[:2])} in {folder}: {e}.",
            "Check that the Python interpreter exists and the folder is readable.",
        ) from None
    confine.started(proc)  # it joins the group before any of its code runs
    # Both streams are PIPEs with the default buffering: Popen opens each as a BufferedReader.
    pumps = [
        _LogPump(cast(io.BufferedReader, proc.stdout), out_fd, limits.log_mb << 20, "stdout.log"),
        _LogPump(cast(io.BufferedReader, proc.stderr), err_fd, limits.log_mb << 20, "stderr.log"),
    ]
    for pump in pumps:
        pump.start()
    if on_start:
        on_start(proc.pid)
    timed_out = cancelled = False
    deadline = start + timeout_s
    try:
        while True:
            try:
                proc.wait(timeout=_POLL_S)
                break
            except subprocess.TimeoutExpired:
                pass
            if cancel is not None and cancel.is_set():
                cancelled = True
            elif time.monotonic() >= deadline:
                timed_out = True
            if timed_out or cancelled:
                kill_group(proc, grace_s=_KILL_GRACE_S, kill_wait_s=_KILL_WAIT_S)
                break
    finally:  # the group goes, and whatever is left in it, whatever ended the run
        measured = confine.finish()
    boundary = replace(boundary, limits={**boundary.limits, **measured})
    for pump in pumps:
        pump.join(timeout=10)
    cut = tuple(p.name_ for p in pumps if p.dropped)
    return ScriptOutcome(
        proc.returncode, time.monotonic() - start, timed_out, cancelled, boundary, cut
    )


def run_experiment(
    folder: Path,
    run_index: int,
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    sandbox: str = "auto",
    scale: str | None = None,
    gpu: str | None = None,
    python: str | None = None,
    cancel: threading.Event | None = None,
    on_start: Callable[[int], None] | None = None,
    limits: Limits | None = None,
    declared_env: tuple[str, ...] = (),
    seed: int | None = None,
) -> RunResult:
    folder = Path(folder).resolve()
    run = f"run_{run_index}"
    run_dir = folder / run
    if not safefs.is_file(folder / "experiment.py"):
        raise AisciError(
            f"There is no experiment.py in {folder}.",
            "Run experiments in a template or idea folder.",
        )
    safefs.copy_file(
        folder / "experiment.py", folder / f"{run}.py", src_root=folder, dst_root=folder
    )
    # A run folder left by an earlier, unfinished attempt must not leak old results into this one.
    safefs.remove(run_dir, root=folder)
    safefs.make_dirs(run_dir, root=folder)
    env: dict[str, str] = {}
    if scale:
        env["AISCI_SCALE"] = scale
    if gpu is not None:
        env["CUDA_VISIBLE_DEVICES"] = str(gpu)
    if seed is not None:
        env["AISCI_SEED"] = str(int(seed))
    command = [python or sys.executable, "experiment.py", f"--out_dir={run}"]
    outcome = run_script(
        folder,
        command,
        log_dir=run_dir,
        timeout_s=timeout_s,
        sandbox=sandbox,
        env=env,
        cancel=cancel,
        on_start=on_start,
        writable=(run_dir,),
        limits=limits,
        declared_env=declared_env,
    )
    code, seconds = outcome.exit_code, outcome.duration_s
    log.info(
        "%s in %s: exit %s after %.1f s (sandbox %s)",
        run,
        folder,
        code,
        seconds,
        outcome.boundary.sandbox,
    )
    stderr_tail = tail(run_dir / "stderr.log", root=folder)
    base = RunResult(
        run=run,
        exit_code=code,
        duration_s=seconds,
        sandbox=outcome.boundary.sandbox,
        stderr_tail=stderr_tail,
        boundary=outcome.boundary,
        logs_cut=outcome.logs_cut,
        outputs={"stdout": str(run_dir / "stdout.log"), "stderr": str(run_dir / "stderr.log")},
    )
    if outcome.cancelled:
        return replace(base, cancelled=True, error="cancelled")
    if outcome.timed_out:
        return replace(
            base,
            timed_out=True,
            error=f"timed out after {timeout_s:g} s and was stopped",
            hint="Make the experiment faster (fewer steps, a smaller --scale) or raise --timeout.",
        )
    limits_seen = outcome.boundary.limits
    if code != 0 and limits_seen.get("oom_kills"):
        return replace(
            base,
            error=f"it used more than its {limits_seen['memory_mb']} MB memory limit and was stopped by the kernel",
            hint="Lower batch_size or raise limits.memory_mb in aisci.json.",
        )
    if code != 0:
        return replace(
            base,
            error=f"experiment.py exited with status {code}"
            + _limit_note(code, outcome, stderr_tail),
            hint=f"See {run_dir / 'stderr.log'} for the whole error output.",
        )
    try:
        info = read_final_info(folder, run)
    except AisciError as e:
        return replace(base, error=environment.scrub(e.message), hint=e.hint)
    return replace(base, final_info=info)


def _limit_note(code: int | None, outcome: ScriptOutcome, stderr: str) -> str:
    """Which limit of the boundary most likely ended the run, in words, or ""."""
    lim = outcome.boundary.limits
    if code in (-signal.SIGXFSZ, 128 + signal.SIGXFSZ) or "File too large" in stderr:
        return f" (it wrote a file larger than the {lim['file_size_mb']} MB limit)"
    if "MemoryError" in stderr or "Cannot allocate memory" in stderr:
        return f" (it asked for more than the {lim['memory_mb']} MB memory limit)"
    if "Resource temporarily unavailable" in stderr and "fork" in stderr.lower():
        return f" (it started more than the {lim['processes']} processes allowed)"
    if code in (-signal.SIGKILL, 128 + signal.SIGKILL):
        return " (killed)"
    return ""


def read_final_info(folder: Path, run: str) -> FinalInfo:
    """``run/final_info.json`` of ``folder``, validated, read without following any link and
    within the limits on what a run wrote (execution/runjson.py)."""
    return load_final_info(Path(folder) / run / "final_info.json")


def read_results_json(folder: Path, run: str) -> dict:
    """The raw ``run/final_info.json`` of ``folder`` as a dict, read without following a link;
    raises ``AisciError`` (a link) or ``OSError``/``ValueError`` (missing, not JSON).

    Readers of results use ``core.records`` (validated ``FinalInfo``, or the problem). This raw
    form stays for the two that need the file as written: the consistency check
    (paper/run_values.py), which traces a stated number to any number anywhere in it, nested
    ``final_info_dict`` and unvalidated keys included, and notes.txt (core/notes.py), which
    repeats the baseline's means exactly as the run wrote them (``1``, not ``1.0``)."""
    data = safefs.read_json(
        Path(folder) / run / "final_info.json", root=Path(folder), limit=16 << 20
    )
    if not isinstance(data, dict):
        raise ValueError(f"{run}/final_info.json is not a JSON object")
    return data


def finished_runs(folder: Path) -> list[str]:
    """The ``run_i`` folders of ``folder`` that are real folders (not links), in run order."""
    runs = [
        name
        for name, what in safefs.list_dir(folder)
        if what == "dir" and name.startswith("run_") and name[4:].isdigit()
    ]
    return sorted(runs, key=lambda name: int(name[4:]))
