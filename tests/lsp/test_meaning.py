"""lsp/meaning.py: the declared metric and the sentinels' stand-ins of a results folder."""

import json

from aisci.lsp import meaning
from aisci.lsp.wire import FolderRuns, RunInfo, SearchMetric, to_wire

DECLARED = {
    "metric": {"name": "final_val_acc", "dataset": "x_plus_y", "direction": "max"},
    "sentinels": [
        {
            "metric": "step_val_acc_99",
            "valid_when": "reached_val_acc_99",
            "means": "validation accuracy never reached 0.99",
        }
    ],
}


def test_a_folder_reads_its_own_declaration_else_its_templates(tmp_path):
    template = tmp_path / "templates" / "g"
    template.mkdir(parents=True)
    for name in ("experiment.py", "prompt.json"):  # what makes a folder a template
        (template / name).write_text("{}")
    (template / "aisci.json").write_text(json.dumps(DECLARED))
    folder = tmp_path / "results" / "g" / "20260101_000000_idea"
    folder.mkdir(parents=True)
    state = {"steps": {"created": {"template_path": str(template)}}}
    (folder / "state.json").write_text(json.dumps(state))
    metric, declared = meaning.of_folder(folder)  # made before the template declared them
    assert metric is not None and (metric.name, metric.direction) == ("final_val_acc", "max")
    assert [s.metric for s in declared] == ["step_val_acc_99"]
    (folder / "aisci.json").write_text(
        json.dumps({"metric": {**DECLARED["metric"], "direction": "min"}})
    )
    metric, declared = meaning.of_folder(folder)
    assert metric is not None and metric.direction == "min"  # its own copy wins
    assert [s.metric for s in declared] == ["step_val_acc_99"]


def test_a_stand_in_is_named_per_data_set_and_sent_to_the_editor(tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "aisci.json").write_text(json.dumps(DECLARED))
    _, declared = meaning.of_folder(folder)
    means = {
        "x_plus_y": {"step_val_acc_99": 300.0, "reached_val_acc_99": 0.0},
        "x_minus_y": {"step_val_acc_99": 1450.0, "reached_val_acc_99": 1.0},
    }
    found = meaning.not_reached(declared, means)
    assert found == {"x_plus_y": {"step_val_acc_99": "validation accuracy never reached 0.99"}}
    assert meaning.not_reached([], means) == {}
    run = RunInfo("run_0", "done", "", means, 1.0, None, "/x", None, found)
    sent = to_wire(
        FolderRuns("/f", "i", None, [run], SearchMetric("final_val_acc", None, "max", "t"))
    )
    assert sent["runs"][0]["notReached"] == found
    assert sent["metric"]["direction"] == "max"


def test_a_searched_folder_is_judged_by_its_searchs_metric(tmp_path):
    """The Runs view ranks as the Search tree does: by the metric tree.json records."""
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "aisci.json").write_text(json.dumps(DECLARED))
    searched = {"name": "val_loss", "dataset": None, "direction": "min", "source": "scientist"}
    (folder / "tree.json").write_text(json.dumps({"search": "tree", "metric": searched}))
    metric, _ = meaning.of_folder(folder)
    assert metric is not None and (metric.name, metric.direction) == ("val_loss", "min")
    (folder / "tree.json").write_text("{not json")  # a broken record: the declared metric
    metric, _ = meaning.of_folder(folder)
    assert metric is not None and metric.name == "final_val_acc"
