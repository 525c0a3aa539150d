"""file:// URIs <-> paths (pygls's converters, with a clear error for other schemes)."""

from __future__ import annotations

from pathlib import Path

from pygls.uris import from_fs_path, to_fs_path


def path_to_uri(path: Path | str) -> str:
    return from_fs_path(str(path)) or f"file://{path}"


def uri_to_path(uri: str) -> Path | None:
    """The file's path, or None for a URI that is not a local file (untitled:, git:, ...)."""
    if not uri.startswith("file:"):
        return None
    fs = to_fs_path(uri)
    return Path(fs) if fs else None
