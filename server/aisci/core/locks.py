"""One writer per folder, across processes: the CLI and the language server lock alike.

Contract:
- ``lock_template_folder(folder, command)`` locks ``results/<template>`` whole (a launch);
  ``lock_in_template_folder(path, command)`` locks one path directly inside it (a baseline
  folder, an idea folder, ``ideas.json``) and holds the template folder *shared*, so two
  commands on two idea folders run side by side while a launch excludes them all.
- A lock is ``fcntl.flock`` on a lock file beside the path (``.<name>.lock`` in its parent
  folder, never inside a folder that experiment code may write), opened without following
  links. The kernel drops it when its process dies (kill -9 included), so the next command
  simply takes a dead process's lock over.
- An exclusive holder writes ``{pid, since, host, command}`` into its lock file and empties it
  on release; the body only names the holder in the message of a refused lock.
- A refused lock raises ``FolderInUse`` at once ("<path> is in use by PID N (<command>) since
  T ..."); nothing waits. Locks conflict between processes and within one process (each lock
  opens its own file description).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path

from aisci.errors import AisciError

log = logging.getLogger(__name__)


def lock_file(path: Path) -> Path:
    path = Path(path)
    return path.parent / f".{path.name}.lock"


@dataclass(frozen=True)
class Holder:
    pid: int | None
    since: str
    host: str
    command: str

    @classmethod
    def read(cls, lockfile: Path) -> Holder | None:
        try:
            fd = os.open(lockfile, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError:
            return None
        try:
            data = json.loads(os.read(fd, 65536).decode("utf-8") or "null")
        except (OSError, ValueError):
            return None
        finally:
            os.close(fd)
        if not isinstance(data, dict):
            return None
        pid = data.get("pid")
        return cls(
            pid if isinstance(pid, int) else None,
            str(data.get("since", "?")),
            str(data.get("host", "?")),
            str(data.get("command", "?")),
        )

    def alive(self) -> bool:
        if self.pid is None or self.host != socket.gethostname():
            return self.pid is not None  # another host: trust its record
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


class FolderInUse(AisciError):
    """Another command (in this or another process) holds the folder."""

    def __init__(self, path: Path, holder: Holder | None):
        self.path = Path(path)
        self.holder = holder
        where = _display(path)
        if holder is not None and holder.pid is not None:
            host = "" if holder.host == socket.gethostname() else f" on {holder.host}"
            who = f"is in use by PID {holder.pid} ({holder.command}) since {holder.since}{host}"
            stop = f"or stop it (kill {holder.pid}); "
        else:
            who, stop = "is in use by another aisci command", "or stop it; "
        super().__init__(
            f"{where} {who}: a second command there would interleave with it.",
            f"Wait for it to finish, {stop}the lock of a process that has ended is taken over "
            "by the next command.",
        )


def _display(path: Path) -> str:
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _open(lockfile: Path) -> int:
    try:
        lockfile.parent.mkdir(parents=True, exist_ok=True)
        return os.open(lockfile, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except OSError as e:
        why = "it is a link" if e.errno == errno.ELOOP else (e.strerror or str(e))
        raise AisciError(
            f"Cannot lock {_display(lockfile.parent)}: {lockfile} cannot be opened: {why}.",
            "Make the results folder writable (or choose another with --results), and remove "
            "a link in place of the lock file.",
        ) from None


def _try_flock(fd: int, shared: bool) -> bool:
    try:
        fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


class FolderLock:
    """Held locks on one path (and its template folder); ``release`` (or ``with``) frees them."""

    def __init__(self, path: Path, fds: list[int]):
        self.path = Path(path)
        self._fds = fds

    def release(self) -> None:
        fds, self._fds = self._fds, []
        for i, fd in enumerate(fds):
            if i == len(fds) - 1:  # the exclusive one: its record goes with it
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, 0)
            os.close(fd)  # closing the last descriptor of the file drops the flock

    @property
    def held(self) -> bool:
        return bool(self._fds)

    def __enter__(self) -> FolderLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _exclusive(path: Path, command: str) -> int:
    lockfile = lock_file(path)
    fd = _open(lockfile)
    if not _try_flock(fd, shared=False):
        os.close(fd)
        raise FolderInUse(path, _live(Holder.read(lockfile)) or _inner_holder(path))
    previous = Holder.read(lockfile)
    if previous is not None and previous.pid not in (None, os.getpid()):
        log.info(
            "took over the lock of %s from PID %s (%s), which has ended",
            path,
            previous.pid,
            previous.command,
        )
    body = json.dumps(
        {
            "pid": os.getpid(),
            "since": time.strftime("%Y-%m-%d %H:%M:%S"),
            "host": socket.gethostname(),
            "command": command,
        }
    )
    os.ftruncate(fd, 0)
    os.pwrite(fd, body.encode("utf-8"), 0)
    return fd


def _live(holder: Holder | None) -> Holder | None:
    return holder if holder is not None and holder.alive() else None


def _inner_holder(folder: Path) -> Holder | None:
    """Who holds something inside ``folder`` (the holders of its shared lock are unnamed there)."""
    try:
        candidates = sorted(Path(folder).glob(".*.lock"))
    except OSError:
        return None
    for candidate in candidates:
        try:
            fd = os.open(candidate, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            if not _try_flock(fd, shared=True):
                holder = _live(Holder.read(candidate))
                if holder is not None:
                    return holder
        finally:
            os.close(fd)
    return None


def lock_template_folder(folder: Path, command: str) -> FolderLock:
    """Lock ``results/<template>`` and everything inside it."""
    return FolderLock(folder, [_exclusive(Path(folder), command)])


def lock_in_template_folder(path: Path, command: str) -> FolderLock:
    """Lock one path directly inside ``results/<template>``, holding that folder shared."""
    path = Path(path)
    parent_file = lock_file(path.parent)
    parent_fd = _open(parent_file)
    if not _try_flock(parent_fd, shared=True):
        os.close(parent_fd)
        raise FolderInUse(path.parent, _live(Holder.read(parent_file)))
    try:
        fd = _exclusive(path, command)
    except BaseException:
        os.close(parent_fd)
        raise
    return FolderLock(path, [parent_fd, fd])


def lock_idea_folder(folder: Path, command: str) -> FolderLock:
    """Lock a folder a person named (``aisci writeup FOLDER``): inside ``results/<template>``
    (whose lock file a launch has made) as ``lock_in_template_folder``; a folder copied
    elsewhere only by itself."""
    folder = Path(folder)
    if lock_file(folder.parent).exists():
        return lock_in_template_folder(folder, command)
    return FolderLock(folder, [_exclusive(folder, command)])
