"""Runs share no kernel keyring: not with each other, not with the host's uid (issue 22).

Before, every run was uid 65534 in the host's user namespace, so a key one run added to its
user keyring was read by the next run and by any host process running as nobody. Each run
now has a user namespace of its own and a seccomp filter that denies the keyring calls.
"""

from __future__ import annotations

import json
import os
import uuid

from aisci.execution import host_keys
from tests.security.conftest import hostile_template, needs_bwrap

pytestmark = needs_bwrap

KEYS = (
    "import ctypes, errno\n"
    "libc = ctypes.CDLL(None, use_errno=True)\n"
    "NR = {'x86_64': (248, 250), 'aarch64': (217, 219)}[os.uname().machine]\n"
    "C = ctypes.c_int\n"
    "def answer(rc):\n"
    "    return 'allowed' if rc >= 0 else errno.errorcode[ctypes.get_errno()]\n"
    "def add(desc, ring):\n"  # add_key("user", desc, payload, 6, ring)
    "    return answer(libc.syscall(NR[0], b'user', desc.encode(), b'secret', ctypes.c_size_t(6), C(ring)))\n"
    "def search(desc, ring):\n"  # keyctl(KEYCTL_SEARCH, ring, "user", desc, 0)
    "    return answer(libc.syscall(NR[1], C(10), C(ring), b'user', desc.encode(), C(0)))\n"
    "res = {}\n"
)


def _seen(runner, template) -> dict:
    return json.loads((runner.folder(template) / "run_0" / "keys.json").read_text())


def test_a_key_of_one_run_reaches_no_other_run_nor_the_host(runner):
    run_key, host_key = f"aisci-run-{uuid.uuid4().hex}", f"aisci-host-{uuid.uuid4().hex}"
    # The host uid every run has: nobody when aisci is root or runs as nobody, else the user.
    drop = os.geteuid() == 0
    planted = host_keys.add(host_key, drop)
    assert planted > 0, "the test could not add a key to the run uid's keyring on the host"
    try:
        writer = hostile_template(
            runner,
            "key_writer",
            KEYS + f"res['user'] = add({run_key!r}, -4)\n"  # KEY_SPEC_USER_KEYRING
            f"res['session'] = add({run_key!r}, -3)\n"  # KEY_SPEC_SESSION_KEYRING
            f"res['host_key'] = search({host_key!r}, -4)\n"
            "try:\n"
            "    res['proc_keys'] = open('/proc/keys').read()\n"
            "except OSError as e:\n"
            "    res['proc_keys'] = type(e).__name__\n"
            "json.dump(res, open(os.path.join(out, 'keys.json'), 'w')); results()\n",
        )
        reader = hostile_template(
            runner,
            "key_reader",
            KEYS + f"res['run_key'] = search({run_key!r}, -4)\n"
            "json.dump(res, open(os.path.join(out, 'keys.json'), 'w')); results()\n",
        )
        for template in (writer, reader):
            done = runner.baseline(template)
            assert done.returncode == 0, done.stderr
        wrote, read = _seen(runner, writer), _seen(runner, reader)
        run_key_on_host = host_keys.find(run_key, drop)
    finally:
        host_keys.remove(planted, drop)
    assert wrote["user"] == "EPERM" and wrote["session"] == "EPERM"  # the filter's answer
    assert wrote["host_key"] == "EPERM" and host_key not in wrote["proc_keys"]
    assert read["run_key"] == "EPERM"
    assert run_key_on_host == -1
    boundary = runner.state(writer)["steps"]["run_0"]["boundary"]
    assert boundary["syscall_filter"] == "seccomp" and boundary["user_namespace"] == "own"


def test_each_run_has_a_user_namespace_of_its_own_never_mapped_to_root(runner):
    experiment = (
        "res = {'ns': os.readlink('/proc/self/ns/user'), 'uid_map': open('/proc/self/uid_map').read().split()}\n"
        "json.dump(res, open(os.path.join(out, 'keys.json'), 'w')); results()\n"
    )
    first = hostile_template(runner, "ns_a", experiment)
    second = hostile_template(runner, "ns_b", experiment)
    for template in (first, second):
        done = runner.baseline(template)
        assert done.returncode == 0, done.stderr
    a, b = _seen(runner, first), _seen(runner, second)
    # Not the host's namespace. Two runs one after the other may show the same number: the
    # kernel reuses a namespace's inode number once the namespace is gone (the keyring test
    # above shows that they share nothing).
    assert os.readlink("/proc/self/ns/user") not in (a["ns"], b["ns"])
    assert a["uid_map"][0] == "65534" and a["uid_map"][2] == "1"  # one uid, nobody, inside
    # The file the run wrote is owned on the host by the uid outside: never root.
    owner = (runner.folder(first) / "run_0" / "keys.json").stat().st_uid
    assert owner != 0 and owner == (65534 if os.geteuid() == 0 else os.geteuid())
