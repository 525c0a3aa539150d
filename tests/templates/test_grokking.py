"""The grokking template: its smoke scale through the real CLI, and its answers to bad input."""

from __future__ import annotations

import importlib.util
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

TEMPLATE = Path(__file__).resolve().parents[2] / "templates" / "grokking"
METRICS = (
    "final_train_loss",
    "final_val_loss",
    "final_train_acc",
    "final_val_acc",
    "step_val_acc_99",
    "reached_val_acc_99",
)


def run_experiment(cwd: Path, scale: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "AISCI_SCALE": scale}
    return subprocess.run(
        [sys.executable, str(TEMPLATE / "experiment.py"), "--out_dir=run_0"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_unknown_scale_exits_2_naming_the_allowed_values(tmp_path):
    out = run_experiment(tmp_path, "huge")
    assert out.returncode == 2
    assert "AISCI_SCALE" in out.stderr and "'huge'" in out.stderr
    assert "smoke, cpu, full" in out.stderr
    assert "Traceback" not in out.stderr
    assert not (tmp_path / "run_0").exists()


def test_datasets_have_the_expected_sizes_and_answers():
    # A unique module name: other templates also have an experiment.py.
    spec = importlib.util.spec_from_file_location("grokking_experiment", TEMPLATE / "experiment.py")
    exp = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = exp  # dataclasses look their module up while the class is built
    spec.loader.exec_module(exp)
    cfg = exp.config_for("full")
    sizes = {name: len(exp.make_task(name, cfg).targets) for name in exp.ALL_DATASETS}
    assert sizes == {
        "x_plus_y": 97 * 97,
        "x_minus_y": 97 * 97,
        "x_div_y": 97 * 96,
        "permutation": 120 * 120,
    }
    div = exp.make_task("x_div_y", cfg)
    # x / y is the z with z * y = x (mod 97), for every row.
    x, y, z = div.inputs[:, 0], div.inputs[:, 2], div.targets
    assert bool(((z * y) % 97 == x).all())
    train, val = exp.split(div, 0.5, seed=3)
    again, _ = exp.split(div, 0.5, seed=3)
    assert len(train) == len(div.targets) // 2 and len(set(train.tolist()) & set(val.tolist())) == 0
    assert train.tolist() == again.tolist()


@pytest.mark.slow
def test_smoke_baseline_through_the_cli(tmp_path):
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "aisci",
            "baseline",
            str(TEMPLATE),
            "--scale",
            "smoke",
            "--results",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    folder = tmp_path / "grokking" / "baseline_smoke"
    info = json.loads((folder / "run_0" / "final_info.json").read_text())
    assert set(info) == {"x_plus_y"}
    result = info["x_plus_y"]
    for metric in METRICS:
        assert math.isfinite(result["means"][metric]), metric
        assert metric not in result.get("stderrs", {})  # one seed at the smoke scale: no spread
        assert len(result["final_info_dict"][metric]) == 1
    means = result["means"]
    assert 0.0 <= means["final_val_acc"] <= 1.0 and 0.0 <= means["final_train_acc"] <= 1.0
    assert means["final_train_acc"] > 0.5  # 300 steps are enough to fit most of the training set
    assert 0 < means["final_train_loss"] < 10 and 0 < means["final_val_loss"] < 20
    assert 0 < means["step_val_acc_99"] <= 300
    # The flag says whether step_val_acc_99 is a measurement or the steps trained (a stand-in).
    assert means["reached_val_acc_99"] in (0.0, 1.0)
    if means["reached_val_acc_99"] == 0.0:
        assert means["step_val_acc_99"] == 300
    curves = json.loads((folder / "run_0" / "all_results.json").read_text())["curves"]["x_plus_y"][
        "seed_0"
    ]
    assert curves["step"][-1] == 300 and len(curves["val_acc"]) == len(curves["step"])
    for name in ("train_acc", "val_acc", "train_loss", "val_loss"):
        png = folder / f"{name}_x_plus_y.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
