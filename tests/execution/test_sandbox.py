"""The bubblewrap sandbox really isolates: no network, no writes outside the run's folder."""

import contextlib
import json
import socket
import threading
from pathlib import Path

import pytest

from aisci.errors import ConfigError
from aisci.execution.runner import run_experiment
from aisci.execution.sandbox import bwrap_problem, resolve
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
