"""Link-safe file handling for every folder a run could have written.

Contract: a run's code is hostile, and so is every file it leaves behind. It can plant a
symbolic link where aisci later reads (a figure named like ``/root/.ssh/id_rsa``) or writes
(a log, a snapshot, a copy), and aisci, which runs outside the sandbox, would follow it. Every
function here walks a path one component at a time from a trusted ``root`` folder, opening
each with ``O_NOFOLLOW`` relative to the descriptor of the one before, so no component below
``root`` may be a link; a link met on the way is refused with an ``UnsafePathError`` naming
it. ``root`` itself and the folders above it are the caller's (the results folder, an idea
folder): when it is not given, the path's parent is taken as trusted and only the last
component is checked.

Writes are atomic (a temporary file of short, fixed-length name in the same folder, fsync,
rename): a rename replaces a link planted at the destination instead of writing through it. A
name the file system refuses (too long, invalid) raises ``NameRefusedError`` naming it. Copies
take regular files and folders only, within a budget; removal and copies of whole trees live in
``safetree`` (iterative, any depth). Reads can be capped in size; JSON a run wrote is decoded
within the limits of ``runjson``. Nothing here follows a link, ever.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aisci.errors import AisciError
from aisci.execution import runjson

if TYPE_CHECKING:
    from aisci.execution.safetree import Budget, Skipped

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
_CHUNK = 1 << 20


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


# -- reads ---------------------------------------------------------------------------------------


def read_bytes(path: Path, *, root: Path | None = None, limit: int | None = None) -> bytes:
    """The bytes of a regular file (the first ``limit`` bytes when given), links refused."""
    base, parts = _split(path, root)
    with _dir_fd(base, parts[:-1]) as dfd:
        fd = _open_file(dfd, parts[-1], Path(path))
    with os.fdopen(fd, "rb") as f:
        return f.read() if limit is None else f.read(limit)


def read_text(
    path: Path, *, root: Path | None = None, limit: int | None = None, errors: str = "strict"
) -> str:
    return read_bytes(path, root=root, limit=limit).decode("utf-8", errors=errors)


def read_json(
    path: Path, *, root: Path | None = None, limit: int = runjson.MAX_BYTES, where: str = ""
) -> Any:
    """A JSON file a run could have written, decoded within ``runjson``'s limits (``limit``
    bytes at most); every refusal is an ``ExperimentError`` naming ``where`` (by default the
    path below ``root``, e.g. ``run_0/final_info.json``)."""
    if not where:
        where = os.path.relpath(path, root) if root is not None else Path(path).name
    data = read_bytes(path, root=root, limit=limit + 1)
    if len(data) > limit:
        raise runjson.too_large(where, limit)
    return runjson.loads(data, where)


def read_tail(path: Path, chars: int, *, root: Path | None = None) -> str:
    """The last ``chars`` characters of a text file, or "" when it is missing or unsafe."""
    try:
        base, parts = _split(path, root)
        with _dir_fd(base, parts[:-1]) as dfd:
            fd = _open_file(dfd, parts[-1], Path(path))
    except (OSError, AisciError):
        return ""
    with os.fdopen(fd, "rb") as f:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        f.seek(max(0, size - chars * 4))
        return f.read().decode("utf-8", errors="replace")[-chars:]


def kind(path: Path, *, root: Path | None = None) -> str | None:
    """ "file", "dir", "link" or "other" for what is at ``path`` (never followed), None if nothing."""
    base, parts = _split(path, root)
    try:
        with _dir_fd(base, parts[:-1]) as dfd:
            mode = os.lstat(parts[-1], dir_fd=dfd).st_mode if parts else os.fstat(dfd).st_mode
    except FileNotFoundError:
        return None
    except (NotADirectoryError, UnsafePathError):
        return "other"
    if stat.S_ISLNK(mode):
        return "link"
    return "file" if stat.S_ISREG(mode) else "dir" if stat.S_ISDIR(mode) else "other"


def is_file(path: Path, *, root: Path | None = None) -> bool:
    return kind(path, root=root) == "file"


def list_dir(path: Path, *, root: Path | None = None) -> list[tuple[str, str]]:
    """(name, kind) of each entry of a folder, sorted, with links reported as "link"."""
    base, parts = _split(path, root) if root is not None else (Path(os.path.abspath(path)), ())
    with _dir_fd(base, parts) as dfd:
        entries = []
        for name in sorted(os.listdir(dfd)):
            mode = os.lstat(name, dir_fd=dfd).st_mode
            entries.append(
                (
                    name,
                    "link"
                    if stat.S_ISLNK(mode)
                    else "file"
                    if stat.S_ISREG(mode)
                    else "dir"
                    if stat.S_ISDIR(mode)
                    else "other",
                )
            )
        return entries


# -- writes --------------------------------------------------------------------------------------


def write_atomic(
    path: Path, data: bytes | str, *, root: Path | None = None, mode: int = 0o644
) -> None:
    """Write a whole file atomically; folders on the way are created, links on the way refused."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    base, parts = _split(path, root)
    if root is None:
        base.mkdir(parents=True, exist_ok=True)
    with _dir_fd(base, parts[:-1], create=True) as dfd:
        write_into(dfd, parts[-1], lambda out: _write_all(out, payload), mode, Path(path), True)


def _write_all(fd: int, payload: bytes) -> None:
    view = memoryview(payload)
    while view:
        view = view[os.write(fd, view[:_CHUNK]) :]


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


def open_new(path: Path, *, root: Path | None = None, mode: int = 0o644) -> int:
    """A write descriptor of a new, empty file; whatever stood at ``path`` is removed first
    (a link is unlinked, never followed). For logs opened before a run starts."""
    from aisci.execution import safetree

    base, parts = _split(path, root)
    with _dir_fd(base, parts[:-1], create=True) as dfd:
        safetree.remove_entry(dfd, parts[-1])
        try:
            return os.open(
                parts[-1],
                os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                mode,
                dir_fd=dfd,
            )
        except OSError as e:
            raise (refused_name(path, e) if e.errno in _NAME_ERRNOS else e) from None


def make_dirs(path: Path, *, root: Path | None = None) -> None:
    """``mkdir -p`` that refuses to pass through a link below ``root``."""
    if root is None:
        Path(path).mkdir(parents=True, exist_ok=True)
        return
    base, parts = _split(path, root)
    with _dir_fd(base, parts, create=True):
        pass


# -- removal and copies (the tree walks are in safetree) ------------------------------------------


def remove(path: Path, *, root: Path | None = None) -> None:
    """Remove a file, a link (not its target) or a whole folder tree of any depth; nothing
    there is fine."""
    from aisci.execution import safetree

    base, parts = _split(path, root)
    try:
        with _dir_fd(base, parts[:-1]) as dfd:
            safetree.remove_entry(dfd, parts[-1])
    except FileNotFoundError:
        pass


def copy_file(
    src: Path,
    dst: Path,
    *,
    src_root: Path | None = None,
    dst_root: Path | None = None,
    limit: int | None = None,
) -> None:
    data = read_bytes(src, root=src_root, limit=None if limit is None else limit + 1)
    if limit is not None and len(data) > limit:
        raise AisciError(
            f"Refused to copy {src}: it is larger than {limit // (1 << 20)} MB.",
            "Make the run write smaller files, or raise the limit in the template's aisci.json.",
        )
    write_atomic(dst, data, root=dst_root)


def copy_tree(
    src: Path,
    dst: Path,
    *,
    skip: Callable[[str], bool] = lambda name: False,
    src_root: Path | None = None,
    dst_root: Path | None = None,
    links: str = "refuse",
    budget: Budget | None = None,
) -> list[Skipped]:
    """Copy the regular files and folders of ``src`` into ``dst`` (created or merged).

    ``links``: "refuse" raises ``UnsafePathError`` naming the first link; "skip" leaves links
    (and sockets, devices) out. ``budget``: a ``safetree.Budget`` (levels, entries, bytes;
    default: levels only). Returns a ``safetree.Skipped`` for what was left out: links,
    special files, names the destination refuses, whatever is past the budget. Nothing is ever
    followed, and sparse files stay sparse.
    """
    from aisci.execution import safetree

    sbase, sparts = (
        _split(src, src_root) if src_root is not None else (Path(os.path.abspath(src)), ())
    )
    dbase, dparts = (
        _split(dst, dst_root) if dst_root is not None else (Path(os.path.abspath(dst)), ())
    )
    if dst_root is None:
        dbase.mkdir(parents=True, exist_ok=True)
    with _dir_fd(sbase, sparts) as sfd, _dir_fd(dbase, dparts, create=True) as dfd:
        return safetree.copy_dir(sfd, dfd, Path(src), skip, links, budget or safetree.Budget())
