"""The boundary around a run: what experiment and plot code can see, write and use.

``bwrap`` (bubblewrap), the default: a new mount, PID, network, IPC, UTS and cgroup namespace.
The view of the host is the least a run needs: the system (``/usr``, ``/etc``, ...), the
Python environment and the data folder, all read-only; a minimal ``/dev`` with only the GPU
nodes that exist (``/dev/nvidia*``, ``/dev/dri/*``; ``AISCI_SANDBOX_DEVICES`` names others);
private ``/tmp``, ``/var/tmp`` and ``/dev/shm``; no ``/run``, no home folders, no host sockets.
The run's folder is visible read-only, and only the paths it must write are writable. The run
has no network and no capabilities, and runs as uid 65534 in a user namespace of its own (its
own keyrings and uid view): as root, bwrap sets up the view and the launcher drops to
``nobody`` and then enters a new user namespace that maps 65534 to itself, never to root;
otherwise bwrap's user namespace maps 65534 to the user running aisci. A seccomp filter
(``syscall_filter.py``) denies the keyring, nested user namespaces, ptrace, bpf, mounts and
the other calls listed there; what of the host the view still must not show (its network
interfaces in /sys, the kernel's key list) is covered (``host_view.py``).
Killing the sandbox kills everything in it (PID namespace), and it dies with aisci.

``none``: a plain subprocess, only when asked for by name. Limits and the rule that nothing
outlives a run still hold (a subreaper kills what is left); isolation does not.

``auto`` is ``bwrap``, and stops before any work with what is missing when bubblewrap cannot
start here (it never falls back to ``none`` by itself).
"""

from __future__ import annotations

import base64
import functools
import glob
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

from aisci.errors import ConfigError
from aisci.execution import host_view, syscall_filter
from aisci.execution.boundary import Limits
from aisci.execution.launch import namespace_problem

MODES = ("auto", "bwrap", "none")
SANDBOX_UID = 65534
SANDBOX_GID = 65534
LAUNCHER = Path(__file__).with_name("launch.py")
_LAUNCHER_IN_SANDBOX = "/.aisci/launch.py"
_SYSTEM_DIRS = (
    "/usr",
    "/etc",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/bin",
    "/sbin",
    "/opt",
    "/sys",
)
_GPU_PATTERNS = (
    "/dev/nvidia*",
    "/dev/nvidia-uvm*",
    "/dev/nvidiactl",
    "/dev/nvidia-caps/*",
    "/dev/dri/*",
    "/dev/kfd",
)


@functools.lru_cache(maxsize=1)
def bwrap_problem() -> str | None:
    """None when bubblewrap can build this module's sandbox here, else why it cannot."""
    exe = shutil.which("bwrap")
    if exe is None:
        return "bubblewrap (bwrap) is not installed"
    argv = [
        exe,
        *_namespace_args(),
        "--ro-bind",
        "/usr",
        "/usr",
        *_system_args(),
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "true",
    ]
    try:
        probe = subprocess.run(argv, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"bwrap could not start: {e}"
    if probe.returncode != 0:
        return f"bwrap cannot create namespaces here: {probe.stderr.strip() or 'exit ' + str(probe.returncode)}"
    if _is_root() and (why := namespace_problem(SANDBOX_UID, SANDBOX_GID)) is not None:
        return f"a run dropped to nobody cannot make its own user namespace ({why})"
    return None


def resolve(mode: str) -> str:
    """The sandbox that will really be used for ``mode``: "bwrap" or "none" (only by name)."""
    if mode not in MODES:
        raise ConfigError(f"Unknown sandbox {mode!r}.", f"Use one of: {', '.join(MODES)}.")
    if mode == "none":
        return "none"
    problem = bwrap_problem()
    if problem is None:
        if (why := syscall_filter.problem()) is not None:
            raise ConfigError(
                f"Cannot filter the system calls of experiment code: {why}.",
                "Install libseccomp (as root: apt-get install libseccomp2) and the venv's packages "
                "(make setup), then run aisci doctor. To run without any isolation, at your own "
                "risk, pass --sandbox none.",
            )
        gpu_devices()  # a bad AISCI_SANDBOX_DEVICES stops here, before any run
        return "bwrap"
    raise ConfigError(
        f"Cannot isolate experiment code: {problem}. aisci runs model-written code only inside the sandbox.",
        "Install bubblewrap (as root: apt-get install bubblewrap) and make sure user namespaces are enabled "
        "(sysctl kernel.unprivileged_userns_clone=1), then run aisci doctor. To run without any isolation, "
        "at your own risk, pass --sandbox none.",
    )


def _is_root() -> bool:
    return os.geteuid() == 0


def _namespace_args() -> list[str]:
    # As root, bwrap's own user namespace would map the run to host uid 0 (which passes every
    # file permission check as root): the launcher instead drops to nobody and then makes a
    # user namespace that maps nobody to itself.
    ns = [
        "--unshare-ipc",
        "--unshare-pid",
        "--unshare-net",
        "--unshare-uts",
        "--unshare-cgroup-try",
    ]
    if not _is_root():
        ns += ["--unshare-user", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_GID)]
    return [*ns, "--die-with-parent", "--new-session", "--hostname", "aisci-run"]


def _system_args() -> list[str]:
    args: list[str] = []
    for path in _SYSTEM_DIRS:
        if path == "/usr" or not os.path.lexists(path):
            continue
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        else:
            args += ["--ro-bind", path, path]
    return args


def gpu_devices() -> tuple[str, ...]:
    """The device nodes a run gets beyond the minimal /dev: GPUs that exist, or those named."""
    named = os.environ.get(host_view.DEVICES_VARIABLE)
    if named is not None:
        return host_view.named_devices(named)
    paths = sorted({p for pattern in _GPU_PATTERNS for p in glob.glob(pattern)})
    found = []
    for p in paths:
        try:
            if stat.S_ISCHR(os.stat(p).st_mode):
                found.append(p)
        except OSError:
            continue
    return tuple(found)


def python_paths(python: str) -> list[Path]:
    """Folders the interpreter needs: its environment and the installation it is based on."""
    candidates = [Path(sys.prefix), Path(sys.base_prefix), Path(sys.exec_prefix)]
    for exe in (Path(python), Path(os.path.realpath(python))):
        candidates.append(exe.parent.parent)
    return [p.resolve() for p in dict.fromkeys(candidates) if p.exists()]


def existing_processes(uid: int) -> int:
    """How many processes ``uid`` has now (the process limit counts them too)."""
    count = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    count += 1
            except OSError:
                continue
    return count


def run_user() -> tuple[int | None, str]:
    """(uid to drop to, description) for a bwrap run."""
    if _is_root():
        return (
            SANDBOX_UID,
            f"uid {SANDBOX_UID} (nobody) in a user namespace of its own (aisci ran as root)",
        )
    return None, f"uid {SANDBOX_UID} in a user namespace of its own (uid {os.getuid()} outside)"


def seccomp_args() -> tuple[list[str], int]:
    """``--seccomp FD`` for a bwrap command line, and FD: pass it to ``Popen(pass_fds=(FD,))``
    and close it once the process has started. bwrap installs the filter just before it runs
    the command, so the command and all it starts are filtered."""
    fd = syscall_filter.program_fd()
    return ["--seccomp", str(fd)], fd


def launcher_command(command: list[str], python: str, *, limits: Limits, sandbox: str) -> list[str]:
    """``command`` behind the launcher, which sets the limits and the uid, or supervises (none).

    In bwrap the launcher, not bwrap, installs the syscall filter: as root it makes the run's
    user namespace first, which the filter denies."""

    if sandbox == "bwrap":
        uid, _ = run_user()
        owner = uid if uid is not None else os.getuid()
        spec = {
            "limits": limits.rlimits(existing_processes(owner)),
            "uid": uid,
            "gid": SANDBOX_GID if uid is not None else None,
            "userns": uid is not None,
            "seccomp": base64.b64encode(syscall_filter.program()).decode("ascii"),
        }
        return [python, "-I", "-S", _LAUNCHER_IN_SANDBOX, json.dumps(spec), "--", *command]
    spec = {"limits": limits.rlimits(existing_processes(os.getuid())), "supervise": True}
    return [python, "-I", "-S", str(LAUNCHER), json.dumps(spec), "--", *command]


def _tmpfs(path: str, size_mb: int | None) -> list[str]:
    """A private tmpfs at ``path``; with ``size_mb``, it cannot hold more than that (its pages
    are the run's memory: without a cgroup nothing else would stop /dev/shm filling the host)."""
    size = ["--size", str(size_mb << 20)] if size_mb else []
    return ["--perms", "1777", *size, "--tmpfs", path]


def _dirs_for(path: Path, made: set[str]) -> list[str]:
    """``--dir`` for each ancestor of ``path`` not yet in the view, so nobody can walk to it."""
    args: list[str] = []
    for parent in reversed(path.parents):
        p = str(parent)
        if p == "/" or p in made:
            continue
        made.add(p)
        args += ["--perms", "0755", "--dir", p]
    return args


def base_view(tmpfs_mb: int | None = None) -> tuple[list[str], set[str]]:
    """The start of every bwrap command line of this family (runs, plot.py, TeX): the namespaces,
    the system read-only, /proc, a minimal /dev, private /tmp, /var/tmp and /dev/shm (each at
    most ``tmpfs_mb``), what of the host stays hidden, and the launcher; and the paths made so
    far (for ``_dirs_for``)."""
    made = {"/tmp", "/var", "/var/tmp", "/dev", "/proc", "/.aisci", *_SYSTEM_DIRS}
    args = [
        "bwrap",
        *_namespace_args(),
        *_system_args(),
        "--ro-bind",
        "/usr",
        "/usr",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        *_tmpfs("/tmp", tmpfs_mb),
        "--perms",
        "0755",
        "--dir",
        "/var",
        *_tmpfs("/var/tmp", tmpfs_mb),
        *_tmpfs("/dev/shm", tmpfs_mb),
        *host_view.hiding_args(),
        "--perms",
        "0755",
        "--dir",
        "/.aisci",
        "--ro-bind",
        str(LAUNCHER),
        _LAUNCHER_IN_SANDBOX,
    ]
    return args, made


def wrap(
    command: list[str],
    workdir: Path,
    *,
    python: str,
    writable: tuple[Path, ...],
    readable: tuple[Path, ...] = (),
    devices: tuple[str, ...] = (),
    mount_over: Path | None = None,
    hide_in_workdir: tuple[str, ...] = (),
    tmpfs_mb: int | None = None,
) -> list[str]:
    """The bwrap command line that runs ``command`` in ``workdir``.

    ``workdir`` is visible read-only at its own path, or, with ``mount_over``, that fresh
    folder is mounted writable at the path of ``workdir`` with every entry of ``workdir`` except
    ``hide_in_workdir`` bound read-only inside it (plot.py writes its figures there).
    ``writable``: the only host paths the run may write. ``readable``: extra read-only paths.
    """
    workdir = Path(workdir).resolve()
    args, made = base_view(tmpfs_mb)
    for dev in devices:
        args += ["--dev-bind-try", dev, dev]
    for path in dict.fromkeys([*python_paths(python), *(Path(p).resolve() for p in readable)]):
        if not path.exists() or any(
            str(path) == d or str(path).startswith(d + "/") for d in _SYSTEM_DIRS
        ):
            continue
        if path == workdir or workdir in path.parents:
            continue
        args += [*_dirs_for(path, made), "--ro-bind", str(path), str(path)]
        made.add(str(path))
    args += _interpreter_at_its_path(python, made)
    args += _dirs_for(workdir, made)
    if mount_over is None:
        args += ["--ro-bind", str(workdir), str(workdir)]
    else:
        args += ["--bind", str(mount_over), str(workdir)]
        for name in sorted(os.listdir(workdir)):
            if name in hide_in_workdir:
                continue
            args += ["--ro-bind", str(workdir / name), str(workdir / name)]
    for path in writable:
        args += ["--bind", str(path), str(path)]
    args += ["--chdir", str(workdir)]
    return args + command


def _interpreter_at_its_path(python: str, made: set[str]) -> list[str]:
    """The environment of ``python`` at the unresolved path it is run by, when a link on the
    way there (``.venv -> /elsewhere/.venv``) is not in the view; the environment is bound at
    its real path already, and at this one it keeps ``sys.prefix`` what it is outside."""
    env = Path(os.path.abspath(python)).parent.parent
    real = os.path.realpath(env)
    if (
        str(env) == real
        or str(env) in made
        or any(str(env) == d or str(env).startswith(d + "/") for d in _SYSTEM_DIRS)
    ):
        return []
    made.add(str(env))
    return [*_dirs_for(env, made), "--ro-bind", real, str(env)]


def writable_by_run(path: Path) -> None:
    """Give the sandbox's uid the folder it writes (as root; otherwise it is already ours)."""
    if _is_root():
        os.chown(path, SANDBOX_UID, SANDBOX_GID)
