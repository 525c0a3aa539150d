import json

import pytest

from aisci.core.template import check_template, load_template
from aisci.errors import TemplateError
from tests.helpers import make_template, write_json


def messages(folder):
    return [str(p) for p in check_template(folder)]


def test_scaffold_is_valid(tmp_path):
    folder = make_template(tmp_path)
    assert [p for p in check_template(folder) if p.is_error] == []
    template = load_template(folder)
    assert template.name == "tiny"
    assert template.seed_ideas[0].name == "baseline"
    assert {k.constant: k.current for k in template.knobs} == {"LEARNING_RATE": 0.1, "DEGREE": 5}


def test_every_problem_reported_in_one_pass(tmp_path):
    folder = make_template(tmp_path)
    write_json(folder / "prompt.json", {"system": "s"})
    write_json(
        folder / "seed_ideas.json",
        [
            {
                "Name": "a",
                "Title": "t",
                "Experiment": "e",
                "Interestingness": 11,
                "Feasibility": "high",
            }
        ],
    )
    (folder / "plot.py").unlink()
    found = messages(folder)
    assert 'prompt.json: missing key "task_description"' in found
    assert "plot.py: required file is missing" in found
    assert any('idea 1 ("a"): "Interestingness" must be from 1 to 10, found 11' in m for m in found)
    assert any('"Feasibility" must be an integer from 1 to 10' in m for m in found)
    assert any('missing key "Novelty"' in m for m in found)


def test_invalid_json_names_file_and_line(tmp_path):
    folder = make_template(tmp_path)
    (folder / "seed_ideas.json").write_text('[\n  {"Name": "x",}\n]\n')
    [problem] = [p for p in check_template(folder) if p.file == "seed_ideas.json"]
    assert problem.line == 2
    assert "invalid JSON" in problem.message


def test_experiment_without_out_dir_and_syntax_error(tmp_path):
    folder = make_template(tmp_path)
    (folder / "experiment.py").write_text("print('hi')\n")
    assert any("experiment.py" in m and "--out_dir" in m for m in messages(folder))
    (folder / "experiment.py").write_text("def f(:\n")
    [p] = [p for p in check_template(folder) if p.file == "experiment.py"]
    assert p.message.startswith("syntax error") and p.line == 1


def test_knob_pointing_to_missing_constant(tmp_path):
    folder = make_template(tmp_path)
    knobs = json.loads((folder / "knobs.json").read_text())
    knobs[0]["constant"] = "NOT_THERE"
    write_json(folder / "knobs.json", knobs)
    assert any(
        'experiment.py has no top-level "NOT_THERE = <literal>"' in m for m in messages(folder)
    )


def test_load_raises_with_all_problems_and_a_hint(tmp_path):
    folder = make_template(tmp_path)
    (folder / "prompt.json").unlink()
    (folder / "latex" / "template.tex").unlink()
    with pytest.raises(TemplateError) as info:
        load_template(folder)
    text = str(info.value)
    assert "2 problems" in text and "prompt.json" in text and "latex/template.tex" in text
    assert text.endswith("Fix them (the first: prompt.json), then run the command again.")
    assert [p.file for p in info.value.problems] == ["prompt.json", "latex/template.tex"]


def test_a_syntax_error_is_one_problem_not_one_per_knob(tmp_path):
    """The knobs' "experiment.py has no X" follow from the syntax error: reported once, by it."""
    folder = make_template(tmp_path)
    source = (folder / "experiment.py").read_text().splitlines()
    line = len(source) + 1  # after the module: never inside a docstring
    (folder / "experiment.py").write_text("\n".join([*source, "def broken(:"]) + "\n")
    errors = [p for p in check_template(folder) if p.is_error]
    assert [(p.file, p.line) for p in errors] == [("experiment.py", line)]
    with pytest.raises(TemplateError) as info:
        load_template(folder)
    assert str(info.value) == (
        f"Template tiny cannot be used: experiment.py:{line}: syntax error: invalid syntax. "
        f"Fix experiment.py:{line}, then run the command again."
    )


def test_knob_problems_sit_on_their_knob_line(tmp_path):
    folder = make_template(tmp_path)
    knobs = json.loads((folder / "knobs.json").read_text())
    knobs[1]["constant"] = "NOT_THERE"
    (folder / "knobs.json").write_text(json.dumps(knobs, indent=2))
    text = (folder / "knobs.json").read_text().splitlines()
    [problem] = [p for p in check_template(folder) if p.file == "knobs.json"]
    assert '"NOT_THERE"' in "\n".join(text[problem.line - 1 :])
    assert text[problem.line - 1].strip() == "{" and problem.line > 2


def test_sentinels_declaration_is_checked(tmp_path):
    folder = make_template(tmp_path)
    write_json(folder / "aisci.json", {"sentinels": [{"metric": "steps", "means": "never"}]})
    [problem] = [p for p in check_template(folder) if p.file == "aisci.json"]
    assert 'exactly one of "valid_when"' in problem.message and problem.line == 2  # "sentinels"
    write_json(
        folder / "aisci.json",
        {"sentinels": [{"metric": "steps", "value": -1, "means": "never reached"}]},
    )
    assert [p for p in check_template(folder) if p.file == "aisci.json"] == []


def test_missing_folder(tmp_path):
    [p] = check_template(tmp_path / "nope")
    assert "does not exist" in p.message


def test_original_system_template_loads_unchanged(tmp_path):
    """The original system's layout: argparse --out_dir, labels in plot.py, its own LaTeX style,
    no knobs.json, and a run_0 already present in the template folder."""
    folder = tmp_path / "orig"
    (folder / "latex").mkdir(parents=True)
    (folder / "run_0").mkdir()
    (folder / "experiment.py").write_text(
        "import argparse\nparser = argparse.ArgumentParser()\n"
        "parser.add_argument('--out_dir', type=str, default='run_0')\nargs = parser.parse_args()\n"
    )
    (folder / "plot.py").write_text("labels = {'run_0': 'Baselines'}\n")
    write_json(
        folder / "prompt.json",
        {
            "system": "You are an ambitious AI PhD student.",
            "task_description": "You are given the following file...",
        },
    )
    write_json(
        folder / "seed_ideas.json",
        [
            {
                "Name": "learning_rate",
                "Title": "T",
                "Experiment": "E",
                "Interestingness": 4,
                "Feasibility": 10,
                "Novelty": 3,
            }
        ],
    )
    (folder / "latex" / "template.tex").write_text(
        "\\documentclass{article}\n\\usepackage{iclr2024_conference,times}\n\\begin{document}\n\\end{document}\n"
    )
    (folder / "latex" / "iclr2024_conference.sty").write_text("% style\n")
    template = load_template(folder)
    assert template.knobs == () and template.seed_ideas[0].name == "learning_rate"
    assert [p for p in check_template(folder) if p.is_error] == []
