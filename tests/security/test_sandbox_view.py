"""What a run sees of the host, and two settings that used to fail every run (issue 22).

- /sys is the host's (CUDA reads it), but the folders naming the host's network interfaces
  are covered, and /proc/keys cannot be read;
- a bad AISCI_SANDBOX_DEVICES entry stops aisci before any run with what to set;
- a venv reached through a symlinked folder runs: the interpreter is found at the path it
  was started by, and its packages with it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.security.conftest import REPO, hostile_template, needs_bwrap

pytestmark = needs_bwrap


def _host_interfaces() -> list[str]:
    return sorted(os.listdir("/sys/class/net"))


def test_sys_does_not_name_the_hosts_network_interfaces(runner):
    host = [n for n in _host_interfaces() if n != "lo"]
    folders = sorted(
        {os.path.dirname(os.path.realpath(f"/sys/class/net/{n}")) for n in _host_interfaces()}
    )
    experiment = (
        "res = {'class': sorted(os.listdir('/sys/class/net'))}\n"
        f"res['devices'] = {{f: sorted(os.listdir(f)) for f in {folders!r}}}\n"
        "try:\n"
        "    open('/proc/keys').read(); res['proc_keys'] = 'read'\n"
        "except OSError as e:\n"
        "    res['proc_keys'] = type(e).__name__\n"
        "json.dump(res, open(os.path.join(out, 'view.json'), 'w')); results()\n"
    )
    template = hostile_template(runner, "sysnet", experiment)
    done = runner.baseline(template)
    assert done.returncode == 0, done.stderr
    seen = json.loads((runner.folder(template) / "run_0" / "view.json").read_text())
    assert seen["class"] == []
    assert all(listing == [] for listing in seen["devices"].values()), seen["devices"]
    assert not set(host) & set(json.dumps(seen).replace('"', " ").split())
    assert seen["proc_keys"] == "PermissionError"


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("/tmp/x", "not a path under /dev"),
        ("dev/null", "not an absolute path"),
        ("/dev/../etc/passwd", "not a path under /dev"),
        ("/dev/aisci-no-such-device", "it cannot be found"),
        ("/dev/shm", "it is not a character device"),
    ],
)
def test_a_bad_device_entry_stops_before_any_run(runner, value, why):
    template = hostile_template(
        runner, "devices_bad", "open(os.path.join(out, 'ran'), 'w'); results()\n"
    )
    done = runner.baseline(template, env={"AISCI_SANDBOX_DEVICES": f"/dev/null:{value}"})
    assert done.returncode == 1
    assert f"AISCI_SANDBOX_DEVICES names {value!r}: {why}" in done.stderr
    assert "Set AISCI_SANDBOX_DEVICES to absolute paths of character devices" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (runner.folder(template) / "run_0" / "ran").exists()


def test_the_doctor_names_a_bad_device_entry(runner):
    done = runner.cli("doctor", "--offline", env={"AISCI_SANDBOX_DEVICES": "/tmp/x"})
    line = next(line for line in done.stdout.splitlines() if line.split()[1:2] == ["sandbox"])
    assert line.startswith("FAIL") and "AISCI_SANDBOX_DEVICES names '/tmp/x'" in line
    assert "Traceback" not in done.stderr


def test_a_venv_behind_a_symlinked_folder_runs(runner, tmp_path):
    if runner.user == "nobody":
        pytest.skip("as nobody the tests use the system Python, not a venv")
    if sys.prefix == sys.base_prefix:
        pytest.skip("the tests do not run in a venv")
    linked = tmp_path / "project"
    linked.mkdir()
    (linked / ".venv").symlink_to(Path(sys.prefix).resolve(), target_is_directory=True)
    python = linked / ".venv" / "bin" / Path(sys.executable).name
    experiment = (
        "res = {'executable': sys.executable, 'prefix': sys.prefix}\n"
        "import pyseccomp\n"  # a package of the venv, not of the system: site-packages is found
        "json.dump(res, open(os.path.join(out, 'venv.json'), 'w')); results()\n"
    )
    template = hostile_template(runner, "linked_venv", experiment)
    done = subprocess.run(
        [
            str(python),
            "-m",
            "aisci",
            "baseline",
            str(template),
            "--scale",
            "smoke",
            "--results",
            str(runner.scratch / "results"),
        ],
        cwd=runner.scratch,
        capture_output=True,
        text=True,
        timeout=120,
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(runner.scratch / "home"),
            "XDG_CACHE_HOME": str(runner.scratch / "cache"),
            "LANG": "C.UTF-8",
            "PYTHONPATH": str(REPO / "server"),
        },
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads((runner.folder(template) / "run_0" / "venv.json").read_text())
    assert seen == {"executable": str(python), "prefix": str(linked / ".venv")}
