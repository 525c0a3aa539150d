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


def run_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "aisci", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


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
