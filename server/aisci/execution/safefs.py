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
``safetree`` (iterative, any depth), and the walk of one path that both use in ``fdwalk``.
Reads can be capped in size; JSON a run wrote is decoded within the limits of ``runjson``.
Nothing here follows a link, ever.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aisci.errors import AisciError
from aisci.execution import runjson, safetree
from aisci.execution.fdwalk import (
    _NAME_ERRNOS,
    NameRefusedError,
    UnsafePathError,
    _dir_fd,
    _open_file,
    _split,
    refused_name,
    write_into,
)
from aisci.execution.safetree import Budget, Skipped

__all__ = [
    "NameRefusedError",
    "UnsafePathError",
    "copy_file",
    "copy_tree",
    "is_file",
    "kind",
    "list_dir",
    "make_dirs",
    "open_new",
    "read_bytes",
    "read_json",
    "read_tail",
    "read_text",
    "refused_name",
    "remove",
    "write_atomic",
    "write_into",
]

_CHUNK = 1 << 20


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
            try:
                mode = os.lstat(name, dir_fd=dfd).st_mode
            except FileNotFoundError:
                # Gone since the listing (an atomic write's temp file renamed by another
                # thread, as parallel tree-search nodes do with state.json): not in the folder.
                continue
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


def open_new(path: Path, *, root: Path | None = None, mode: int = 0o644) -> int:
    """A write descriptor of a new, empty file; whatever stood at ``path`` is removed first
    (a link is unlinked, never followed). For logs opened before a run starts."""
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
