"""Hostile templates, run through the real CLI, as root and as an unprivileged user.

Each test writes a template whose experiment.py or plot.py attacks the boundary, runs
``aisci baseline`` with the default settings as a subprocess, and checks from outside that
nothing beyond the run folder changed, nothing secret came back, and the record says what
was blocked. When the tests run as root (CI does), every test runs twice: as root, and as
``nobody`` through ``runuser`` with the system's Python of the same version reading the venv's
packages (the venv's interpreter lives under /root, which nobody cannot enter).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from aisci.execution.sandbox import bwrap_problem

REPO = Path(__file__).resolve().parents[2]
SCAFFOLD = REPO / "server" / "aisci" / "scaffold"
SYSTEM_PYTHON = f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}"

needs_bwrap = pytest.mark.skipif(
    bwrap_problem() is not None,
    reason=f"bubblewrap cannot run here ({bwrap_problem()}); `make setup` installs it on Debian",
)


def _nobody_problem() -> str | None:
    if os.geteuid() != 0:
        return "the tests already run as an unprivileged user"
    if shutil.which("runuser") is None:
        return "runuser is not installed"
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        return f"{SYSTEM_PYTHON} (the system Python matching the venv) is not installed"
    return None


USERS = ["root", "nobody"] if os.geteuid() == 0 else ["user"]


@dataclass
class Runner:
    """Runs the aisci CLI as one user, in a scratch folder that user owns."""

    user: str
    scratch: Path

    def cli(
        self, *args: str, env: dict[str, str] | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess:
        base = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.scratch / "home"),
            "XDG_CACHE_HOME": str(self.scratch / "cache"),
            "LANG": "C.UTF-8",
        }
        base.update(env or {})
        if self.user == "nobody":
            site = sysconfig.get_paths()["purelib"]
            base["PYTHONPATH"] = f"{REPO / 'server'}:{site}"
            argv = [
                "runuser",
                "-u",
                "nobody",
                "--",
                "env",
                *(f"{k}={v}" for k, v in base.items()),
                SYSTEM_PYTHON,
                "-m",
                "aisci",
                *args,
            ]
            return subprocess.run(
                argv,
                cwd=self.scratch,
                capture_output=True,
                text=True,
                timeout=timeout,
                env={"PATH": "/usr/sbin:/usr/bin:/bin"},
            )
        base["PYTHONPATH"] = str(REPO / "server")
        return subprocess.run(
            [sys.executable, "-m", "aisci", *args],
            cwd=self.scratch,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=base,
        )

    def baseline(
        self, template: Path, *extra: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess:
        return self.cli(
            "baseline",
            str(template),
            "--scale",
            "smoke",
            "--results",
            str(self.scratch / "results"),
            *extra,
            env=env,
        )

    def folder(self, template: Path) -> Path:
        from aisci.core.folders import baseline_folder
        from aisci.core.template_env import applied_scale

        # A hostile experiment.py that never reads AISCI_SCALE has no scales: results/<t>/baseline
        return baseline_folder(
            self.scratch / "results", template.name, applied_scale(template, "smoke")
        )

    def state(self, template: Path) -> dict:
        return json.loads((self.folder(template) / "state.json").read_text())


@pytest.fixture(params=USERS)
def runner(request):
    if request.param == "nobody" and (problem := _nobody_problem()):
        pytest.skip(f"cannot run as nobody here: {problem}")
    scratch = Path(tempfile.mkdtemp(prefix="aisci-sec-"))
    scratch.chmod(0o755)
    (scratch / "home").mkdir()
    if request.param == "nobody":
        for path in (scratch, scratch / "home"):
            os.chown(path, 65534, 65534)
    yield Runner(request.param, scratch)
    subprocess.run(["rm", "-rf", str(scratch)], check=False)


PLOT_OK = (
    "import os\n"
    "labels = {'run_0': 'Baseline'}\n"
    "open('result.png', 'wb').write(b'\\x89PNG\\r\\n\\x1a\\n' + b'0' * 64)\n"
)


def hostile_template(
    runner: Runner,
    name: str,
    experiment: str,
    plot: str = PLOT_OK,
    files: dict[str, str] | None = None,
) -> Path:
    """A valid template whose experiment.py runs ``experiment`` (stdlib only) after parsing
    --out_dir into ``out``, and whose plot.py is ``plot``."""
    dest = runner.scratch / "templates" / name
    dest.mkdir(parents=True)
    for item in ("prompt.json", "seed_ideas.json"):
        shutil.copy(SCAFFOLD / item, dest / item)
    shutil.copytree(SCAFFOLD / "latex", dest / "latex")
    (dest / "experiment.py").write_text(
        "import argparse, json, os, sys\n"
        "p = argparse.ArgumentParser(); p.add_argument('--out_dir'); out = p.parse_args().out_dir\n"
        "os.makedirs(out, exist_ok=True)\n"
        "def results(**means):\n"
        "    json.dump({'d': {'means': means or {'acc': 1.0}}}, open(os.path.join(out, 'final_info.json'), 'w'))\n"
        + experiment,
        encoding="utf-8",
    )
    (dest / "plot.py").write_text(plot, encoding="utf-8")
    for rel, text in (files or {}).items():
        (dest / rel).write_text(text, encoding="utf-8")
    if runner.user == "nobody":
        subprocess.run(
            ["chown", "-R", "nobody:nogroup", str(runner.scratch / "templates")], check=True
        )
    return dest


def alive(token: str) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if token.encode() in Path(f"/proc/{entry}/cmdline").read_bytes():
                    found.append(int(entry))
            except OSError:
                continue
    return found
