"""The whole offline cycle: a sweep launch writes, builds (real TeX) and reviews a paper whose
numbers all trace back to runs; a launch killed mid-way and resumed writes the same paper."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from aisci.paper.consistency import check_consistency
from aisci.paper.results_literals import literal_diagnostics
from aisci.paper.review import review_problems
from tests.helpers import REPO, kill_launch_at_marker, make_template, slow_at_learning_rate

pytestmark = pytest.mark.slow
ENV = {**os.environ, "PYTHONPATH": str(REPO)}


def deterministic_template(tmp_path, name, slow_marker=False):
    """The scaffold without its wall-clock metric, so two launches give identical numbers."""
    folder = make_template(tmp_path, name)
    source = (folder / "experiment.py").read_text()
    source = source.replace(' | {"train_time": elapsed}', "")
    if slow_marker:
        source = slow_at_learning_rate(source)
    (folder / "experiment.py").write_text(source)
    return folder


def launch_args(template, results):
    return [
        sys.executable,
        "-m",
        "aisci",
        "launch",
        "--template",
        str(template),
        "--scale",
        "smoke",
        "--engine",
        "local",
        "--num-ideas",
        "1",
        "--results",
        str(results),
    ]


def only_idea_folder(results, name):
    [folder] = list((results / name).glob("*_sweep_learning_rate"))
    return folder


@pytest.fixture(scope="module")
def launched(tmp_path_factory):
    """One sweep launch with its paper, shared by the tests that only read it (or a copy)."""
    root = tmp_path_factory.mktemp("launch")
    template = deterministic_template(root, "tiny")
    out = subprocess.run(
        launch_args(template, root / "a"),
        cwd=root,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr
    return out, only_idea_folder(root / "a", "tiny")


def test_sweep_paper_is_built_checked_and_reviewed(launched):
    out, folder = launched
    pdf = folder / "sweep_learning_rate.pdf"
    assert pdf.read_bytes().startswith(b"%PDF") and str(pdf) in out.stdout
    assert str(folder / "review.txt") in out.stdout
    tex = (folder / "latex" / "template.tex").read_text()
    assert "\\aiscidisclosure" in tex and "HERE" not in tex.replace("THERE", "")
    # Every result is printed through its results macro: no literal left is a run's value (the
    # numbers the check still reads are the knob's settings).
    report = check_consistency(folder)
    assert (
        report.mismatches == ()
        and literal_diagnostics(folder, folder / "latex" / "template.tex") == []
    )
    assert "\\res{run_0}{sine}{val_loss}" in tex and "\\respm{run_2}{sine}{val_loss}" in tex
    assert (folder / "latex" / "results.tex").is_file()
    review = json.loads((folder / "review.json").read_text())["review"]
    assert review_problems(review) == [] and review["Kind"] == "checklist"
    assert all(c["passed"] for c in review["Checks"]) and "Decision" not in review
    assert "checks 5/5 passed, not judged" in (folder / "review.txt").read_text()
    checked = subprocess.run(
        [sys.executable, "-m", "aisci", "check", str(folder)],
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert checked.returncode == 0 and "all match" in checked.stdout


def test_planted_wrong_number_is_caught_with_its_line(launched, tmp_path):
    folder = tmp_path / "idea"
    shutil.copytree(launched[1], folder)
    tex_path = folder / "latex" / "template.tex"
    lines = tex_path.read_text().splitlines()
    [index] = [i for i, line in enumerate(lines) if "for the baseline and" in line]
    lines[index] = lines[index].replace(" is ", " is 12.34 and also ", 1)
    tex_path.write_text("\n".join(lines) + "\n")
    checked = subprocess.run(
        [sys.executable, "-m", "aisci", "check", str(folder)],
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert checked.returncode == 1
    assert f"template.tex:{index + 1}: 12.34" in checked.stdout


def test_resumed_launch_writes_the_same_paper(tmp_path):
    env = ENV
    reference = deterministic_template(tmp_path / "ref", "tiny", slow_marker=True)
    out = subprocess.run(
        launch_args(reference, tmp_path / "ref" / "results"),
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr
    expected = (
        only_idea_folder(tmp_path / "ref" / "results", "tiny") / "latex" / "template.tex"
    ).read_text()

    template = deterministic_template(tmp_path / "run", "tiny", slow_marker=True)
    results = tmp_path / "run" / "results"
    kill_launch_at_marker(
        launch_args(template, results), results, cwd=tmp_path, env=env, timeout=300
    )
    resumed = subprocess.run(
        [*launch_args(template, results), "--resume"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert (only_idea_folder(results, "tiny") / "latex" / "template.tex").read_text() == expected


def test_improvement_keeps_what_its_nested_stages_recorded(launched, tmp_path):
    """--resume --improvement on a copy of a finished launch: the improvement's own review
    (recorded by the nested review stage) survives the improvement's final record."""
    _out, folder = launched
    results = tmp_path / "results"
    shutil.copytree(folder.parent.parent, results, symlinks=True)
    template = folder.parent.parent.parent / "tiny"
    resumed = subprocess.run(
        [*launch_args(template, results), "--resume", "--improvement"],
        cwd=tmp_path,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert resumed.returncode == 0, resumed.stderr
    copy = only_idea_folder(results, "tiny")
    steps = json.loads((copy / "state.json").read_text())["steps"]
    assert steps["improvement"]["status"] == "done"
    assert steps["improvement.review"]["status"] == "done", sorted(steps)
    assert (copy / "review_improved.json").is_file()
    assert not (folder / "review_improved.json").exists(), "the resume ran in the original folder"
