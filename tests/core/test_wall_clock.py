"""Which metrics are wall-clock (core/wall_clock.py): by name unless the template's aisci.json
declares them, and ``aisci template check`` on a malformed declaration."""

import json

from aisci.core.template import check_template
from aisci.core.wall_clock import WallClock, by_name
from tests.helpers import make_template


def test_names_of_durations_and_rates_are_wall_clock_and_counts_of_steps_are_not():
    for name in ("train_time", "total_train_time", "training_time", "inference_time"):
        assert by_name(name), name
    for name in ("train_seconds", "tokens_per_second", "stepTime", "latency_ms", "wall_clock_s"):
        assert by_name(name), name
    for name in ("step_val_acc_99", "timesteps", "val_loss", "final_val_acc", "sometimes"):
        assert not by_name(name), name


def test_a_declared_list_is_the_whole_rule(tmp_path):
    (tmp_path / "aisci.json").write_text(json.dumps({"wall_clock": ["steps_per_epoch"]}))
    clock = WallClock(tmp_path)
    assert clock("steps_per_epoch") and not clock("train_time") and not clock(None)
    assert clock.rule() == "declared in aisci.json: steps_per_epoch"
    (tmp_path / "aisci.json").write_text(json.dumps({"metric": {"name": "acc"}}))
    assert WallClock(tmp_path)("train_time") and WallClock(tmp_path).rule().startswith("by name")


def test_template_check_names_a_malformed_declaration(tmp_path):
    folder = make_template(tmp_path)
    path = folder / "aisci.json"
    data = json.loads(path.read_text()) if path.is_file() else {}
    assert not [p for p in check_template(folder) if p.field == "wall_clock"]
    path.write_text(json.dumps({**data, "wall_clock": "train_time"}))
    [problem] = [p for p in check_template(folder) if p.field == "wall_clock"]
    assert problem.file == "aisci.json" and "must be a list of metric names" in problem.message
    assert "'train_time'" in problem.message
    # An invalid declaration is no rule: the default by name holds.
    assert WallClock(folder)("train_time")
