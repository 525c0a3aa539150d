"""The aisci command line as a person runs it: real subprocesses, real files, real sandbox."""

import json

import pytest

from tests.helpers import GOOD_RESULT, experiment_source, make_template, run_cli, write_json


def test_template_check_reports_each_problem_and_exits_1(tmp_path):
    folder = make_template(tmp_path)
    write_json(folder / "prompt.json", {"system": "s"})
    (folder / "seed_ideas.json").write_text("{}")
    out = run_cli("template", "check", str(folder))
    assert out.returncode == 1
    assert 'prompt.json: missing key "task_description"' in out.stdout
    assert "seed_ideas.json: must be a list of ideas, found dict" in out.stdout
    assert "2 errors" in out.stdout and "Traceback" not in out.stdout + out.stderr


def test_template_new_passes_check_and_runs(tmp_path):
    out = run_cli("template", "new", "my_study", "--dir", str(tmp_path))
    assert out.returncode == 0, out.stderr
    assert run_cli("template", "check", str(tmp_path / "my_study")).returncode == 0
    out = run_cli(
        "baseline",
        str(tmp_path / "my_study"),
        "--scale",
        "smoke",
        "--results",
        str(tmp_path / "res"),
    )
    assert out.returncode == 0, out.stderr
    assert "val_loss" in out.stdout and "val_loss.png" in out.stdout
    again = run_cli("template", "new", "my_study", "--dir", str(tmp_path))
    assert again.returncode == 1 and "already exists" in again.stderr
    bad = run_cli("template", "new", "My Study", "--dir", str(tmp_path))
    assert bad.returncode == 1 and "snake_case" in bad.stderr


def test_baseline_prints_table_and_reuses_finished_run(tmp_path):
    folder = make_template(tmp_path)
    results = tmp_path / "res"
    first = run_cli("baseline", str(folder), "--scale", "smoke", "--results", str(results))
    assert first.returncode == 0, first.stderr
    assert "sine" in first.stdout and "train_loss" in first.stdout
    state = json.loads((results / "tiny" / "baseline_smoke" / "state.json").read_text())
    assert state["steps"]["run_0"]["sandbox"] in ("bwrap", "none")
    assert state["steps"]["plots"]["figures"] == ["val_loss.png"]
    second = run_cli("baseline", str(folder), "--scale", "smoke", "--results", str(results))
    assert second.returncode == 0 and "reused" in second.stdout


def test_a_baseline_missing_a_package_says_to_install_it_not_to_fix_the_code(tmp_path):
    folder = make_template(
        tmp_path, experiment=experiment_source("import aisci_test_not_installed_pkg\n")
    )
    out = run_cli("baseline", str(folder), "--scale", "smoke", "--results", str(tmp_path / "res"))
    assert out.returncode == 1 and "error: The baseline of tiny failed" in out.stderr, out.stderr
    assert "No module named 'aisci_test_not_installed_pkg'" in out.stderr
    assert (
        "The experiment imports aisci_test_not_installed_pkg, which is not installed in aisci's environment; "
        "the code is not at fault"
    ) in out.stderr
    assert "Fix experiment.py" not in out.stderr


@pytest.mark.parametrize(
    "body,flags,expected",
    [
        ("raise ValueError('bad shape (3, 4)')\n", [], "exited with status 1"),
        ("time.sleep(600)\n", ["--timeout", "2"], "timed out after 2 s"),
        ("pass\n", [], "final_info.json was not written"),
    ],
)
def test_failing_baseline_gives_one_paragraph_and_consistent_state(tmp_path, body, flags, expected):
    folder = make_template(tmp_path, experiment=experiment_source(body))
    results = tmp_path / "res"
    out = run_cli("baseline", str(folder), "--scale", "smoke", "--results", str(results), *flags)
    assert out.returncode == 1
    assert expected in out.stderr
    assert "Traceback" not in out.stderr
    assert "error: The baseline of tiny failed" in out.stderr
    # This experiment.py never reads AISCI_SCALE: no scales, so no scale in the folder's name.
    state = json.loads((results / "tiny" / "baseline" / "state.json").read_text())
    assert state["steps"]["run_0"]["status"] == "failed"
    # Fixed experiment: the same command continues and succeeds.
    (folder / "experiment.py").write_text(experiment_source(GOOD_RESULT))
    (folder / "plot.py").write_text(
        "import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt\n"
        "labels = {'run_0': 'B'}\nplt.plot([1]); plt.savefig('x.png')\n"
    )
    retry = run_cli("baseline", str(folder), "--scale", "smoke", "--results", str(results))
    assert retry.returncode == 0, retry.stderr


def test_broken_template_is_refused_before_running(tmp_path):
    folder = make_template(tmp_path)
    (folder / "prompt.json").unlink()
    out = run_cli("baseline", str(folder), "--results", str(tmp_path / "res"))
    assert out.returncode == 1 and "prompt.json: required file is missing" in out.stderr
    assert not (tmp_path / "res").exists()


def test_debug_shows_traceback(tmp_path):
    out = run_cli(
        "--debug", "baseline", str(tmp_path / "missing"), "--results", str(tmp_path / "res")
    )
    assert out.returncode != 0 and "Traceback" in out.stderr


def test_doctor_offline_and_unreachable_apis(tmp_path):
    out = run_cli("doctor", "--offline")
    assert "pdflatex" in out.stdout and "OPENAI_API_KEY" in out.stdout
    env = {
        "AISCI_S2_API_URL": "http://127.0.0.1:9",
        "AISCI_OPENALEX_API_URL": "http://127.0.0.1:9",
        "AISCI_ARXIV_API_URL": "http://127.0.0.1:9",
        "OPENAI_API_KEY": "sk-secret-value",
    }
    out = run_cli("doctor", env=env)
    assert "sk-secret-value" not in out.stdout
    assert "OPENAI_API_KEY         set" in out.stdout
    assert "Semantic Scholar" in out.stdout and "does not answer" in out.stdout
