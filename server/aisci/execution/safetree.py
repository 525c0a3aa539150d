"""Whole folder trees that a run wrote: removed and copied without recursion or following links.

Contract: a run can leave any tree behind: thousands of levels deep, a million entries, sparse
files of any apparent size, links, sockets, folders without permissions, names at the file
system's limit. Both walks here use explicit stacks, so no tree can exhaust Python's recursion
limit, and both open every entry relative to its folder's descriptor without following a link.

``remove_entry`` removes any such tree and holds at most ``_OPEN`` folder descriptors: a folder
met deeper than that is renamed up into the folder being removed and emptied from there, so the
depth it can handle has no limit. ``copy_dir`` copies regular files and folders within a
``Budget`` (levels, entries, bytes counted by apparent size) and writes a file's holes as holes,
so a sparse file never grows on disk. What it leaves out (past a limit, a link, a special file,
a name the destination refuses) comes back as ``Skipped`` records (at most ``_RECORDS`` of them,
then one that counts the rest), never as an exception, unless the caller asked for links to be
refused.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from aisci.execution.fdwalk import (
    _DIR_FLAGS,
    NameRefusedError,
    _link_target,
    _open_dir_component,
    _open_file,
    _refuse,
    write_into,
)

_OPEN = 32  # folder descriptors held below the one being removed
_RECORDS = 100  # Skipped records kept; the rest are counted in one more
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Budget:
    """How much one copy may take: folder levels below its top, files and folders, bytes."""

    depth: int = 64
    entries: int | None = None
    bytes: int | None = None


# A run folder copied into an idea folder (run_0 of the baseline, a search node's run).
RUN_COPY = Budget(depth=64, entries=10_000, bytes=1 << 30)


@dataclass(frozen=True)
class Skipped:
    """Something a copy left out, and why."""

    path: str
    why: str

    def __str__(self) -> str:
        return f"{self.path} ({self.why})"


def shown(text: str) -> str:
    """``text`` with what a terminal would act on (control characters, undecodable bytes)
    escaped: names and link targets a run chose are shown as data, never interpreted."""
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)


# -- removal -------------------------------------------------------------------------------------


def remove_entry(dir_fd: int, name: str) -> None:
    """Remove ``name`` in ``dir_fd``: a file, a link (not its target) or a folder tree."""
    try:
        mode = os.lstat(name, dir_fd=dir_fd).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISDIR(mode):
        os.unlink(name, dir_fd=dir_fd)
        return
    top = _open_to_remove(dir_fd, name)
    try:
        _empty(top)
    finally:
        os.close(top)
    os.rmdir(name, dir_fd=dir_fd)


@dataclass
class _Level:
    fd: int
    name: str  # in the folder above
    folders: list[str] = field(default_factory=list)  # sub-folders still to empty


def _empty(top: int) -> None:
    levels = [_Level(top, "", _clear_files(top))]
    try:
        while levels:
            level = levels[-1]
            if not level.folders:
                levels.pop()
                if levels:
                    os.close(level.fd)
                    os.rmdir(level.name, dir_fd=levels[-1].fd)
                continue
            sub = level.folders.pop()
            if len(levels) > _OPEN:
                # Too deep to hold another descriptor: lift the folder up into the top one,
                # where it is emptied with the whole budget again.
                lifted = f".aisci-rm-{os.urandom(6).hex()}"
                os.rename(sub, lifted, src_dir_fd=level.fd, dst_dir_fd=top)
                levels[0].folders.append(lifted)
                continue
            fd = _open_to_remove(level.fd, sub)
            levels.append(_Level(fd, sub, []))
            levels[-1].folders = _clear_files(fd)
    finally:
        for level in levels[1:]:
            os.close(level.fd)


def _clear_files(fd: int) -> list[str]:
    """Unlink every entry of the folder ``fd`` but its sub-folders, which it returns."""
    info = os.fstat(fd)
    if info.st_uid == os.geteuid() and info.st_mode & 0o700 != 0o700:
        os.fchmod(fd, 0o700)  # a run may have taken its own rights away; we own it
    folders = []
    for name in os.listdir(fd):
        try:
            mode = os.lstat(name, dir_fd=fd).st_mode
        except FileNotFoundError:
            continue
        if stat.S_ISDIR(mode):
            folders.append(name)
        else:
            os.unlink(name, dir_fd=fd)
    return folders


def _open_to_remove(dir_fd: int, name: str) -> int:
    try:
        return os.open(name, _DIR_FLAGS, dir_fd=dir_fd)
    except PermissionError:
        pass
    # A folder without read rights for its owner (aisci runs as that uid): give them back. O_PATH
    # pins the folder itself (a link put in its place is refused by O_NOFOLLOW, never chmod-ed
    # through); /proc's entry for the descriptor is that inode.
    pinned = os.open(name, os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dir_fd)
    try:
        os.chmod(f"/proc/self/fd/{pinned}", 0o700)
    finally:
        os.close(pinned)
    return os.open(name, _DIR_FLAGS, dir_fd=dir_fd)


# -- copies --------------------------------------------------------------------------------------


@dataclass
class _Pair:
    sfd: int
    dfd: int
    where: Path
    names: list[str]  # still to copy, in reverse order (pop takes the next)
    depth: int


def _listing(fd: int) -> list[str]:
    """The entries of a folder in the order a budget meets them, reversed: files before
    folders and small files first, so a run's results and logs are never left out for a large
    file or a deep tree beside them."""
    files, folders = [], []
    for name in os.listdir(fd):
        try:
            info = os.lstat(name, dir_fd=fd)
        except FileNotFoundError:
            continue
        if stat.S_ISDIR(info.st_mode):
            folders.append(name)
        else:
            files.append((info.st_size, name))
    return sorted(folders, reverse=True) + [name for _, name in sorted(files, reverse=True)]


class _Copy:
    """One copy's walk: its budget, what it used, and what it left out. With ``into``, files
    are read into that dict (relative path -> bytes) instead of written to a folder."""

    def __init__(
        self,
        skip: Callable[[str], bool],
        links: str,
        budget: Budget,
        into: dict[str, bytes] | None = None,
    ):
        self.skip, self.links, self.budget, self.into = skip, links, budget, into
        self.entries = 0
        self.bytes = 0
        self.skipped: list[Skipped] = []
        self.unrecorded = 0

    def leave_out(self, path: Path, why: str) -> None:
        if len(self.skipped) < _RECORDS:
            self.skipped.append(Skipped(shown(str(path)), shown(why)))
        else:
            self.unrecorded += 1

    def result(self) -> list[Skipped]:
        if self.unrecorded:
            return [*self.skipped, Skipped("...", f"{self.unrecorded} more entries left out")]
        return self.skipped

    def run(self, sfd: int, dfd: int, where: Path) -> list[Skipped]:
        pairs = [_Pair(sfd, dfd, where, _listing(sfd), 0)]
        try:
            while pairs:
                pair = pairs[-1]
                if not pair.names:
                    pairs.pop()
                    if pairs:
                        _close(pair)
                    continue
                name = pair.names.pop()
                if self.skip(name):
                    continue
                if self.budget.entries is not None and self.entries >= self.budget.entries:
                    self.leave_out(
                        pair.where / name,
                        f"the copy stopped at its limit of {self.budget.entries:,} files and "
                        "folders; this and the rest of the tree were not copied",
                    )
                    break
                child = self.entry(pair, name)
                if child is not None:
                    pairs.append(child)
        finally:
            for pair in pairs[1:]:
                _close(pair)
        return self.result()

    def entry(self, pair: _Pair, name: str) -> _Pair | None:
        """Copy one entry of ``pair``; a folder comes back to be walked."""
        path = pair.where / name
        try:
            info = os.lstat(name, dir_fd=pair.sfd)
        except FileNotFoundError:
            return None
        if stat.S_ISDIR(info.st_mode):
            if pair.depth + 1 > self.budget.depth:
                self.leave_out(path, f"deeper than {self.budget.depth} levels")
                return None
            self.entries += 1
            if self.into is None:
                try:
                    os.mkdir(name, 0o755, dir_fd=pair.dfd)
                except FileExistsError:
                    pass
                except OSError as e:
                    self.refused(path, e)
                    return None
            try:
                sfd = os.open(name, _DIR_FLAGS, dir_fd=pair.sfd)
            except PermissionError:
                self.leave_out(path, "aisci may not read it")
                return None
            try:
                dfd = -1 if self.into is not None else _open_dir_component(pair.dfd, name, path)
            except BaseException:
                os.close(sfd)
                raise
            return _Pair(sfd, dfd, path, _listing(sfd), pair.depth + 1)
        if stat.S_ISREG(info.st_mode):
            if self.budget.bytes is not None and self.bytes + info.st_size > self.budget.bytes:
                self.leave_out(
                    path,
                    f"its {info.st_size:,} bytes would take the copy past its limit of "
                    f"{self.budget.bytes:,} bytes",
                )
                return None
            self.entries += 1
            self.bytes += info.st_size
            try:
                fd = _open_file(pair.sfd, name, path)
            except PermissionError:
                self.leave_out(path, "aisci may not read it")
                return None
            try:
                if self.into is not None:
                    self.into[str(path)] = _read(fd, info.st_size)
                    return None
                write_into(
                    pair.dfd,
                    name,
                    lambda out: copy_sparse(fd, out, info.st_size),
                    stat.S_IMODE(info.st_mode) | 0o600,
                    path,
                )
            except NameRefusedError:
                self.leave_out(path, "the file system refuses its name")
            finally:
                os.close(fd)
            return None
        what = (
            f"a symbolic link (to {_link_target(pair.sfd, name)})"
            if stat.S_ISLNK(info.st_mode)
            else "not a regular file"
        )
        if self.links == "refuse":
            raise _refuse(path, f"it is {what}")
        self.leave_out(path, f"it is {what}")
        return None

    def refused(self, path: Path, error: OSError) -> None:
        """Record a name the destination refuses; any other failure is raised."""
        if error.errno not in (errno.ENAMETOOLONG, errno.EINVAL, errno.EILSEQ):
            raise error
        self.leave_out(path, "the file system refuses its name")


def _close(pair: _Pair) -> None:
    os.close(pair.sfd)
    if pair.dfd >= 0:
        os.close(pair.dfd)


def _read(fd: int, size: int) -> bytes:
    """At most ``size`` bytes of ``fd`` (the size the budget counted, even if the file grew)."""
    parts, got = [], 0
    while got < size and (chunk := os.read(fd, min(_CHUNK, size - got))):
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


def read_tree(root: Path, budget: Budget) -> tuple[dict[str, bytes], list[Skipped]]:
    """The regular files below the folder ``root`` (relative path -> bytes) within ``budget``,
    and what was left out; links and special files are left out, never followed."""
    found: dict[str, bytes] = {}
    fd = os.open(root, _DIR_FLAGS)
    try:
        skipped = _Copy(lambda name: False, "skip", budget, found).run(fd, -1, Path())
    finally:
        os.close(fd)
    return found, skipped


def copy_dir(
    sfd: int, dfd: int, where: Path, skip: Callable[[str], bool], links: str, budget: Budget
) -> list[Skipped]:
    """Copy the folder ``sfd`` into the folder ``dfd`` (``where`` names the source in records)."""
    return _Copy(skip, links, budget).run(sfd, dfd, where)


def copy_sparse(src: int, out: int, size: int) -> None:
    """Copy the first ``size`` bytes of ``src`` to ``out``, holes left as holes (SEEK_DATA)."""
    offset = 0
    while offset < size:
        try:
            start = os.lseek(src, offset, os.SEEK_DATA)
            end = min(os.lseek(src, start, os.SEEK_HOLE), size)
        except OSError as e:
            if e.errno == errno.ENXIO:
                break  # only a hole from here to the end
            if e.errno not in (errno.EINVAL, errno.EOPNOTSUPP):
                raise
            start, end = offset, size  # no hole support here: all of it is data
        while start < end:
            chunk = os.pread(src, min(_CHUNK, end - start), start)
            if not chunk:
                end = size  # the file shrank under us: the rest stays a hole
                break
            view = memoryview(chunk)
            while view:
                view = view[os.pwrite(out, view, start + len(chunk) - len(view)) :]
            start += len(chunk)
        offset = end
    os.ftruncate(out, size)
