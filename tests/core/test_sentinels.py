"""Sentinels declared in aisci.json: validation, reading, and telling a stand-in from a result."""

from __future__ import annotations

import json
from pathlib import Path

from aisci.core.sentinels import Sentinel, declared, not_reached, problems

GROKKING = {
    "metric": "step_val_acc_99",
    "valid_when": "reached_val_acc_99",
    "means": "validation accuracy never reached 0.99",
}


def _template(tmp_path: Path, data: object) -> Path:
    (tmp_path / "aisci.json").write_text(json.dumps(data))
    return tmp_path


def test_declared_reads_both_kinds(tmp_path: Path) -> None:
    folder = _template(
        tmp_path,
        {
            "metric": {"name": "x", "direction": "max"},
            "sentinels": [
                GROKKING,
                {"metric": "best_epoch", "value": -1, "means": "no improvement"},
            ],
        },
    )
    assert declared(folder) == [
        Sentinel("step_val_acc_99", "validation accuracy never reached 0.99", "reached_val_acc_99"),
        Sentinel("best_epoch", "no improvement", value=-1.0),
    ]


def test_declared_is_empty_without_file_section_or_valid_json(tmp_path: Path) -> None:
    assert declared(tmp_path) == []
    assert declared(_template(tmp_path, {"metric": {"name": "x"}})) == []
    (tmp_path / "aisci.json").write_text("{not json")
    assert declared(tmp_path) == []
    # an invalid section gives none rather than half of it: the template check reports it
    assert declared(_template(tmp_path, {"sentinels": [GROKKING, {"metric": "y"}]})) == []


def test_problems_name_the_entry_and_what_was_expected() -> None:
    assert problems([GROKKING]) == []
    assert problems({"metric": "x"})[0].startswith('"sentinels" must be a list')
    found = problems([GROKKING, "x", {"metric": "", "means": " ", "value": "300", "colour": 1}])
    assert found[0] == '"sentinels[1]" must be an object, found str'
    assert any('"sentinels[2]": "metric" must name' in p for p in found)
    assert any('"sentinels[2]": "means" must say' in p for p in found)
    assert any("\"value\" must be a finite number, not '300'" in p for p in found)
    assert any('unknown key "colour"' in p for p in found)


def test_problems_want_exactly_one_of_flag_or_value() -> None:
    both = dict(GROKKING, value=300)
    neither = {"metric": "m", "means": "never"}
    for entry in (both, neither):
        assert problems([entry]) == [
            '"sentinels[0]": give exactly one of "valid_when" (a 0/1 key) or "value" (a number)'
        ]
    assert problems([{"metric": "m", "means": "x", "value": True}])  # a bool is not a number


def test_not_reached_by_flag() -> None:
    sentinels = [Sentinel("step_val_acc_99", "never reached", "reached_val_acc_99")]
    never = {"step_val_acc_99": 300.0, "reached_val_acc_99": 0.0}
    some_seeds = {"step_val_acc_99": 2100.0, "reached_val_acc_99": 2 / 3}
    all_seeds = {"step_val_acc_99": 1450.0, "reached_val_acc_99": 1.0}
    assert not_reached(sentinels, "step_val_acc_99", 300, never) is sentinels[0]
    assert not_reached(sentinels, "step_val_acc_99", 2100, some_seeds) is sentinels[0]
    assert not_reached(sentinels, "step_val_acc_99", 1450, all_seeds) is None
    assert not_reached(sentinels, "final_val_acc", 0.4, never) is None  # another metric
    # a run written before the flag existed says nothing either way: treated as measured
    assert not_reached(sentinels, "step_val_acc_99", 300, {"step_val_acc_99": 300.0}) is None


def test_not_reached_by_value() -> None:
    sentinels = [Sentinel("best_epoch", "no epoch improved", value=-1.0)]
    assert not_reached(sentinels, "best_epoch", -1, {}) is sentinels[0]
    assert not_reached(sentinels, "best_epoch", -1.0000001, {}) is None
    assert not_reached(sentinels, "best_epoch", 4, {}) is None
    assert sentinels[0].describe() == "-1 is best_epoch's stand-in: no epoch improved"
