"""A memory and process bound per run, not per process: one control group (cgroup) per run.

Contract:
- ``detect(root, proc_cgroup)`` says, without changing anything, whether this process can make
  groups for its runs and how: ``"v2"`` (the unified hierarchy, where the memory controller is
  delegated to the folder this process lives in), ``"v1"`` (the memory controller mounted on
  its own, as on hybrid hosts; the pids controller too where it is mounted and writable) or
  ``None``, each with a sentence saying what was found. Groups are made below this process's
  own group, never at the root of a hierarchy.
- ``for_run(memory_mb, processes)`` gives a ``Confinement``: a fresh group with a unique name,
  ``memory.max`` / ``memory.limit_in_bytes`` (with swap closed where the kernel accounts it)
  and ``pids.max``; or no group, with the reason. It never raises: a run without a group is
  bounded per process (RLIMIT_DATA in the launcher), and the record says so.
- The run's first process is held at a gate (a host-side ``sh`` that waits on its stdin)
  until aisci, as the user it runs as, has written its pid into the group; only then does it
  exec the sandbox, so no run code runs outside the group, before or after any uid change.
- ``finish()`` reads the peak memory and the kernel's OOM kills, kills what is left in the
  group and removes it: always, also after an error, a cancel or a timeout.
Everything read or written here is a kernel file under the cgroup mount, which runs cannot
write (``/sys`` is read-only in the sandbox); paths come from the kernel, names from aisci.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)
ROOT = Path("/sys/fs/cgroup")
PER_PROCESS = "per process"
_PREFIX = "aisci-run-"
_HOST_LEAF = "aisci-host"  # v2: where aisci moves itself so its folder may delegate memory
_EXTRA_PIDS = 8  # the gate (sh, exec'd into bwrap), bwrap's own processes and the launcher
_KILL_WAIT_S = 5.0
# Run code never sees the gate's stdin: it execs the run with /dev/null, as before.
_GATE = 'read -r _ || exit 125; exec "$@" </dev/null'


@dataclass(frozen=True)
class Support:
    """Whether and where this process can make a group per run."""

    kind: str | None  # "v2", "v1" or None
    why: str  # what was found, in words
    memory: Path | None = None  # the folder run groups are made in (the memory controller's)
    pids: Path | None = None  # v1: the pids controller's folder, when it can be used

    @property
    def scope(self) -> str:
        return f"per run (cgroup {self.kind})" if self.kind else PER_PROCESS


def parse_proc_cgroup(text: str) -> dict[str, str]:
    """``/proc/PID/cgroup`` as controller -> path; the unified (v2) entry is under ``""``."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        if parts[0] == "0" and controllers == "":
            found[""] = path
            continue
        for name in controllers.split(","):
            if name:
                found[name] = path
    return found


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="ascii", errors="replace")
    except OSError:
        return ""


def _below(mount: Path, path: str) -> Path:
    return mount / path.strip("/") if path.strip("/") else mount


def _holds(folder: Path, pid: int) -> bool:
    return str(pid) in _read(folder / "cgroup.procs").split()


def _v2(root: Path, path: str | None, pid: int) -> tuple[Path | None, str]:
    mount = next((m for m in (root, root / "unified") if (m / "cgroup.controllers").exists()), None)
    if mount is None or path is None:
        return None, "no cgroup v2 hierarchy is mounted"
    folder = _below(mount, path)
    if folder.name == _HOST_LEAF and _holds(folder, pid):
        folder = folder.parent  # aisci moved itself here already: groups go beside it
    if "memory" not in _read(folder / "cgroup.controllers").split():
        return None, f"cgroup v2 at {folder} offers no memory controller (not delegated)"
    if not (_holds(folder, pid) or _holds(folder / _HOST_LEAF, pid)):
        return None, f"cgroup v2: this process is not listed in {folder}/cgroup.procs"
    delegated = "memory" in _read(folder / "cgroup.subtree_control").split()
    if not os.access(folder, os.W_OK) or not (
        delegated or os.access(folder / "cgroup.subtree_control", os.W_OK)
    ):
        return None, f"cgroup v2 folder {folder} is not writable by uid {os.geteuid()}"
    return folder, f"cgroup v2 groups under {folder}"


def _v1(
    root: Path, groups: dict[str, str], name: str, pid: int, probe: str
) -> tuple[Path | None, str]:
    if name not in groups:
        return None, f"no cgroup v1 {name} controller is mounted"
    folder = _below(root / name, groups[name])
    if not (folder / probe).exists():
        return None, f"cgroup v1 {name} folder of this process not found under {root}"
    if not _holds(folder, pid):
        return None, f"cgroup v1: this process is not listed in {folder}/cgroup.procs"
    if not os.access(folder, os.W_OK):
        return None, f"cgroup v1 {name} folder {folder} is not writable by uid {os.geteuid()}"
    return folder, f"cgroup v1 groups under {folder}"


def detect(root: Path = ROOT, proc_cgroup: str | None = None, pid: int | None = None) -> Support:
    """How this process (``pid``, whose ``/proc/PID/cgroup`` is ``proc_cgroup``) can bound its
    runs in the cgroup tree mounted at ``root``; changes nothing."""
    pid = os.getpid() if pid is None else pid
    if proc_cgroup is None:
        proc_cgroup = _read(Path(f"/proc/{pid}/cgroup"))
    groups = parse_proc_cgroup(proc_cgroup)
    folder, why2 = _v2(root, groups.get(""), pid)
    if folder is not None:
        return Support("v2", why2, memory=folder)
    memory, why1 = _v1(root, groups, "memory", pid, "memory.limit_in_bytes")
    if memory is not None:
        pids, why_pids = _v1(root, groups, "pids", pid, "cgroup.procs")
        note = "" if pids else f"; no process bound per run ({why_pids})"
        return Support("v1", why1 + note, memory=memory, pids=pids)
    return Support(None, f"{why2}; {why1}")


def _write(path: Path, value: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        os.write(fd, value.encode())
    finally:
        os.close(fd)


def _delegate_v2(folder: Path) -> None:
    """Enable memory (and pids) for children of ``folder``; a folder with processes cannot,
    so aisci first moves itself into a leaf of its own (only when it is alone there)."""
    wanted = [c for c in ("memory", "pids") if c in _read(folder / "cgroup.controllers").split()]
    if all(c in _read(folder / "cgroup.subtree_control").split() for c in wanted):
        return
    others = set(_read(folder / "cgroup.procs").split()) - {str(os.getpid())}
    if others:
        raise OSError(f"other processes share {folder}, so it cannot delegate memory")
    leaf = folder / _HOST_LEAF
    with contextlib.suppress(FileExistsError):
        leaf.mkdir()
    _write(leaf / "cgroup.procs", str(os.getpid()))
    for controller in wanted:
        _write(folder / "cgroup.subtree_control", f"+{controller}")


def _number(text: str, key: str) -> int | None:
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        if name == key and value.strip().isdigit():
            return int(value)
    return None


class Confinement:
    """One run's group (or the reason there is none), from before it starts until it is gone."""

    def __init__(self, support: Support, folders: list[Path], why: str) -> None:
        self.support, self.folders, self.why = support, folders, why
        self.joined = False

    @property
    def scope(self) -> str:
        return self.support.scope if self.folders else PER_PROCESS

    def command(self, argv: list[str]) -> list[str]:
        """``argv`` behind the gate, when there is a group to join."""
        return ["/bin/sh", "-c", _GATE, "aisci-gate", *argv] if self.folders else argv

    @property
    def stdin(self) -> int:
        return subprocess.PIPE if self.folders else subprocess.DEVNULL

    def started(self, proc: subprocess.Popen) -> None:
        """Put the held process in the group, then let it go; if it cannot join, it runs
        bounded per process and the record says so."""
        if not self.folders:
            return
        try:
            for folder in self.folders:
                _write(folder / "cgroup.procs", str(proc.pid))
            self.joined = True
        except OSError as e:
            self.why = f"the run could not join {self.folders[0]}: {e}"
            log.warning("%s; it runs bounded per process", self.why)
        if proc.stdin is not None:
            with contextlib.suppress(OSError):
                proc.stdin.write(b"go\n")
                proc.stdin.close()
            proc.stdin = None  # the gate's pipe is spent; communicate() must not touch it

    def _measure(self) -> dict:
        if not self.joined:
            return {"memory_scope": PER_PROCESS}
        memory = self.folders[0]
        if self.support.kind == "v2":
            peak = _read(memory / "memory.peak").strip()
            kills = _number(_read(memory / "memory.events"), "oom_kill")
        else:
            peak = _read(memory / "memory.max_usage_in_bytes").strip()
            kills = _number(_read(memory / "memory.oom_control"), "oom_kill")
        found: dict = {"memory_scope": self.support.scope}
        if peak.isdigit():
            found["peak_memory_mb"] = round(int(peak) / (1 << 20), 1)
        if kills is not None:
            found["oom_kills"] = kills
        return found

    def finish(self) -> dict:
        """What the group measured (``memory_scope``, ``peak_memory_mb``, ``oom_kills``); then
        every process left in it is killed and the group removed. Never raises."""
        try:
            found = self._measure()
        except OSError as e:
            found = {"memory_scope": self.scope if self.joined else PER_PROCESS}
            log.warning("could not read the run's cgroup: %s", e)
        for folder in reversed(self.folders):
            _remove(folder)
        self.folders = []
        return found


def _remove(folder: Path) -> None:
    """Kill what is left in ``folder`` (cgroup.kill where the kernel has it), then rmdir it."""
    deadline = time.monotonic() + _KILL_WAIT_S
    while time.monotonic() < deadline:
        pids = _read(folder / "cgroup.procs").split()
        if not pids:
            with contextlib.suppress(FileNotFoundError):
                try:
                    folder.rmdir()
                    return
                except OSError:  # EBUSY while the last exits are accounted
                    pass
        elif (folder / "cgroup.kill").exists():
            with contextlib.suppress(OSError):
                _write(folder / "cgroup.kill", "1")
        else:
            for pid in pids:
                with contextlib.suppress(OSError, ValueError):
                    os.kill(int(pid), signal.SIGKILL)
        if not folder.exists():
            return
        time.sleep(0.02)  # bounded: the kernel needs a moment to account exits
    log.warning("the run's cgroup %s could not be removed; it is left behind", folder)


def _sweep(parent: Path) -> None:
    """Remove the groups of an aisci that died without removing them (its pid is gone)."""
    with contextlib.suppress(OSError):
        for folder in parent.glob(f"{_PREFIX}*"):
            owner = folder.name[len(_PREFIX) :].split("-")[0]
            if owner.isdigit() and not os.path.exists(f"/proc/{owner}"):
                _remove(folder)


def _make(parent: Path, name: str, settings: list[tuple[str, str, bool]]) -> Path:
    folder = parent / name
    folder.mkdir()
    try:
        for file, value, required in settings:
            if required or (folder / file).exists():
                _write(folder / file, value)
    except OSError:
        _remove(folder)
        raise
    return folder


def for_run(memory_mb: int, processes: int, support: Support | None = None) -> Confinement:
    """A fresh group bounding one run to ``memory_mb`` and ``processes``, or none and why."""
    support = support or detect()
    if support.memory is None:
        return Confinement(support, [], support.why)
    limit = str(memory_mb << 20)
    pids = str(processes + _EXTRA_PIDS)
    name = f"{_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:12]}"
    made: list[Path] = []
    for parent in (support.memory, support.pids):
        if parent is not None:
            _sweep(parent)
    try:
        if support.kind == "v2":
            _delegate_v2(support.memory)
            made.append(
                _make(
                    support.memory,
                    name,
                    [
                        ("memory.max", limit, True),
                        ("memory.swap.max", "0", False),
                        ("pids.max", pids, False),
                    ],
                )
            )
        else:
            made.append(
                _make(
                    support.memory,
                    name,
                    # memsw bounds memory plus swap; it must not be set below the memory limit.
                    [
                        ("memory.limit_in_bytes", limit, True),
                        ("memory.memsw.limit_in_bytes", limit, False),
                    ],
                )
            )
            if support.pids is not None:
                made.append(_make(support.pids, name, [("pids.max", pids, True)]))
    except OSError as e:
        for folder in made:
            _remove(folder)
        why = f"could not make a cgroup under {support.memory}: {e}"
        log.warning("%s; runs are bounded per process", why)
        return Confinement(Support(None, why), [], why)
    return Confinement(support, made, support.why)
