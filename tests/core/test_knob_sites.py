"""Knobs at a position (a call's keyword argument, a function-local assignment), as the original
system's templates keep their settings: proposed with line and column, edited by position, read
back, reported when the code moved; and the stand-in of that layout through the real CLI, from
`template knobs --yes` to an offline sweep launch whose run differs in exactly the literal."""

from __future__ import annotations

import difflib
import json
import shutil
from pathlib import Path

from aisci.core.knobs import propose_knobs
from aisci.core.template import Knob, check_template, load_template
from aisci.scientists.sweep.edits import knob_values, set_knob
from tests.helpers import REPO, make_template, run_cli

STAND_IN = Path(__file__).parents[1] / "templates" / "original_layouts" / "grokking_calls"

SOURCE = """import argparse
p = argparse.ArgumentParser(); p.add_argument("--out_dir"); args = p.parse_args()


def run(out_dir, seed):
    warmup = Schedule(lr=0.5)  # lr=0.5 here is another call's
    opt = Optimizer(w, lr=0.5, weight_decay=1e-3, nesterov=True, dim=1)
    num_train_batches = 10
    for _ in range(num_train_batches):
        step = 1
        step += 1
    return opt, warmup, step
"""


def _knob(kind: str, target: str, line: int, column: int, value) -> Knob:
    return Knob(
        target, target, (value, value * 2), target, value, kind, target, "run", line, column
    )


def test_keywords_and_locals_are_proposed_with_line_and_column_and_written_to_knobs_json(tmp_path):
    proposals = propose_knobs(STAND_IN / "experiment.py")
    lines = (STAND_IN / "experiment.py").read_text().splitlines()
    assert [(p.kind, p.target) for p in proposals] == [
        ("keyword", "prime"),
        ("keyword", "training_fraction"),
        ("keyword", "batch_size"),
        ("keyword", "lr"),
        ("keyword", "weight_decay"),
        ("local", "num_train_batches"),
        ("local", "num_total_updates"),
    ]  # not the seed, out_dir, booleans, the model class's literals or the argparse default
    for p in proposals:
        assert p.function == "run" and p.value in p.values
        assert lines[p.line - 1][p.column - 1 :].startswith(repr(p.value))
    # A template with scales sizes its scales with such literals: only its constants are proposed.
    shipped = propose_knobs(REPO / "templates" / "grokking" / "experiment.py")
    assert shipped and {p.kind for p in shipped} == {"constant"}

    # An unchanged variant of the layout: a running variable and a structural keyword are skipped.
    folder = make_template(tmp_path, experiment=SOURCE)
    found = [(p.kind, p.target, p.line, p.column) for p in propose_knobs(folder / "experiment.py")]
    assert found == [
        ("keyword", "lr", 6, 26),
        ("keyword", "lr", 7, 27),  # a second lr=, named by its function
        ("keyword", "weight_decay", 7, 45),
        ("local", "num_train_batches", 8, 25),
    ]
    assert [p.name for p in propose_knobs(folder / "experiment.py")][:2] == ["lr", "run_lr"]


def test_the_sweep_edits_by_position_and_reads_the_values_back(tmp_path):
    lr, decay = _knob("keyword", "lr", 7, 27, 0.5), _knob("keyword", "weight_decay", 7, 45, 1e-3)
    batches = _knob("local", "num_train_batches", 8, 25, 10)
    # Set in turn, as a tree search combines changes: the second finds its literal on the line
    # although the first edit moved it.
    changed = set_knob(set_knob(set_knob(SOURCE, lr, 0.25), decay, 0.002), batches, 20)
    diff = [
        line
        for line in difflib.unified_diff(SOURCE.splitlines(), changed.splitlines(), lineterm="")
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    assert diff == [
        "-    opt = Optimizer(w, lr=0.5, weight_decay=1e-3, nesterov=True, dim=1)",
        "-    num_train_batches = 10",
        "+    opt = Optimizer(w, lr=0.25, weight_decay=0.002, nesterov=True, dim=1)",
        "+    num_train_batches = 20",
    ]
    folder = make_template(tmp_path, experiment=SOURCE)
    template = load_template(folder)  # no knobs.json: give it these three
    template = type(template)(**{**template.__dict__, "knobs": (lr, decay, batches)})
    assert knob_values(template, SOURCE) == {
        "lr": 0.5,
        "weight_decay": 1e-3,
        "num_train_batches": 10,
    }
    assert knob_values(template, changed) == {
        "lr": 0.25,
        "weight_decay": 0.002,
        "num_train_batches": 20,
    }


def test_a_moved_site_is_a_problem_that_says_to_propose_the_knobs_again(tmp_path):
    folder = make_template(tmp_path, experiment=SOURCE)
    knobs = [p.to_json() for p in propose_knobs(folder / "experiment.py")]
    (folder / "knobs.json").write_text(json.dumps(knobs))
    assert [p for p in check_template(folder) if p.file == "knobs.json"] == []
    loaded = {k.name: k for k in load_template(folder).knobs}
    assert (loaded["lr"].constant, loaded["run_lr"].constant) == ("lr (line 6)", "lr (line 7)")
    assert (loaded["run_lr"].line, loaded["run_lr"].column, loaded["run_lr"].current) == (
        7,
        27,
        0.5,
    )

    (folder / "experiment.py").write_text("# a new first line\n" + SOURCE)
    moved = [str(p) for p in check_template(folder) if p.file == "knobs.json"]
    assert len(moved) == 4 and all(
        "the code moved since knobs.json was written" in m and "aisci template knobs --force" in m
        for m in moved
    )
    assert moved[3].startswith(
        'knobs.json:1: knob 4 ("num_train_batches"): experiment.py has no '
        "num_train_batches = <literal> at line 8 column 25 in run(): the code moved"
    )
    knobs[0]["column"] = 0
    (folder / "knobs.json").write_text(json.dumps(knobs[:1]))
    assert [p.message for p in check_template(folder) if p.file == "knobs.json"] == [
        'knob 1 ("lr"): "line" and "column" must be whole numbers from 1'
    ]


def test_the_original_layout_goes_through_knobs_and_an_offline_sweep_launch(tmp_path):
    folder = tmp_path / "grokking_calls"
    shutil.copytree(STAND_IN, folder, ignore=shutil.ignore_patterns("__pycache__", "run_*"))
    written = run_cli("template", "knobs", str(folder), "--yes")
    assert written.returncode == 0, written.stderr
    assert "lr= (keyword argument in run())  line 69 col 33: 0.5 -> values" in written.stdout
    assert "num_train_batches (local variable in run())  line 70 col 25: 10" in written.stdout
    knobs = json.loads((folder / "knobs.json").read_text())
    assert knobs[0] == {
        "name": "prime",
        "keyword": "prime",
        "function": "run",
        "line": 63,
        "column": 15,
        "values": [3, 7, 14],
        "description": "the keyword prime= in run() (experiment.py line 63)",
    }
    assert {"local": "num_train_batches", "line": 70, "column": 25}.items() <= knobs[5].items()
    check = run_cli("template", "check", str(folder))
    assert check.returncode == 0 and "knobs.json" not in check.stdout, check.stdout

    results = tmp_path / "results"
    launch = run_cli(
        "launch", "--template", str(folder), "--scientist", "sweep", "--scale", "smoke",
        "--engine", "local", "--num-ideas", "1", "--writeup", "none", "--results", str(results),
    )  # fmt: skip
    assert launch.returncode == 0, launch.stdout + launch.stderr
    [idea] = [p for p in (results / "grokking_calls").iterdir() if p.name.endswith("_sweep_prime")]
    assert len(list(idea.glob("run_*/final_info.json"))) == 3  # the baseline and two other values
    before = (folder / "experiment.py").read_text().splitlines()
    after = (idea / "run_1.py").read_text().splitlines()
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert changed == [("        prime=7,", "        prime=3,")]
