"""A sweep launch says only what was measured (issue 13), through the real CLI: a checklist
review is "checks N/M passed, not judged" (no decision, no scores, no ensemble), novelty
without a model is "unchecked", and a paper stating a number no run produced fails the launch."""

import json
import shutil

import pytest

from aisci.core.state import State
from tests.helpers import make_template, run_cli

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("latexmk") is None, reason="needs TeX"),
]
PLANTED = (
    "\\begin{table}[h]\\centering\\begin{tabular}{lr}Accuracy & 97.31\\\\\\end{tabular}"
    "\\caption{A number that no run produced.}\\end{table}\n"
)


@pytest.fixture(scope="module")
def launched(tmp_path_factory):
    """One sweep launch whose template's paper holds a table with an invented number."""
    root = tmp_path_factory.mktemp("honest")
    template = make_template(root, "tiny")
    tex = template / "latex" / "template.tex"
    tex.write_text(
        tex.read_text().replace("\\aiscidisclosure\n", "\\aiscidisclosure\n" + PLANTED, 1)
    )
    out = run_cli(
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
        str(root / "results"),
        cwd=root,
        timeout=600,
    )
    [folder] = list((root / "results" / "tiny").glob("*_sweep_learning_rate"))
    return out, folder, root


def test_unmatched_numbers_fail_the_launch_and_are_named(launched):
    out, _folder, _ = launched
    assert out.returncode == 1, out.stderr
    assert "ok " not in out.stdout and "finished." in out.stdout.splitlines()[0]
    assert "FAILED sweep_learning_rate" in out.stdout and "97.31 (template.tex:" in out.stdout
    assert "0 of 1 idea(s) finished" in out.stdout


def test_checklist_review_has_no_decision_or_scores(launched):
    out, folder, _ = launched
    saved = json.loads((folder / "review.json").read_text())
    assert saved["kind"] == "checklist"
    review = saved["review"]
    assert review["Verdict"] == "checks 4/5 passed, not judged"
    assert not {"Decision", "Overall", "Quality", "Confidence"} & set(review)
    text = (folder / "review.txt").read_text()
    assert "checks 4/5 passed, not judged" in text
    assert "Decision" not in text and "Overall" not in text and "/10" not in text
    assert (
        "Accept" not in out.stdout + out.stderr
        and "overall" not in (out.stdout + out.stderr).lower()
    )
    assert "review done: checks 4/5 passed, not judged" in out.stderr
    state = State.load(folder).step("review")
    assert state["kind"] == "checklist" and "decision" not in state and "overall" not in state


def test_a_checklist_needs_no_ensemble(launched, tmp_path):
    _, folder, _ = launched
    copy = tmp_path / folder.name
    shutil.copytree(folder, copy)
    state = json.loads((copy / "state.json").read_text())
    del state["steps"]["review"]
    (copy / "state.json").write_text(json.dumps(state))
    out = run_cli(
        "review", str(copy), "--num-reviews", "3", "--engine", "local", cwd=tmp_path, timeout=300
    )
    assert out.returncode == 0, out.stderr
    assert "Meta-review" not in out.stdout and "Decision" not in out.stdout
    assert "checks 4/5 passed, not judged" in out.stdout
    assert "one checklist, not 3" in out.stderr
    saved = json.loads((copy / "review.json").read_text())
    assert saved["kind"] == "checklist" and len(saved["reviews"]) == 1


def test_novelty_without_a_model_is_unchecked(launched):
    out, folder, root = launched
    [idea] = json.loads((root / "results" / "tiny" / "ideas.json").read_text())
    assert "novel" not in idea  # no model judged it: the contract's key stays absent
    assert idea["novelty_kind"] == "unchecked"
    assert idea["novelty_check"]["label"].startswith("unchecked")
    assert "without a model nothing is judged" in idea["novelty_note"]
    assert "novelty unchecked" in out.stdout
    # ... and the launch still ran it offline.
    assert (folder / "run_1" / "final_info.json").is_file()
