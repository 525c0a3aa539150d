"""The first program of every run: limits, an unprivileged uid, then the run itself.

Started as ``python -I -S launch.py JSON -- COMMAND...`` (the standard library only: inside the
sandbox nothing of aisci is visible but this file). JSON holds:

- ``limits``: resource limits to set (``RLIMIT_*`` name -> value);
- ``uid``/``gid``: when given (aisci runs as root), drop to them with no supplementary groups;
  leaving root clears every capability, and no-new-privileges keeps it so;
- ``userns``: then enter a user namespace of the run's own, mapping only that uid and gid to
  themselves (never to root), so that the run has its own keyrings and uid view; its
  capabilities there end at the ``exec`` of the command, which runs as a non-root uid;
- ``seccomp``: a compiled seccomp (BPF) program, base64, installed last, after a fresh session
  keyring is joined (the inherited one was aisci's); it is not secret, and travelling in this
  argument it needs no descriptor or file that could outlive a run that never started;
- ``supervise``: stay as a child subreaper instead of exec'ing: when the command exits, when
  it is told to stop (TERM, INT, HUP) or when aisci dies (parent-death signal), every process
  the command left behind, ``setsid`` children included, is killed. Used where there is no PID
  namespace to do this (``--sandbox none``).

Exit status: the command's, or 128 + the signal that ended it.

Imported on the host, ``namespace_problem`` tries the user-namespace step in a forked child, so
that aisci stops before any run where a kernel or security module forbids it.
"""

import base64
import contextlib
import ctypes
import json
import os
import resource
import signal
import sys
import time

PR_SET_PDEATHSIG = 1
PR_SET_NO_NEW_PRIVS = 38
PR_SET_CHILD_SUBREAPER = 36
PR_SET_DUMPABLE = 4
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
CLONE_NEWUSER = 0x10000000
KEYCTL_JOIN_SESSION_KEYRING = 1
_KEYCTL_NR = {"x86_64": 250, "aarch64": 219}  # keyctl has no libc wrapper


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def _prctl(option: int, value: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(option, value, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), f"prctl({option}) failed")


def _own_user_namespace(uid: int, gid: int) -> None:
    """Enter a new user namespace as ``uid``/``gid``, each mapped to itself and nothing else."""
    # Changing uid made the process non-dumpable, which gives its /proc files to root; the maps
    # below must be written by the process itself, as the owner of those files.
    _prctl(PR_SET_DUMPABLE, 1)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWUSER) != 0:
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWUSER) failed")
    for name, text in (
        ("setgroups", "deny"),  # required before an unprivileged gid_map
        ("uid_map", f"{uid} {uid} 1"),
        ("gid_map", f"{gid} {gid} 1"),
    ):
        with open(f"/proc/self/{name}", "w") as f:
            f.write(text)


def namespace_problem(uid: int, gid: int) -> str | None:
    """As root, on the host: None when a process dropped to ``uid`` can make the run's user
    namespace (a kernel or LSM may forbid it), else why not. Tried in a forked child."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read)
            os.setgroups([])
            os.setresgid(gid, gid, gid)
            os.setresuid(uid, uid, uid)
            _own_user_namespace(uid, gid)
            os._exit(0)
        except BaseException as e:  # the child reports every failure and never returns
            os.write(write, str(e).encode(errors="replace")[:500])
        os._exit(1)
    os.close(write)
    with os.fdopen(read, "rb") as f:
        why = f.read().decode(errors="replace")
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) == 0:
        return None
    return why or f"the trial process ended with status {os.waitstatus_to_exitcode(status)}"


def _new_session_keyring() -> None:
    number = _KEYCTL_NR.get(os.uname().machine)
    if number is None:
        return  # the filter denies every keyring call anyway
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.syscall(number, KEYCTL_JOIN_SESSION_KEYRING, None) < 0:
        raise OSError(ctypes.get_errno(), "keyctl(KEYCTL_JOIN_SESSION_KEYRING) failed")


def _install_filter(program: bytes) -> None:
    if not program or len(program) % 8:
        raise OSError(f"the seccomp program is {len(program)} bytes long, not a BPF program")
    buffer = ctypes.create_string_buffer(program, len(program))
    prog = _SockFprog(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP) failed")


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry))
    return found


def _kill_descendants() -> None:
    """Kill every process below this one; orphans re-parent here (subreaper) and are found next."""
    me = os.getpid()
    for _ in range(200):
        kids = _children(me)
        if not kids:
            return
        for pid in kids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            try:
                if os.waitpid(-1, os.WNOHANG) == (0, 0):
                    time.sleep(0.01)
            except ChildProcessError:
                break


def _supervise(command: list[str]) -> int:
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() == 1:  # aisci died before the parent-death signal was armed
        return 128 + signal.SIGTERM
    stop = []

    def on_signal(signum, _frame):
        stop.append(signum)
        _kill_descendants()

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, on_signal)
    pid = os.fork()
    if pid == 0:
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, signal.SIG_DFL)
        try:
            os.execvp(command[0], command)
        except OSError as e:
            os.write(2, f"could not start {command[0]}: {e}\n".encode())
            os._exit(127)
    status = 0
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            break
        except ChildProcessError:
            break
        except InterruptedError:
            continue
    _kill_descendants()
    if stop:
        return 128 + stop[0]
    return os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)


def main(argv: list[str]) -> int:
    spec = json.loads(argv[1])
    command = argv[argv.index("--") + 1 :]
    for name, value in spec.get("limits", {}).items():
        resource.setrlimit(getattr(resource, name), (int(value), int(value)))
    if spec.get("uid") is not None:
        os.setgroups([])
        os.setresgid(spec["gid"], spec["gid"], spec["gid"])
        os.setresuid(spec["uid"], spec["uid"], spec["uid"])
        if spec.get("userns"):
            _own_user_namespace(spec["uid"], spec["gid"])
    if spec.get("seccomp"):
        _new_session_keyring()
    _prctl(PR_SET_NO_NEW_PRIVS, 1)  # also what lets an unprivileged process install a filter
    if spec.get("seccomp"):
        _install_filter(base64.b64decode(spec["seccomp"]))
    if spec.get("supervise"):
        return _supervise(command)
    try:
        os.execvp(command[0], command)
    except OSError as e:
        os.write(2, f"could not start {command[0]}: {e}\n".encode())
        return 127


if __name__ == "__main__":
    sys.exit(main(sys.argv))
