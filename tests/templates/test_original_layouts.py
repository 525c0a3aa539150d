"""Templates in the original system's layout (our own stand-ins in tests/templates/original_layouts:
argparse --out_dir, no AISCI_SCALE, plot.py with labels) go through check, knobs, baseline and a
sweep launch; a missing package is found by the check, not by a failed run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from aisci.core.knobs import propose_knobs
from aisci.core.template import check_template, load_template
from tests.helpers import run_cli

LAYOUTS = Path(__file__).parent / "original_layouts"
NAMES = ("grokking_like", "diffusion_like", "seir_like")
EXPECTED_KNOBS = {
    "grokking_like": ["MODULUS", "LEARNING_RATE", "NUM_STEPS", "TRAIN_FRACTION"],
    "diffusion_like": ["--learning_rate", "--num_train_steps", "--noise_scale"],
    "seir_like": ["BETA", "SIGMA", "GAMMA", "DAYS"],
}


def copy_layout(tmp_path: Path, name: str) -> Path:
    dest = tmp_path / name
    shutil.copytree(
        LAYOUTS / name, dest, ignore=shutil.ignore_patterns("__pycache__", "run_*", "*.png")
    )
    return dest


@pytest.mark.parametrize("name", NAMES)
def test_check_passes_and_says_the_template_has_no_scales(name):
    problems = check_template(LAYOUTS / name)
    assert [p for p in problems if p.is_error] == []
    assert [str(p) for p in problems] == [
        "experiment.py: warning: this template has no scales (it never reads AISCI_SCALE): "
        "--scale smoke runs its whole study"
    ]
    assert load_template(LAYOUTS / name).has_scales is False


@pytest.mark.parametrize("name", NAMES)
def test_knobs_are_proposed_with_their_lines_and_values(name):
    proposals = propose_knobs(LAYOUTS / name / "experiment.py")
    assert [p.target for p in proposals] == EXPECTED_KNOBS[name]
    source = (LAYOUTS / name / "experiment.py").read_text().splitlines()
    for p in proposals:
        assert p.target.lstrip("-") in source[p.line - 1] and repr(p.value) in source[p.line - 1]
        assert p.value in p.values and len(p.values) == 3


def test_missing_packages_are_listed_with_what_to_do(tmp_path):
    folder = copy_layout(tmp_path, "diffusion_like")
    source = (folder / "experiment.py").read_text()
    (folder / "experiment.py").write_text(
        "import einops_not_installed_here\nfrom npeet import entropy_estimators\nimport sklearn.datasets\n"
        "try:\n    import optional_extra_module\nexcept ImportError:\n    optional_extra_module = None\n"
        + source
    )
    (folder / "helpers.py").write_text("import os\n")  # the template's own module: never listed
    (folder / "plot.py").write_text("import helpers\n" + (folder / "plot.py").read_text())
    found = [p for p in check_template(folder) if "not installed" in p.message]
    assert all(not p.is_error for p in found)  # warnings: the template itself is valid
    by_module = {p.message.split()[1].rstrip(","): p for p in found}
    assert (
        "optional_extra_module" not in by_module
        and "helpers" not in by_module
        and "os" not in by_module
    )
    assert by_module["einops_not_installed_here"].line == 1
    assert "no install command is known" in by_module["einops_not_installed_here"].message
    assert "npeet is not on PyPI under that name" in by_module["npeet"].message
    assert by_module["npeet"].line == 2
    try:
        import sklearn  # noqa: F401 - only whether it is installed
    except ImportError:
        assert "pip install 'scikit-learn'" in by_module["sklearn"].message
    else:
        assert "sklearn" not in by_module


def test_knobs_command_refuses_without_a_terminal_and_writes_with_yes(tmp_path):
    folder = copy_layout(tmp_path, "seir_like")
    refused = run_cli("template", "knobs", str(folder))  # stdin of a test is no terminal
    assert (
        refused.returncode == 1
        and "stdin is not a terminal" in refused.stderr
        and "--yes" in refused.stderr
    )
    assert not (folder / "knobs.json").exists()
    written = run_cli("template", "knobs", str(folder), "--yes")
    assert written.returncode == 0, written.stderr
    assert "BETA  line 8: 0.4 -> values [0.2, 0.4, 0.8]" in written.stdout
    knobs = json.loads((folder / "knobs.json").read_text())
    assert knobs[0] == {
        "name": "beta",
        "constant": "BETA",
        "values": [0.2, 0.4, 0.8],
        "description": "contacts that transmit, per day",
    }
    again = run_cli("template", "knobs", str(folder), "--yes")
    assert again.returncode == 1 and "already exists" in again.stderr and "--force" in again.stderr


def test_interactive_knobs_keep_the_numbers_chosen(tmp_path, monkeypatch, capsys):
    from aisci.commands.template import template_knobs

    folder = copy_layout(tmp_path, "grokking_like")
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    assert template_knobs(folder, yes=False, force=False, ask=lambda _: "2, 3") == 0
    assert [k["constant"] for k in json.loads((folder / "knobs.json").read_text())] == [
        "LEARNING_RATE",
        "NUM_STEPS",
    ]
    assert template_knobs(folder, yes=False, force=True, ask=lambda _: "n") == 1
    assert "Nothing written" in capsys.readouterr().out


def test_a_dead_knob_is_warned_about(tmp_path):
    folder = copy_layout(tmp_path, "seir_like")
    (folder / "experiment.py").write_text(
        (folder / "experiment.py").read_text() + "UNUSED_RATE = 0.5\n"
    )
    (folder / "knobs.json").write_text(
        json.dumps(
            [
                {"name": "beta", "constant": "BETA", "values": [0.2, 0.4], "description": "b"},
                {
                    "name": "unused",
                    "constant": "UNUSED_RATE",
                    "values": [0.5, 1.0],
                    "description": "u",
                },
            ]
        )
    )
    warnings = [str(p) for p in check_template(folder) if p.file == "knobs.json"]
    assert warnings == [
        'knobs.json:1: warning: knob 2 ("unused"): UNUSED_RATE is never read in experiment.py, so a '
        "sweep of it changes nothing; remove the knob or use the value"
    ]
    assert "UNUSED_RATE" not in [p.target for p in propose_knobs(folder / "experiment.py")]


def test_a_template_without_scales_names_no_scale_in_its_baseline_folder_or_paper(tmp_path):
    from aisci.core import events as ev
    from aisci.core.context import Context
    from aisci.core.settings import Settings
    from aisci.paper.stages import paper_job

    folder = copy_layout(tmp_path, "seir_like")
    results = tmp_path / "results"
    first = run_cli("baseline", str(folder), "--scale", "smoke", "--results", str(results))
    assert first.returncode == 0, first.stderr
    assert "Baseline of seir_like (no scales: its whole study): ran in" in first.stdout
    assert f"Folder: {results / 'seir_like' / 'baseline'}" in first.stdout
    assert sorted(
        p.name for p in (results / "seir_like").iterdir() if p.name.startswith("baseline")
    ) == ["baseline"]
    assert (
        json.loads((results / "seir_like" / "baseline" / "state.json").read_text())["scale"] is None
    )
    # Every scale is the same study: another --scale reuses it rather than running it again.
    again = run_cli("baseline", str(folder), "--scale", "cpu", "--results", str(results))
    assert again.returncode == 0 and "(no scales: its whole study): reused" in again.stdout, (
        again.stderr
    )

    assert run_cli("template", "knobs", str(folder), "--yes").returncode == 0
    launch = run_cli(
        "launch",
        "--template",
        str(folder),
        "--scientist",
        "sweep",
        "--scale",
        "smoke",
        "--engine",
        "local",
        "--num-ideas",
        "1",
        "--writeup",
        "none",
        "--results",
        str(results),
    )
    assert launch.returncode == 0, launch.stdout + launch.stderr
    assert not (results / "seir_like" / "baseline_smoke").exists()
    [idea] = [p for p in (results / "seir_like").iterdir() if "_sweep_" in p.name]
    ctx = Context(Settings(results=results, scale="smoke"), ev.CollectingReporter())
    assert (
        paper_job(idea, ctx).scale is None
    )  # the sweep report names no scale that was not applied


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_check_knobs_baseline_and_sweep_launch(tmp_path, name):
    folder = copy_layout(tmp_path, name)
    results = tmp_path / "results"
    check = run_cli("template", "check", str(folder))
    assert check.returncode == 0 and "has no scales" in check.stdout, check.stdout
    knobs = run_cli("template", "knobs", str(folder), "--yes")
    assert knobs.returncode == 0, knobs.stderr
    assert (
        "knobs.json" not in run_cli("template", "check", str(folder)).stdout
    )  # every knob holds and is read

    baseline = run_cli("baseline", str(folder), "--scale", "smoke", "--results", str(results))
    assert baseline.returncode == 0, baseline.stdout + baseline.stderr
    assert (
        "has no scales" in baseline.stderr
        and "--scale smoke runs its whole study" in baseline.stderr
    )
    assert "n/a" in baseline.stdout  # the results table: no stderrs reported, no false ± 0

    launch = run_cli(
        "launch",
        "--template",
        str(folder),
        "--scientist",
        "sweep",
        "--scale",
        "smoke",
        "--engine",
        "local",
        "--num-ideas",
        "1",
        "--writeup",
        "latex" if name == "diffusion_like" else "none",
        "--results",
        str(results),
        "--parallel",
        "0",
    )
    assert launch.returncode == 0, launch.stdout + launch.stderr
    [idea] = [
        p
        for p in (results / name).iterdir()
        if p.name.endswith(f"_sweep_{EXPECTED_KNOBS[name][0].lstrip('-').lower()}")
    ]
    first = json.loads((folder / "knobs.json").read_text())[0]
    assert len(list(idea.glob("run_*/final_info.json"))) == 3  # the baseline and two other values
    changed = (idea / "run_1.py").read_text()
    target = first.get("constant") or first["argument"]
    assert (
        f"{target} = {first['values'][0]!r}" in changed
        if "constant" in first
        else f'"{target}", type=float, default={first["values"][0]!r}' in changed
    )
    assert (idea / "curves.png").stat().st_size > 1000
    if name == "diffusion_like":
        assert (idea / f"{idea.name.split('_', 2)[-1]}.pdf").is_file()
