"""The first program of every run: limits, an unprivileged uid, then the run itself.

Started as ``python -I -S launch.py JSON -- COMMAND...`` (the standard library only: inside the
sandbox nothing of aisci is visible but this file). JSON holds:

- ``limits``: resource limits to set (``RLIMIT_*`` name -> value);
- ``uid``/``gid``: when given (aisci runs as root), drop to them with no supplementary groups;
  leaving root clears every capability, and no-new-privileges keeps it so;
- ``supervise``: stay as a child subreaper instead of exec'ing: when the command exits, when
  it is told to stop (TERM, INT, HUP) or when aisci dies (parent-death signal), every process
  the command left behind, ``setsid`` children included, is killed. Used where there is no PID
  namespace to do this (``--sandbox none``).

Exit status: the command's, or 128 + the signal that ended it.
"""

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


def _prctl(option: int, value: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(option, value, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), f"prctl({option}) failed")


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
    _prctl(PR_SET_NO_NEW_PRIVS, 1)
    if spec.get("supervise"):
        return _supervise(command)
    try:
        os.execvp(command[0], command)
    except OSError as e:
        os.write(2, f"could not start {command[0]}: {e}\n".encode())
        return 127


if __name__ == "__main__":
    sys.exit(main(sys.argv))
