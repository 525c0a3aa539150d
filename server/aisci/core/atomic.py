"""Atomic file writes: a reader (or a resumed run after a kill) sees the old file or the new
one, never a half-written one. The write goes through ``execution.safefs``: the temporary file
is created without following links and renamed over the destination, so a link planted where
the file goes is replaced, never written through."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aisci.execution import safefs


def write_text_atomic(path: Path, text: str) -> None:
    safefs.write_atomic(Path(path), text)


def write_json_atomic(path: Path, data: Any) -> None:
    write_text_atomic(path, json.dumps(data, indent=2, sort_keys=False) + "\n")
