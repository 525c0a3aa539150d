"""The sandbox generated code runs in.

``bwrap`` (bubblewrap): the whole file system read-only, the working folder writable, a
private /tmp, no network (an own network namespace with only loopback), an own PID namespace
so that killing the sandbox kills everything in it, and death with its parent.
``none``: a plain subprocess, for systems without user namespaces.
``auto`` picks bwrap when a probe shows it works here.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

from aisci.errors import ConfigError

log = logging.getLogger(__name__)
MODES = ("auto", "bwrap", "none")


@functools.lru_cache(maxsize=1)
def bwrap_problem() -> str | None:
    """None when bubblewrap works here, else why it does not."""
    exe = shutil.which("bwrap")
    if exe is None:
        return "bubblewrap (bwrap) is not installed"
    try:
        probe = subprocess.run(
            [exe, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-net",
             "--unshare-pid", "--die-with-parent", "true"],
            capture_output=True, text=True, timeout=20,
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"bwrap could not start: {e}"
    if probe.returncode != 0:
        return f"bwrap cannot create namespaces here: {probe.stderr.strip() or 'exit ' + str(probe.returncode)}"
    return None


def resolve(mode: str) -> str:
    """The sandbox that will really be used for ``mode``: "bwrap" or "none"."""
    if mode not in MODES:
        raise ConfigError(f"Unknown sandbox {mode!r}.", f"Use one of: {', '.join(MODES)}.")
    if mode == "none":
        return "none"
    problem = bwrap_problem()
    if problem is None:
        return "bwrap"
    if mode == "bwrap":
        raise ConfigError(f"The bwrap sandbox was asked for, but {problem}.",
                          "Install bubblewrap (apt-get install bubblewrap) and make sure unprivileged user "
                          "namespaces are enabled, or run with --sandbox none (no isolation).")
    log.warning("sandbox: %s; running experiments WITHOUT isolation", problem)
    return "none"


def _has_gpu_devices() -> bool:
    return any(name.startswith("nvidia") for name in os.listdir("/dev")) if os.path.isdir("/dev") else False


def wrap(command: list[str], workdir: Path, sandbox: str, *, readable: tuple[Path, ...] = ()) -> list[str]:
    """The command line that runs ``command`` in ``workdir`` under ``sandbox``.

    ``readable``: paths the command must still read although they lie under /tmp (which the
    sandbox replaces by a private, empty one): data folders, the interpreter's environment.
    """
    if sandbox == "none":
        return command
    workdir = Path(workdir).resolve()
    args = ["bwrap", "--ro-bind", "/", "/"]
    # GPUs are device nodes: a fresh /dev would hide them, so bind the real one when there are any.
    args += ["--dev-bind", "/dev", "/dev"] if _has_gpu_devices() else ["--dev", "/dev"]
    args += ["--proc", "/proc", "--tmpfs", "/tmp"]
    tmp = Path("/tmp")
    for path in dict.fromkeys(Path(p).resolve() for p in (*readable, Path(sys.prefix))):
        # The private /tmp hides these; bind them back read-only (after the tmpfs: order matters).
        if path.exists() and tmp in path.parents and path != workdir and workdir not in path.parents:
            args += ["--ro-bind", str(path), str(path)]
    args += ["--bind", str(workdir), str(workdir), "--unshare-net", "--unshare-pid",
             "--die-with-parent", "--chdir", str(workdir)]
    return args + command
