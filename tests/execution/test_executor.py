"""The executor protocol's local implementation, and the message when Ray is missing."""

from __future__ import annotations

import sys

import pytest

from aisci.errors import ConfigError
from aisci.execution.executor import ExecutorSettings, LocalExecutor, RunSpec, make_executor
from tests.helpers import GOOD_RESULT, experiment_source


def test_the_local_executor_runs_here_and_says_so(tmp_path):
    (tmp_path / "experiment.py").write_text(experiment_source(GOOD_RESULT))
    placed = []
    result = LocalExecutor().run(
        RunSpec(tmp_path, 1, 60, sandbox="none"), on_progress=lambda w, t: placed.append(w)
    )
    assert result.ok and placed == ["this machine"] and result.node is None
    assert (tmp_path / "run_1" / "final_info.json").is_file()


def test_ray_missing_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` now raises ImportError
    with pytest.raises(ConfigError) as info:
        make_executor(ExecutorSettings(kind="ray"))
    assert "pip install 'aisci[ray]'" in str(info.value) and "--executor local" in str(info.value)


def test_an_unknown_executor_is_named():
    with pytest.raises(ConfigError, match="Unknown executor 'slurm'"):
        make_executor(ExecutorSettings(kind="slurm"))
