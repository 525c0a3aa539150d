"""The bubblewrap sandbox really isolates: no network, no writes outside the run's folder."""

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from aisci.errors import ConfigError
from aisci.execution.boundary import Boundary
from aisci.execution.runner import run_experiment
from aisci.execution.sandbox import bwrap_problem, resolve, seccomp_args
from tests.helpers import GOOD_RESULT, experiment_source

pytestmark = pytest.mark.skipif(
    bwrap_problem() is not None,
    reason=f"bubblewrap cannot run on this machine ({bwrap_problem()}); `make setup` installs it on Debian",
)


def test_writes_outside_the_folder_do_not_land(tmp_path):
    outside_tmp = tmp_path / "outside.txt"  # under /tmp: the sandbox's /tmp is private
    outside_home = Path.home() / f".aisci-sandbox-probe-{tmp_path.name}"
    folder = tmp_path / "idea"
    folder.mkdir()
    body = (
        "res = {}\n"
        f"for name, path in [('tmp', {str(outside_tmp)!r}), ('home', {str(outside_home)!r})]:\n"
        "    try:\n"
        "        open(path, 'w').write('escaped')\n"
        "        res[name] = 'written'\n"
        "    except OSError as e:\n"
        "        res[name] = type(e).__name__\n"
        "open(os.path.join(args.out_dir, 'probe.json'), 'w').write(json.dumps(res))\n" + GOOD_RESULT
    )
    (folder / "experiment.py").write_text(experiment_source(body))
    result = run_experiment(folder, 1, sandbox="bwrap", timeout_s=60)
    assert result.ok, result.summary()
    probe = json.loads((folder / "run_1" / "probe.json").read_text())
    assert probe["home"] in ("OSError", "PermissionError")  # read-only file system
    assert not outside_tmp.exists() and not outside_home.exists()


def test_no_network(tmp_path):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    accepted = []
    server.settimeout(5)

    def accept():
        with contextlib.suppress(OSError):
            accepted.append(server.accept())

    thread = threading.Thread(target=accept)
    thread.start()
    folder = tmp_path / "idea"
    folder.mkdir()
    body = (
        "import socket\n"
        f"s = socket.create_connection(('127.0.0.1', {port}), timeout=3)\n" + GOOD_RESULT
    )
    (folder / "experiment.py").write_text(experiment_source(body))
    result = run_experiment(folder, 1, sandbox="bwrap", timeout_s=60)
    thread.join()
    server.close()
    assert accepted == []
    assert not result.ok and "ConnectionRefusedError" in result.stderr_tail


def test_bwrap_asked_for_but_missing_is_a_clear_error(monkeypatch):
    from aisci.execution import sandbox

    monkeypatch.setattr(sandbox, "bwrap_problem", lambda: "bubblewrap (bwrap) is not installed")
    with pytest.raises(ConfigError) as info:
        resolve("bwrap")
    assert "apt-get install bubblewrap" in str(info.value) and "--sandbox none" in str(info.value)
    # auto never falls back to no isolation by itself: it stops with the same advice.
    with pytest.raises(ConfigError) as info:
        resolve("auto")
    assert "apt-get install bubblewrap" in str(info.value) and "--sandbox none" in str(info.value)
    assert resolve("none") == "none"


def test_another_bwrap_command_gets_the_same_filter(tmp_path):
    """The TeX build's own bwrap line takes the filter from ``seccomp_args`` (``--seccomp FD``)."""
    code = (
        "import ctypes, errno, os\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "nr = {'x86_64': 250, 'aarch64': 219}[os.uname().machine]\n"
        "rc = libc.syscall(nr, ctypes.c_int(0), ctypes.c_int(-4), ctypes.c_int(0))\n"  # keyctl
        "print(rc, errno.errorcode.get(ctypes.get_errno()))\n"
    )
    args, fd = seccomp_args()
    try:
        done = subprocess.run(
            [
                "bwrap",
                "--ro-bind",
                "/",
                "/",
                "--proc",
                "/proc",
                "--dev",
                "/dev",
                *args,
                sys.executable,
                "-c",
                code,
            ],
            pass_fds=(fd,),
            capture_output=True,
            text=True,
            timeout=30,
        )
    finally:
        os.close(fd)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["-1", "EPERM"]


def test_the_record_states_the_namespace_and_filter_only_when_it_had_them():
    limits = {"processes": 8, "memory_mb": 512, "file_size_mb": 1}
    now = Boundary.from_dict(
        {
            "sandbox": "bwrap",
            "user": "uid 65534 (nobody) in a user namespace of its own (aisci ran as root)",
            "network": "none",
            "limits": limits,
            "syscall_filter": "seccomp",
            "user_namespace": "own",
        }
    )
    text = now.describe()
    assert "as uid 65534 (nobody) in a user namespace of its own, without" in text
    assert "seccomp filter denying kernel keyrings, new user namespaces, ptrace" in text
    assert Boundary.from_dict(now.to_dict()) == now
    old = Boundary.from_dict({"sandbox": "bwrap", "user": "uid 65534 (nobody; aisci ran as root)"})
    assert "seccomp" not in old.describe() and "of its own" not in old.describe()
