"""The walk under safefs and safetree: every path opened one component at a time from a
trusted folder's descriptor, none of them followed if it is a link.

Contract: ``_split`` turns a path into its trusted root and the components below it, ``_dir_fd``
opens a folder through them (``O_NOFOLLOW`` each, created on request), ``_open_file`` a regular
file in an open folder, and ``write_into`` replaces a file in an open folder by a renamed
temporary file. A link met on the way is an ``UnsafePathError`` naming it; a name the file system
refuses, a ``NameRefusedError``. The functions are private to execution/: safefs (paths) and
safetree (whole trees) are their users, and both import them from here, so neither imports the
other's module to reach them.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from aisci.errors import AisciError

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK


class UnsafePathError(AisciError):
    """A path below a folder that a run could write goes through a link or is not a plain file."""


class NameRefusedError(AisciError):
    """A file name that the file system refuses (longer than it allows, or invalid there)."""


def refused_name(path: Path | str, error: OSError) -> NameRefusedError:
    return NameRefusedError(
        f"Refused the file name {Path(path).name[:80]!r}"
        f"{'...' if len(Path(path).name) > 80 else ''} in {Path(path).parent}: the file system "
        f"does not accept it ({os.strerror(error.errno or 0)}).",
        "Make the run write files with short, plain names (letters, digits, '_', '-', '.').",
    )


# Errors of a name itself, not of the file: the name is refused, by name.
_NAME_ERRNOS = (errno.ENAMETOOLONG, errno.EINVAL, errno.EILSEQ)


def _refuse(path: Path, why: str) -> UnsafePathError:
    return UnsafePathError(
        f"Refused to use {path}: {why}. A run's code may have planted it to make aisci read or write "
        "outside the run folder, so aisci does not follow links in folders a run can write.",
        "Look at what the experiment or plot code wrote there, remove the link, and run again.",
    )


def _split(path: Path, root: Path | None) -> tuple[Path, tuple[str, ...]]:
    path = Path(os.path.abspath(path))
    if root is None:
        return path.parent, (path.name,)
    root = Path(os.path.abspath(root))
    try:
        rel = path.relative_to(root)
    except ValueError:
        raise AisciError(
            f"{path} is not inside {root}.", "This is a bug in aisci; please report it."
        ) from None
    parts = tuple(p for p in rel.parts if p not in ("", "."))
    if ".." in parts:
        raise _refuse(path, "it climbs out of its folder with '..'")
    return root, parts


@contextmanager
def _dir_fd(root: Path, parts: tuple[str, ...], *, create: bool = False) -> Iterator[int]:
    """A descriptor of ``root/parts...``, every component opened without following a link."""
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        walked = root
        for part in parts:
            walked = walked / part
            try:
                nxt = os.open(part, _DIR_FLAGS, dir_fd=fd)
            except FileNotFoundError:
                if not create:
                    raise
                try:
                    os.mkdir(part, 0o755, dir_fd=fd)
                except FileExistsError:
                    pass
                except OSError as e:
                    raise _classify(fd, part, walked, e) from None
                nxt = _open_dir_component(fd, part, walked)
            except OSError as e:
                raise _classify(fd, part, walked, e) from None
            os.close(fd)
            fd = nxt
        yield fd
    finally:
        os.close(fd)


def _open_dir_component(fd: int, part: str, walked: Path) -> int:
    try:
        return os.open(part, _DIR_FLAGS, dir_fd=fd)
    except OSError as e:
        raise _classify(fd, part, walked, e) from None


def _classify(dir_fd: int, name: str, path: Path, error: OSError) -> OSError | AisciError:
    if error.errno in _NAME_ERRNOS:
        return refused_name(path, error)
    if error.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):
        try:
            mode = os.lstat(name, dir_fd=dir_fd).st_mode
        except OSError:
            return error
        if stat.S_ISLNK(mode):
            return _refuse(path, f"it is a symbolic link (to {_link_target(dir_fd, name)})")
        if not stat.S_ISDIR(mode):
            return _refuse(path, "it is not a folder")
    return error


def _link_target(dir_fd: int, name: str) -> str:
    try:
        return os.readlink(name, dir_fd=dir_fd)
    except OSError:
        return "?"


def _open_file(dir_fd: int, name: str, path: Path) -> int:
    try:
        fd = os.open(name, _READ_FLAGS, dir_fd=dir_fd)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise _refuse(
                path, f"it is a symbolic link (to {_link_target(dir_fd, name)})"
            ) from None
        if e.errno in _NAME_ERRNOS:
            raise refused_name(path, e) from None
        raise
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise _refuse(path, "it is not a regular file")
    os.set_blocking(fd, True)
    return fd


def _create_temp(dir_fd: int, mode: int) -> str:
    # A fixed-length name: one made from the target's name overflows NAME_MAX for a long name.
    for _ in range(100):
        tmp = f".aisci.{os.urandom(6).hex()}.tmp"  # core/cleanup.py knows this shape
        try:
            fd = os.open(
                tmp,
                os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                mode,
                dir_fd=dir_fd,
            )
        except FileExistsError:
            continue
        os.close(fd)
        return tmp
    raise OSError(errno.EEXIST, "no free temporary name")


def write_into(
    dfd: int,
    name: str,
    fill: Callable[[int], None],
    mode: int,
    path: Path,
    durable: bool = False,
) -> None:
    """Let ``fill`` write a new temporary file in ``dfd`` (given its descriptor), then rename it
    to ``name``: the rename replaces whatever is there (a planted link included) and never
    writes through it. ``path`` names the file in errors."""
    tmp = _create_temp(dfd, mode & 0o777)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dfd)
        try:
            fill(fd)
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.rename(tmp, name, src_dir_fd=dfd, dst_dir_fd=dfd)
        except OSError as e:
            raise (refused_name(path, e) if e.errno in _NAME_ERRNOS else e) from None
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp, dir_fd=dfd)
        raise
    if durable:
        try:
            os.fsync(dfd)  # the rename is durable once the folder's entry is on disk
        except OSError:
            pass
