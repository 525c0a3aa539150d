"""The experiment runner: ``python experiment.py --out_dir=run_i`` inside a folder.

Contract of ``run_experiment``:
- ``experiment.py`` is snapshotted to ``run_i.py`` first (the original system's layout);
- stdout and stderr go to ``run_i/stdout.log`` and ``run_i/stderr.log``;
- a wall-clock timeout and a cancel event both end the whole process group (and, in the
  bwrap sandbox, the whole PID namespace): nothing the experiment started outlives it;
- the result is a ``RunResult``: exit status, duration, the last 1,500 characters of stderr,
  and the parsed, validated ``final_info.json`` or the reason there is none.
It never raises for a failing experiment; a failure is a result the caller records and shows.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from aisci.core.results import FinalInfo, load_final_info
from aisci.errors import AisciError
from aisci.execution import sandbox as sandboxes

log = logging.getLogger(__name__)
DEFAULT_TIMEOUT_S = 7200.0
STDERR_TAIL = 1500
_KILL_GRACE_S = 5.0
_POLL_S = 0.1


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
    error: str | None = None        # why the run produced no usable results
    hint: str | None = None
    outputs: dict[str, str] = field(default_factory=dict)

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


def data_dir() -> Path:
    """Where templates read prepared data sets from (AISCI_DATA_DIR, else the user cache)."""
    env = os.environ.get("AISCI_DATA_DIR")
    if env:
        return Path(env).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "aisci" / "data"


def tail(path: Path, limit: int = STDERR_TAIL) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - limit * 4))
            return f.read().decode("utf-8", errors="replace")[-limit:]
    except OSError:
        return ""


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
) -> tuple[int | None, float, bool, bool, str]:
    """Run ``command`` in ``folder`` (sandboxed); returns (exit, seconds, timed_out, cancelled, sandbox)."""
    folder = Path(folder).resolve()
    used = sandboxes.resolve(sandbox)
    child_env = {**os.environ, **(env or {})}
    child_env.setdefault("AISCI_DATA_DIR", str(data_dir()))
    child_env["PYTHONUNBUFFERED"] = "1"
    if used == "bwrap":
        # Home is read-only inside the sandbox; matplotlib and friends need a writable config dir.
        child_env["MPLCONFIGDIR"] = "/tmp/matplotlib"
        child_env["TMPDIR"] = "/tmp"
    argv = sandboxes.wrap(command, folder, used, readable=(Path(child_env["AISCI_DATA_DIR"]),))
    log_dir.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    with open(log_dir / "stdout.log", "wb") as out, open(log_dir / "stderr.log", "wb") as err:
        try:
            proc = subprocess.Popen(argv, cwd=folder, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                    env=child_env, start_new_session=True)
        except OSError as e:
            raise AisciError(f"Could not start {' '.join(command[:2])} in {folder}: {e}.",
                             "Check that the Python interpreter exists and the folder is readable.") from None
        if on_start:
            on_start(proc.pid)
        timed_out = cancelled = False
        deadline = start + timeout_s
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
                _kill_group(proc)
                break
    return proc.returncode, time.monotonic() - start, timed_out, cancelled, used


def _kill_group(proc: subprocess.Popen) -> None:
    """End the process and everything in its group: TERM, a grace period, then KILL."""
    for sig, wait in ((signal.SIGTERM, _KILL_GRACE_S), (signal.SIGKILL, None)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=wait if wait is not None else 10)
            if sig == signal.SIGTERM:
                # The leader is gone; grandchildren in the group may not be.
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            return
        except subprocess.TimeoutExpired:
            continue


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
) -> RunResult:
    folder = Path(folder).resolve()
    run = f"run_{run_index}"
    run_dir = folder / run
    if not (folder / "experiment.py").is_file():
        raise AisciError(f"There is no experiment.py in {folder}.", "Run experiments in a template or idea folder.")
    shutil.copyfile(folder / "experiment.py", folder / f"{run}.py")
    # A run folder left by an earlier, unfinished attempt must not leak old results into this one.
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir()
    env: dict[str, str] = {}
    if scale:
        env["AISCI_SCALE"] = scale
    if gpu is not None:
        env["CUDA_VISIBLE_DEVICES"] = str(gpu)
    command = [python or sys.executable, "experiment.py", f"--out_dir={run}"]
    code, seconds, timed_out, cancelled, used = run_script(
        folder, command, log_dir=run_dir, timeout_s=timeout_s, sandbox=sandbox, env=env,
        cancel=cancel, on_start=on_start)
    log.info("%s in %s: exit %s after %.1f s (sandbox %s)", run, folder, code, seconds, used)
    stderr_tail = tail(run_dir / "stderr.log")
    base = dict(run=run, exit_code=code, duration_s=seconds, sandbox=used, stderr_tail=stderr_tail,
                outputs={"stdout": str(run_dir / "stdout.log"), "stderr": str(run_dir / "stderr.log")})
    if cancelled:
        return RunResult(**base, cancelled=True, error="cancelled")
    if timed_out:
        return RunResult(**base, timed_out=True, error=f"timed out after {timeout_s:g} s and was stopped",
                         hint="Make the experiment faster (fewer steps, a smaller --scale) or raise --timeout.")
    if code != 0:
        return RunResult(**base, error=f"experiment.py exited with status {code}",
                         hint=f"See {run_dir / 'stderr.log'} for the whole error output.")
    try:
        info = load_final_info(run_dir / "final_info.json")
    except AisciError as e:
        return RunResult(**base, error=e.message, hint=e.hint)
    return RunResult(**base, final_info=info)
