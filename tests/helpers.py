"""Small builders shared by tests: templates on disk, the CLI as a real subprocess."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCAFFOLD = REPO / "server" / "aisci" / "scaffold"


def make_template(parent: Path, name: str = "tiny", experiment: str | None = None) -> Path:
    """A valid template (the scaffold), optionally with another experiment.py."""
    dest = parent / name
    shutil.copytree(SCAFFOLD, dest, ignore=shutil.ignore_patterns("__pycache__"))
    if experiment is not None:
        (dest / "experiment.py").write_text(experiment, encoding="utf-8")
        (dest / "knobs.json").unlink()  # its constants belong to the scaffold's experiment
    return dest


def experiment_source(body: str) -> str:
    """An experiment.py honouring the contract's argument, with ``body`` after parsing it."""
    return (
        "import argparse, json, os, sys, time\n"
        "p = argparse.ArgumentParser(); p.add_argument('--out_dir'); args = p.parse_args()\n"
        "os.makedirs(args.out_dir, exist_ok=True)\n" + body
    )


GOOD_RESULT = "json.dump({'d': {'means': {'acc': 0.9}}}, open(os.path.join(args.out_dir, 'final_info.json'), 'w'))\n"


def run_cli(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "aisci", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")


class ScriptedReviewer:
    """A person reviewing proposals from a script of decisions; accepts once the script ends."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.seen = []

    def review(self, proposal):
        from aisci.core.proposals import Decision

        self.seen.append(proposal)
        return self.answers.pop(0) if self.answers else Decision("accept")


_RUNS_LINE = "    runs = [run_seed(cfg, seed) for seed in range(cfg.seeds)]"
SLOW_MARKER = "slow_run_started"


def slow_at_learning_rate(source: str) -> str:
    """The scaffold's experiment.py, whose run with LEARNING_RATE 0.3 leaves a marker in its run
    folder and then takes 3 s: a moment to kill a launch in the middle of a run."""
    return source.replace(
        _RUNS_LINE,
        "    if LEARNING_RATE == 0.3:\n        open(os.path.join(args.out_dir, "
        f"'{SLOW_MARKER}'), 'w').close(); time.sleep(3)\n" + _RUNS_LINE,
    )


def kill_launch_at_marker(
    argv: list[str], results: Path, *, cwd: Path, env: dict[str, str], timeout: float = 120
) -> Path:
    """Start a launch, SIGKILL its whole process group once a run has left the slow marker, and
    return that run's folder."""
    import signal
    import time

    proc = subprocess.Popen(
        argv,
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.monotonic() + timeout
    while not (found := list(results.glob(f"*/*_sweep_learning_rate/run_*/{SLOW_MARKER}"))):
        assert time.monotonic() < deadline and proc.poll() is None, proc.stderr.read().decode()
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    return found[0].parent
