"""The kernel keyring of the uid a run has on the host, touched from the host (for the doctor).

A run's processes are uid 65534 on the host when aisci is root, else aisci's own uid. Before
per-run user namespaces, every run and every host process of that uid shared one user keyring
(``@u``): a key one run added was readable by the next. The doctor checks both directions
with these: it plants a key in that uid's ``@u`` which the run must not find, and looks there
for the key the run tried to add.

With ``drop`` (aisci is root and runs are sandboxed), each call runs in a forked child that
has dropped to 65534 first (a keyring belongs to the caller's uid); only ``os`` calls and one
system call run in that child. Without it, the call is made by aisci itself. keyctl and
add_key have no libc wrapper: they are called by number (x86_64 and aarch64).
"""

from __future__ import annotations

import ctypes
import os

from aisci.execution.sandbox import SANDBOX_GID, SANDBOX_UID

_NR = {"x86_64": {"add_key": 248, "keyctl": 250}, "aarch64": {"add_key": 217, "keyctl": 219}}
KEY_SPEC_USER_KEYRING = -4
KEYCTL_UNLINK = 9
KEYCTL_SEARCH = 10


def supported() -> bool:
    return os.uname().machine in _NR


def _as_run_uid(call, drop: bool) -> int:
    """``call()``'s result (an int >= -1), computed as the uid a run has on the host."""
    if not drop:
        return int(call())
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: drop to the run's uid, make the call, report, and leave
        code = 1
        try:
            os.close(read)
            os.setgroups([])
            os.setresgid(SANDBOX_GID, SANDBOX_GID, SANDBOX_GID)
            os.setresuid(SANDBOX_UID, SANDBOX_UID, SANDBOX_UID)
            os.write(write, str(int(call())).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    with os.fdopen(read, "rb") as f:
        answer = f.read()
    os.waitpid(pid, 0)
    return int(answer) if answer else -1


def _syscall(name: str, *args) -> int:
    libc = ctypes.CDLL(None, use_errno=True)
    return int(libc.syscall(_NR[os.uname().machine][name], *args))


def add(description: str, drop: bool) -> int:
    """Add a key to the run uid's user keyring; its serial, or -1."""
    desc = description.encode()
    return _as_run_uid(
        lambda: _syscall(
            "add_key",
            b"user",
            desc,
            b"aisci-probe",
            ctypes.c_size_t(11),
            ctypes.c_int(KEY_SPEC_USER_KEYRING),
        ),
        drop,
    )


def find(description: str, drop: bool) -> int:
    """The serial of the user key of that description in the run uid's user keyring, or -1."""
    desc = description.encode()
    found = _as_run_uid(
        lambda: _syscall(
            "keyctl",
            ctypes.c_int(KEYCTL_SEARCH),
            ctypes.c_int(KEY_SPEC_USER_KEYRING),
            b"user",
            desc,
            ctypes.c_int(0),
        ),
        drop,
    )
    return found if found > 0 else -1


def remove(serial: int, drop: bool) -> None:
    """Unlink a key this module added from the run uid's user keyring."""
    _as_run_uid(
        lambda: _syscall(
            "keyctl",
            ctypes.c_int(KEYCTL_UNLINK),
            ctypes.c_int(serial),
            ctypes.c_int(KEY_SPEC_USER_KEYRING),
        ),
        drop,
    )
