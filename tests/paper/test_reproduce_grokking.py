"""``aisci reproduce`` on a shipped template through the real CLI: a sweep launch of grokking at
smoke scale (the baseline and one run; torch, seeded, one thread on CPU) comes back number by
number, and a stated result edited in its run's final_info.json afterwards is flagged (exit 1)."""

import json
import shutil

import pytest

from tests.helpers import REPO, run_cli
from tests.paper.helpers import differing, edit_mean, idea_copy, report_of, reproduce
from tests.test_cycle_paper import launch_args

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def launched(tmp_path_factory):
    root = tmp_path_factory.mktemp("grokking")
    template = root / "grokking"
    shutil.copytree(REPO / "templates" / "grokking", template)
    out = run_cli(
        *launch_args(template, root / "results")[3:],
        *("--scientist", "sweep", "--max-runs", "1"),
        cwd=root,
        env={"AISCI_CACHE_DIR": str(root / "cache")},
        timeout=600,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    [folder] = (root / "results" / "grokking").glob("*_sweep_*")
    return folder


@pytest.fixture
def idea(launched, tmp_path):
    return idea_copy(launched, tmp_path)


def test_every_stated_number_of_the_grokking_sweep_reproduces(idea):
    out = reproduce(idea)
    assert out.returncode == 0, out.stdout + out.stderr
    report = report_of(idea)
    rows = report["rows"]
    assert report["ok"] and report["reran"] == ["run_0", "run_1"] and not report["failed"]
    assert rows and {r["status"] for r in rows} == {"reproduced"}
    # Both runs' measurements are stated, the search metric among them, and each came back equal.
    stated = {r["text"] for r in rows}
    for run in ("run_0", "run_1"):
        assert f"\\respm{{{run}}}{{x_plus_y}}{{final_val_acc}}" in stated
    means = json.loads((idea / "run_1" / "final_info.json").read_text())["x_plus_y"]["means"]
    [acc] = [r for r in rows if r["text"] == "\\respm{run_1}{x_plus_y}{final_val_acc}"]
    assert acc["original"] == means["final_val_acc"] and acc["reproduced"] == acc["original"]
    assert f"{len(rows)} of {len(rows)} stated numbers reproduced" in out.stdout


def test_an_edited_grokking_result_is_flagged(idea):
    edit_mean(idea, "run_1", "x_plus_y", "final_val_loss")
    out = reproduce(idea, "--runs", "run_1")
    assert out.returncode == 1, out.stdout + out.stderr
    rows = report_of(idea)["rows"]
    differs = differing(rows)
    assert "\\respm{run_1}{x_plus_y}{final_val_loss}" in differs
    assert all(
        "run_1" in r["runs"] and "final_val_loss" in r["text"] for r in rows if r["text"] in differs
    )
    # The other metrics of the same run still reproduce; run_0's were not re-run.
    assert any(r["status"] == "reproduced" and "final_val_acc" in r["text"] for r in rows)
    assert all(r["status"] == "not re-run" for r in rows if r["runs"] == ["run_0"])
    flagged = [line for line in out.stdout.splitlines() if line.rstrip().endswith("differs")]
    assert any(line.startswith("\\respm{run_1}{x_plus_y}{final_val_loss}") for line in flagged)
