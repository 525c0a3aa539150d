"""A critique of the figures reaches aider as a critique, not as "plot.py failed"; a plot.py
that failed still says so. The instruction is captured where it would go to aider."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from aisci.core.plots import CRITIQUE_PREFIX
from aisci.scientists.llm import plots
from aisci.scientists.llm.code_edits import EditSession, LastProposals


@pytest.fixture
def sent(monkeypatch):
    instructions: list[str] = []

    def edit_file(client, folder, file, instruction, *args, **kwargs):
        instructions.append(instruction)
        return SimpleNamespace(proposed={}, proposals=lambda *a: [], summary=lambda n: "")

    monkeypatch.setattr(plots, "edit_file", edit_file)
    return instructions


def fix(error: str) -> None:
    edits = EditSession(client=SimpleNamespace(), last_proposals=LastProposals())
    job = SimpleNamespace(
        folder=Path("/nowhere"), idea=SimpleNamespace(title="Warm-up", name="w"), history=()
    )
    job.finished_runs = ()
    ctx = SimpleNamespace(check_cancelled=lambda what: None)
    plots.propose_plot_fix(edits, job, error, None, ctx)


def test_a_figure_critique_is_told_as_a_critique(sent):
    fix(CRITIQUE_PREFIX + "loss.png: the legend hides the curves")
    [instruction] = sent
    assert "plot.py failed" not in instruction
    assert instruction.startswith(
        'plot.py ran, but a critique of its figures for the idea "Warm-up"'
    )
    assert "loss.png: the legend hides the curves" in instruction
    assert CRITIQUE_PREFIX not in instruction  # said once, in the prompt's own words


def test_a_failed_plot_is_still_told_as_a_failure(sent):
    fix("plot.py exited with status 1. NameError: name 'x' is not defined")
    [instruction] = sent
    assert instruction.startswith('plot.py failed for the idea "Warm-up"')
