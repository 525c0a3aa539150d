"""The system calls a sandboxed process may not make: a seccomp filter in the style of Flatpak's.

Everything not named here is allowed (the default action is ALLOW); each rule answers with an
error instead of killing, so code that probes a feature falls back as it would on a kernel
without it. Denied: the kernel keyring (keyctl, add_key, request_key), new user namespaces
(unshare or clone with CLONE_NEWUSER; clone3, whose flags a filter cannot read, answers ENOSYS
so that glibc falls back to clone), tracing and reading other processes, bpf, perf events,
userfaultfd, every mount call, kernel modules, kexec, reboot, swap, setns, accounting, quotas,
io_uring, raw I/O ports, personality flags that turn off address randomisation, and the two
terminal ioctls that push input into another program (TIOCSTI, TIOCLINUX).

Built with libseccomp (through ``pyseccomp``) for the native architecture only: a call made
through another ABI (32-bit ``int 0x80`` on x86_64, x32) does not match the filter's
architecture, and libseccomp's default for that is to kill the process.

``program()`` compiles once per process; ``program_fd()`` hands out a fresh file descriptor
holding it (for ``bwrap --seccomp FD`` or the run's launcher), which the caller closes.
"""

from __future__ import annotations

import errno
import functools
import os
import tempfile

# clone(2) and unshare(2) flags, <linux/sched.h>
CLONE_NEWUSER = 0x10000000
# personality(2) flags that a setuid exec clears: they weaken the address space layout
_UNSAFE_PERSONALITY = {
    "ADDR_NO_RANDOMIZE": 0x0040000,
    "MMAP_PAGE_ZERO": 0x0100000,
    "ADDR_COMPAT_LAYOUT": 0x0200000,
    "READ_IMPLIES_EXEC": 0x0400000,
}
# personality(0xffffffff) only asks for the current value; no real persona has bit 31 set,
# so requiring it clear lets queries through without a second comparison on the same argument.
_QUERY_BIT = 0x80000000
# <asm-generic/ioctls.h>: push characters into a terminal's input, or the console's ioctls
_TIOCSTI = 0x5412
_TIOCLINUX = 0x541C

# Denied whatever their arguments: (errno, calls). ENOSYS where Flatpak answers ENOSYS, so that
# libraries take their fallback path; EPERM otherwise.
_DENIED: tuple[tuple[int, tuple[str, ...]], ...] = (
    (errno.EPERM, ("keyctl", "add_key", "request_key")),
    (errno.EPERM, ("ptrace", "process_vm_readv", "process_vm_writev")),
    (errno.EPERM, ("bpf", "perf_event_open", "userfaultfd")),
    (errno.EPERM, ("mount", "umount2", "pivot_root", "chroot")),
    (
        errno.ENOSYS,
        ("open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr"),
    ),
    (errno.EPERM, ("init_module", "finit_module", "delete_module")),
    (errno.EPERM, ("kexec_load", "kexec_file_load", "reboot", "swapon", "swapoff")),
    (errno.EPERM, ("setns", "acct", "lookup_dcookie", "quotactl", "quotactl_fd")),
    (errno.EPERM, ("syslog", "uselib", "open_by_handle_at", "iopl", "ioperm", "modify_ldt")),
    (errno.ENOSYS, ("io_uring_setup", "io_uring_enter", "io_uring_register")),
    (errno.ENOSYS, ("clone3",)),
)

DENIED_NAMES = tuple(
    [name for _, names in _DENIED for name in names]
    + ["unshare(CLONE_NEWUSER)", "clone(CLONE_NEWUSER)", "personality(unsafe flags)"]
    + ["ioctl(TIOCSTI)", "ioctl(TIOCLINUX)"]
)


class FilterUnavailable(RuntimeError):
    """libseccomp (or its Python binding) cannot build the filter on this machine."""


@functools.lru_cache(maxsize=1)
def program() -> bytes:
    """The compiled BPF program for this machine's architecture (compiled once per process)."""
    try:
        # deferred: pyseccomp loads libseccomp; only the sandboxed child needs it
        import pyseccomp as sc
    except (ImportError, RuntimeError, OSError) as e:  # RuntimeError: libseccomp.so.2 not found
        raise FilterUnavailable(f"the seccomp library does not load ({e})") from None
    arch = sc.system_arch()
    f = sc.SyscallFilter(sc.ALLOW)
    # Every architecture a 64-bit kernel also accepts (x86, x32) is left out on purpose: the
    # filter's bad-architecture action (kill) covers them.

    def deny(err: int, name: str, *args) -> None:
        if sc.resolve_syscall(arch, name) < 0:
            return  # the call does not exist on this architecture (iopl on aarch64)
        f.add_rule(sc.ERRNO(err), name, *args)

    for err, names in _DENIED:
        for name in names:
            deny(err, name)
    for name in ("unshare", "clone"):  # flags are the first argument of both on x86_64/aarch64
        deny(errno.EPERM, name, sc.Arg(0, sc.MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER))
    for flag in _UNSAFE_PERSONALITY.values():
        deny(errno.EPERM, "personality", sc.Arg(0, sc.MASKED_EQ, flag | _QUERY_BIT, flag))
    for request in (_TIOCSTI, _TIOCLINUX):
        deny(errno.EPERM, "ioctl", sc.Arg(1, sc.MASKED_EQ, 0xFFFFFFFF, request))
    # libseccomp writes to a file descriptor; an unnamed temporary file holds the few KB.
    with tempfile.TemporaryFile() as out:
        f.export_bpf(out)
        out.seek(0)
        data = out.read()
    if not data or len(data) % 8:
        raise FilterUnavailable(f"libseccomp exported {len(data)} bytes, not a BPF program")
    return data


def program_fd() -> int:
    """A new file descriptor, at offset 0, holding the program; the caller closes it."""
    data = program()
    fd = os.memfd_create("aisci-seccomp", os.MFD_CLOEXEC)
    try:
        os.write(fd, data)
        os.lseek(fd, 0, os.SEEK_SET)
    except OSError:
        os.close(fd)
        raise
    return fd


def problem() -> str | None:
    """None when the filter can be built here, else why not."""
    try:
        program()
    except (FilterUnavailable, OSError) as e:
        return str(e)
    return None
