"""Builders shared by the paper tests."""

from __future__ import annotations

import json
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


def reproduce(folder: Path, *flags: str, timeout: float = 300):
    """``aisci reproduce FOLDER FLAGS`` through the real CLI."""
    from tests.helpers import run_cli

    return run_cli("reproduce", str(folder), *flags, timeout=timeout)


def report_of(folder: Path) -> dict:
    """The idea's one ``reproduce.json`` (a test reproduces a fresh copy once per report)."""
    [report] = (folder / "reproduce").glob("*/reproduce.json")
    return json.loads(report.read_text())


def idea_copy(launched: Path, tmp_path: Path) -> Path:
    """A copy of a launched idea folder (its baseline stays where the idea's state names it),
    for one test to change."""
    folder = tmp_path / launched.name
    shutil.copytree(launched, folder)
    return folder


def edit_mean(folder: Path, run: str, dataset: str, metric: str) -> None:
    """Change one recorded mean of ``run`` by 1 %, as an edit after the run would."""
    path = folder / run / "final_info.json"
    data = json.loads(path.read_text())
    data[dataset]["means"][metric] *= 1.01
    path.write_text(json.dumps(data))


def differing(rows: list[dict]) -> set[str]:
    """The stated numbers of a reproduce report that came back different."""
    return {r["text"] for r in rows if r["status"] == "differs"}
