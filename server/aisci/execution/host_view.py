"""What of the host a sandbox must not show, and which host devices a run may be given.

``/sys`` is bound read-only into the sandbox because CUDA and NVML read it, but the host's
sysfs is mounted in the host's network namespace: ``/sys/class/net`` and each interface's
folder under ``/sys/devices`` name the host's interfaces, which a run with its own empty
network namespace should not learn. Those folders are covered with empty tmpfs. ``/proc`` is
the sandbox's own (PID namespace), but a few of its files describe the whole kernel: the key
list (``/proc/keys`` shows the descriptions of keys a uid may view, whichever namespace added
them) and kernel timers and addresses; each is covered with ``/dev/null`` as Docker does,
bound without device access (bwrap's ``nodev``), so opening it fails with EACCES.

``AISCI_SANDBOX_DEVICES`` names extra device nodes; each must be an absolute path under
``/dev`` naming a character device, or ``named_devices`` raises a ``ConfigError`` before any
run starts (a bad entry would otherwise fail every run with an unrelated error).
"""

from __future__ import annotations

import os
import stat

from aisci.errors import ConfigError

DEVICES_VARIABLE = "AISCI_SANDBOX_DEVICES"
_SYS_NET = "/sys/class/net"
_PROC_FILES = (
    "/proc/keys",
    "/proc/key-users",
    "/proc/kcore",
    "/proc/timer_list",
    "/proc/sched_debug",
    "/proc/latency_stats",
)


def host_network_folders() -> list[str]:
    """The folders of /sys that list the host's network interfaces."""
    folders = [_SYS_NET]
    try:
        names = sorted(os.listdir(_SYS_NET))
    except OSError:
        return []
    for name in names:
        # /sys/class/net/<name> is a link into /sys/devices/.../net/<name>: hide that "net".
        parent = os.path.dirname(os.path.realpath(os.path.join(_SYS_NET, name)))
        if parent.startswith("/sys/devices/") and parent not in folders:
            folders.append(parent)
    return folders


def hiding_args() -> list[str]:
    """bwrap arguments, placed after /sys and /proc are in the view, that cover the above."""
    args: list[str] = []
    for folder in host_network_folders():
        args += ["--perms", "0555", "--size", "4096", "--tmpfs", folder]
    for path in _PROC_FILES:
        if os.path.exists(path):  # the sandbox's /proc is of the same kernel: the same files
            args += ["--ro-bind", "/dev/null", path]
    return args


def named_devices(value: str) -> tuple[str, ...]:
    """The entries of ``AISCI_SANDBOX_DEVICES`` (``:`` or ``,`` separated), each checked."""
    found = []
    for entry in (p.strip() for p in value.replace(",", ":").split(":")):
        if not entry:
            continue
        why = _device_problem(entry)
        if why:
            raise ConfigError(
                f"{DEVICES_VARIABLE} names {entry!r}: {why}.",
                f"Set {DEVICES_VARIABLE} to absolute paths of character devices under /dev, "
                "separated by ':' (for example /dev/nvidia0:/dev/nvidiactl), or unset it to give "
                "runs the GPU nodes found on this machine.",
            )
        found.append(entry)
    return tuple(dict.fromkeys(found))


def _device_problem(entry: str) -> str | None:
    if not os.path.isabs(entry):
        return "not an absolute path"
    if not entry.startswith("/dev/") or os.path.normpath(entry) != entry:
        return "not a path under /dev"
    try:
        mode = os.stat(entry).st_mode
    except OSError as e:
        return f"it cannot be found ({e.strerror})"
    if not stat.S_ISCHR(mode):
        return "it is not a character device"
    return None
