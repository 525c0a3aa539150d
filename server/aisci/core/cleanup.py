"""Leftovers of interrupted writes: ``clean_stale_temps(folder)``.

An atomic write (core/atomic.py) writes ``.<name>.<random>.tmp`` beside its target and renames
it over the target; a kill between the two leaves the temp file behind. Loading a folder's
state removes such files from the folder and from its direct subfolders (``latex/``,
``run_i/``) once they are older than ``STALE_S``: a live write takes milliseconds from its
last byte to its rename. Only regular files are removed; links are never followed (the
subfolders are opened without following links and every name is checked with ``lstat``
semantics), since experiment code may write inside these folders.
"""

from __future__ import annotations

import logging
import os
import re
import stat
import time
from pathlib import Path

log = logging.getLogger(__name__)
STALE_S = 10.0
TEMP_NAME = re.compile(r"^\.(?P<target>.+)\.[A-Za-z0-9_-]{6,32}\.tmp$")


def _open_dir(name: str | Path, dir_fd: int | None = None) -> int | None:
    try:
        return os.open(
            name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dir_fd
        )
    except OSError:
        return None


def _clean_dir(fd: int, where: Path, now: float, removed: list[Path], depth: int) -> None:
    try:
        names = os.listdir(fd)
    except OSError:
        return
    for name in names:
        try:
            info = os.stat(name, dir_fd=fd, follow_symlinks=False)
        except OSError:
            continue
        if stat.S_ISDIR(info.st_mode):
            if depth > 0:
                sub = _open_dir(name, fd)
                if sub is not None:
                    try:
                        _clean_dir(sub, where / name, now, removed, depth - 1)
                    finally:
                        os.close(sub)
            continue
        if (
            not stat.S_ISREG(info.st_mode)
            or not TEMP_NAME.match(name)
            or now - info.st_mtime < STALE_S
        ):
            continue
        try:
            os.unlink(name, dir_fd=fd)
        except OSError as e:
            log.warning("could not remove the stale temp file %s: %s", where / name, e)
            continue
        removed.append(where / name)


def clean_stale_temps(folder: Path, *, now: float | None = None) -> list[Path]:
    """Remove stale temp files of atomic writes in ``folder`` and its direct subfolders;
    returns what was removed."""
    removed: list[Path] = []
    fd = _open_dir(folder)
    if fd is None:
        return removed
    try:
        _clean_dir(fd, Path(folder), time.time() if now is None else now, removed, depth=1)
    finally:
        os.close(fd)
    for path in removed:
        log.info("removed %s, left by an interrupted write", path)
    return removed
