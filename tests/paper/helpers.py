"""Builders shared by the paper tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from aisci.paper.build import tex_available

REPO = Path(__file__).resolve().parents[2]
SKELETON = REPO / "server" / "aisci" / "scaffold" / "latex"
DATA = Path(__file__).parent / "data"

needs_tex = pytest.mark.skipif(
    tex_available(packages=()) is not None, reason="TeX Live is not installed (make setup)"
)


def copy_skeleton(dest: Path) -> Path:
    shutil.copytree(SKELETON, dest)
    return dest


def line_of(path: Path, needle: str) -> int:
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return n
    raise AssertionError(f"{needle!r} not in {path}")


def replace_line(path: Path, lineno: int, text: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[lineno - 1] = text
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
