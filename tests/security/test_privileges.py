"""No capabilities, the least view of /dev, no host sockets, no secrets (attacks 2-5)."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import stat
import threading
import uuid
from pathlib import Path

from tests.security.conftest import hostile_template, needs_bwrap

pytestmark = needs_bwrap


def _probe(runner, template) -> dict:
    return json.loads((runner.folder(template) / "run_0" / "probe.json").read_text())


ATTEMPT = (
    "res = {}\n"
    "def attempt(name, fn):\n"
    "    try:\n"
    "        fn(); res[name] = 'allowed'\n"
    "    except Exception as e:\n"
    "        res[name] = type(e).__name__\n"
    "def done():\n"
    "    json.dump(res, open(os.path.join(out, 'probe.json'), 'w')); results()\n"
)


def test_a_run_has_no_capabilities_and_cannot_remount(runner):
    marker = f"aisci-escape-{uuid.uuid4().hex}"
    experiment = (
        ATTEMPT
        + (
            "import ctypes, subprocess\n"
            "libc = ctypes.CDLL(None, use_errno=True)\n"
            "res['mount_rc'] = libc.mount(b'none', b'/', None, 0x20 | 0x1000, None)\n"  # MS_REMOUNT | MS_BIND
            "res['umount_rc'] = libc.umount2(b'/tmp', 2)\n"  # MNT_DETACH
            "res['cap_eff'] = [l.split()[1] for l in open('/proc/self/status') if l.startswith('CapEff')][0]\n"
            "res['uid'] = os.getuid()\n"
            f"attempt('write_root_home', lambda: open('/root/{marker}', 'w').write('x'))\n"
            f"attempt('write_host_tmp', lambda: open('/tmp/{marker}', 'w').write('x'))\n"
            f"attempt('write_system', lambda: open('/usr/{marker}', 'w').write('x'))\n"
            "attempt('read_shadow', lambda: open('/etc/shadow').read())\n"
            "done()\n"
        )
    )
    template = hostile_template(runner, "caps", experiment)
    done = runner.baseline(template)
    assert done.returncode == 0, done.stderr
    probe = _probe(runner, template)
    assert probe["mount_rc"] != 0 and probe["umount_rc"] != 0
    assert int(probe["cap_eff"], 16) == 0 and probe["uid"] != 0
    assert probe["write_system"] != "allowed" and probe["read_shadow"] != "allowed"
    assert not Path(f"/root/{marker}").exists() and not Path(f"/tmp/{marker}").exists()
    assert not Path(f"/usr/{marker}").exists()
    boundary = runner.state(template)["steps"]["run_0"]["boundary"]
    assert boundary["sandbox"] == "bwrap" and boundary["network"] == "none"
    assert boundary["writable"] == [str(runner.folder(template) / "run_0")]


def _extra_char_device() -> str | None:
    """A character device of this host outside bwrap's minimal /dev, to stand in for a GPU node."""
    for path in ("/dev/kmsg", "/dev/vcs", "/dev/tty0", "/dev/loop-control", "/dev/cpu_dma_latency"):
        try:
            if stat.S_ISCHR(os.stat(path).st_mode):
                return path
        except OSError:
            continue
    return None


def test_a_gpu_host_exposes_its_gpu_nodes_and_nothing_else(runner):
    gpu = _extra_char_device() or "/dev/null"
    marker = f"aisci-shm-{uuid.uuid4().hex}"
    experiment = ATTEMPT + (
        "import stat\n"
        "res['dev'] = sorted(os.listdir('/dev'))\n"
        "res['block'] = [n for n in res['dev'] if stat.S_ISBLK(os.lstat('/dev/' + n).st_mode)]\n"
        f"attempt('shm', lambda: open('/dev/shm/{marker}', 'w').write('x'))\n"
        "done()\n"
    )
    template = hostile_template(runner, "devices", experiment)
    done = runner.baseline(template, env={"AISCI_SANDBOX_DEVICES": gpu})
    assert done.returncode == 0, done.stderr
    probe = _probe(runner, template)
    assert Path(gpu).name in probe["dev"]  # the simulated GPU node is there
    assert probe["block"] == [] and "vda" not in probe["dev"] and "sda" not in probe["dev"]
    assert probe["shm"] == "allowed" and not Path(f"/dev/shm/{marker}").exists()  # private /dev/shm
    assert runner.state(template)["steps"]["run_0"]["boundary"]["devices"] == [gpu]


def test_host_unix_sockets_are_out_of_reach(runner):
    path = runner.scratch / "agent.sock"
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(path))
    os.chmod(path, 0o777)
    listener.listen(4)
    abstract = f"aisci-test-{uuid.uuid4().hex}"
    abstract_listener = socket.socket(socket.AF_UNIX)
    abstract_listener.bind("\0" + abstract)
    abstract_listener.listen(4)
    accepted = []

    def accept(sock):
        sock.settimeout(15)
        with contextlib.suppress(OSError):
            accepted.append(sock.accept())

    threads = [threading.Thread(target=accept, args=(s,)) for s in (listener, abstract_listener)]
    for t in threads:
        t.start()
    experiment = ATTEMPT + (
        "import socket\n"
        f"attempt('path', lambda: socket.socket(socket.AF_UNIX).connect({str(path)!r}))\n"
        f"attempt('abstract', lambda: socket.socket(socket.AF_UNIX).connect('\\0{abstract}'))\n"
        "attempt('dbus', lambda: socket.socket(socket.AF_UNIX).connect('/run/dbus/system_bus_socket'))\n"
        "attempt('docker', lambda: socket.socket(socket.AF_UNIX).connect('/var/run/docker.sock'))\n"
        "res['run'] = os.path.exists('/run')\n"
        "done()\n"
    )
    template = hostile_template(runner, "sockets", experiment)
    done = runner.baseline(template)
    listener.close()
    abstract_listener.close()
    for t in threads:
        t.join()
    assert done.returncode == 0, done.stderr
    probe = _probe(runner, template)
    assert probe["path"] != "allowed" and probe["abstract"] != "allowed"
    assert probe["dbus"] != "allowed" and probe["docker"] != "allowed" and probe["run"] is False
    assert accepted == []


def test_secrets_never_reach_the_run_and_are_scrubbed_from_what_it_says(runner):
    key = "sk-aisci-test-" + uuid.uuid4().hex
    token = "ghp_" + uuid.uuid4().hex
    experiment = (
        "leaked = open('config.txt').read().strip()\n"  # a key that slipped into a template file
        "env = dict(os.environ)\n"
        "json.dump(sorted(env), open(os.path.join(out, 'env.json'), 'w'))\n"
        "print('environment:', env, file=sys.stderr)\n"
        "raise SystemExit('failing with the key ' + leaked)\n"
    )
    template = hostile_template(
        runner,
        "secrets",
        experiment,
        files={"config.txt": key + "\n"},
    )
    (template / "aisci.json").write_text(
        json.dumps({"env": ["GITHUB_TOKEN", "AISCI_TEST_SETTING"]})
    )
    done = runner.baseline(
        template,
        env={"OPENAI_API_KEY": key, "GITHUB_TOKEN": token, "AISCI_TEST_SETTING": "visible"},
    )
    assert done.returncode == 1
    names = json.loads((runner.folder(template) / "run_0" / "env.json").read_text())
    assert "OPENAI_API_KEY" not in names and "GITHUB_TOKEN" not in names  # declared, but a secret
    assert "AISCI_TEST_SETTING" in names  # declared, and harmless
    state = (runner.folder(template) / "state.json").read_text()
    for secret in (key, token):
        assert secret not in done.stdout + done.stderr and secret not in state
    assert "[secret removed]" in done.stderr
    check = runner.cli("template", "check", str(template))
    assert "GITHUB_TOKEN, which looks like a secret" in check.stdout
