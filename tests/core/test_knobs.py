"""Knobs in experiment.py: argparse defaults as well as constants, proposals, and the sweep's edit
of a string-valued (categorical) knob."""

import json

import pytest

from aisci.core.knobs import argument_defaults, candidates, is_unused, set_argument_default
from aisci.core.template import Knob, check_template, load_template
from aisci.errors import AisciError
from aisci.scientists.sweep.edits import set_knob
from tests.helpers import make_template

SOURCE = """import argparse
MODE = "fast"  # knob: how to run
p = argparse.ArgumentParser()
p.add_argument("--out_dir", default="run_0")
p.add_argument("--lr", "-l", type=float,
               default=1e-3, help="step size")
p.add_argument("--unused-steps", type=int, default=10)
args = p.parse_args()
print(args.lr, MODE, "naïve")
"""


def test_argparse_defaults_are_read_with_line_and_help():
    found = argument_defaults(SOURCE)
    assert (
        found["--lr"].value == 1e-3
        and found["--lr"].line == 6
        and found["--lr"].comment == "step size"
    )
    assert found["-l"] is found["--lr"] and found["--unused-steps"].dest == "unused_steps"
    assert not is_unused(SOURCE, "--lr", "argument") and is_unused(
        SOURCE, "--unused-steps", "argument"
    )
    assert not is_unused(SOURCE, "MODE") and is_unused(SOURCE, "NOT_THERE")


def test_setting_an_argparse_default_changes_only_that_value():
    changed = set_argument_default(SOURCE, "--lr", 0.01)
    assert 'type=float,\n               default=0.01, help="step size")' in changed
    assert changed.replace("default=0.01", "default=1e-3") == SOURCE
    with pytest.raises(AisciError, match="0 add_argument calls for --nope"):
        set_argument_default(SOURCE, "--nope", 1)


def test_a_categorical_knob_is_set_as_a_string():
    knob = Knob("mode", "MODE", ("fast", "exact"), "how", "fast")
    assert "MODE = 'exact'  # knob: how to run" in set_knob(SOURCE, knob, "exact")
    arg = Knob("lr", "--lr", (1e-3, 1e-2), "lr", 1e-3, kind="argument")
    assert "default=0.01" in set_knob(SOURCE, arg, 0.01)


def test_candidates_stay_sensible():
    assert candidates(128) == (64, 128, 256) and candidates(1) == (1, 2, 4)
    assert candidates(3e-4) == (0.00015, 0.0003, 0.0006) and candidates(0.9) == (0.45, 0.9, 0.95)
    assert (
        candidates(0) is None
        and candidates(True) is None
        and candidates("x") is None
        and candidates(-1) is None
    )


def test_an_argument_knob_loads_and_is_checked(tmp_path):
    folder = make_template(tmp_path, experiment=SOURCE)
    (folder / "knobs.json").write_text(
        json.dumps(
            [
                {
                    "name": "lr",
                    "argument": "--lr",
                    "values": [1e-3, 1e-2],
                    "description": "step size",
                },
                {
                    "name": "mode",
                    "constant": "MODE",
                    "values": ["fast", "exact"],
                    "description": "how",
                },
                {"name": "gone", "argument": "--gone", "values": [1, 2], "description": "none"},
            ]
        )
    )
    messages = [str(p) for p in check_template(folder) if p.file == "knobs.json"]
    assert messages == [  # one line of JSON: every knob starts on line 1
        'knobs.json:1: knob 3 ("gone"): experiment.py has no add_argument("--gone", ..., '
        "default=<literal>)"
    ]
    (folder / "knobs.json").write_text(
        json.dumps(json.loads((folder / "knobs.json").read_text())[:2])
    )
    knobs = load_template(folder).knobs
    assert [(k.constant, k.kind, k.current) for k in knobs] == [
        ("--lr", "argument", 1e-3),
        ("MODE", "constant", "fast"),
    ]


def test_set_constants_changes_only_those_values_and_keeps_their_kind():
    from aisci.core.knobs import set_constants

    source = 'LR = 0.1  # step\nSTEPS = 100\nNAME: str = "a"\nUSE = True\nLIST = [1, 2]\n\n\ndef f():\n    STEPS = 3\n'
    out = set_constants(source, {"LR": 0.05, "STEPS": 200.0, "NAME": "b", "USE": False})
    assert out == source.replace("0.1", "0.05").replace("= 100", "= 200").replace(
        '"a"', "'b'"
    ).replace("True", "False")
    assert set_constants(source, {"STEPS": 0.5}).startswith("LR = 0.1  # step\nSTEPS = 0.5\n")
    for bad, words in (
        ({"USE": 1}, "USE in experiment.py is True; 1 is not a value of the same kind"),
        ({"LR": "fast"}, "LR in experiment.py is 0.1"),
        ({"MISSING": 1}, "0 top-level assignments of MISSING"),
        ({"LIST": 3}, "LIST in experiment.py is [1, 2]"),
    ):
        with pytest.raises(AisciError, match=words.replace("[", r"\[").replace("]", r"\]")):
            set_constants(source, bad)
    with pytest.raises(AisciError, match="2 top-level assignments of X"):
        set_constants("X = 1\nX = 2\n", {"X": 3})
