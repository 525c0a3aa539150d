"""Fixtures of the paper tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.paper.helpers import copy_skeleton


@pytest.fixture
def latex_dir(tmp_path) -> Path:
    """<tmp>/idea/latex: a copy of the skeleton, as the write-up stage starts from it."""
    return copy_skeleton(tmp_path / "idea" / "latex")
