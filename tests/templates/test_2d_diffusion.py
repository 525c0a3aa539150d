"""The 2d_diffusion template: its smoke scale through the real CLI, its bad inputs, its parts.

The slow test runs `aisci baseline templates/2d_diffusion --scale smoke` as a subprocess and
checks the results the template promises; the fast ones run experiment.py with a bad scale and
load the module to check the data generators and the k-NN KL estimator against known values.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "templates" / "2d_diffusion"
DATASETS = {"circle", "dino", "line", "moons"}
METRICS = {"eval_loss", "kl_divergence", "training_time", "inference_time"}


@pytest.fixture(scope="module")
def experiment():
    """experiment.py loaded as a module (its main() does not run on import)."""
    spec = importlib.util.spec_from_file_location(
        "diffusion_2d_experiment", TEMPLATE / "experiment.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    saved, sys.dont_write_bytecode = sys.dont_write_bytecode, True  # no __pycache__ in the template
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.dont_write_bytecode = saved
        sys.modules.pop(spec.name, None)


@pytest.mark.slow
def test_smoke_baseline_through_the_cli(tmp_path):
    proc = subprocess.run(
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
    assert proc.returncode == 0, proc.stdout + proc.stderr
    folder = tmp_path / "2d_diffusion" / "baseline_smoke"
    info = json.loads((folder / "run_0" / "final_info.json").read_text())
    assert set(info) == DATASETS
    for name, entry in info.items():
        assert set(entry["means"]) == METRICS, name
        assert "stderrs" not in entry, name  # one seed at the smoke scale: no spread to report
        for metric, values in entry["final_info_dict"].items():
            assert len(values) >= 1 and all(math.isfinite(v) for v in values), (name, metric)
        means = entry["means"]
        # Untrained, the noise-prediction MSE is ~1 (the noise has unit variance); training lowers it.
        assert 0.0 < means["eval_loss"] < 0.6, (name, means)
        # The estimator can dip slightly below 0 by chance; a collapsed model gives several nats.
        assert -0.5 < means["kl_divergence"] < 3.0, (name, means)
        assert means["training_time"] > 0 and means["inference_time"] > 0, (name, means)

    results = json.loads((folder / "run_0" / "all_results.json").read_text())
    assert set(results) == DATASETS
    for name, entry in results.items():
        samples = np.asarray(entry["samples"])
        assert samples.ndim == 2 and samples.shape[1] == 2 and len(samples) >= 500, name
        assert np.isfinite(samples).all(), name
        assert len(entry["train_loss"][0]) > 0, name
        # The loss curve falls from ~1 at the start.
        assert entry["train_loss"][0][-1] < entry["train_loss"][0][0], name

    pngs = {p.name for p in folder.glob("*.png")}
    assert {"generated_images.png", "train_loss.png"} <= pngs


def test_unknown_scale_exits_2_with_the_allowed_values(tmp_path):
    env = {**os.environ, "AISCI_SCALE": "huge"}
    proc = subprocess.run(
        [sys.executable, str(TEMPLATE / "experiment.py"), "--out_dir=run_0"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "AISCI_SCALE" in proc.stderr and "'huge'" in proc.stderr
    for scale in ("smoke", "cpu", "full"):
        assert scale in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "run_0" / "final_info.json").exists()


def test_datasets_are_deterministic_centred_and_unit_scale(experiment):
    for name in sorted(DATASETS):
        a = experiment.make_dataset(name, 5000, seed=7)
        b = experiment.make_dataset(name, 5000, seed=7)
        c = experiment.make_dataset(name, 5000, seed=8)
        assert a.shape == (5000, 2) and a.dtype == np.float32
        assert np.array_equal(a, b), name
        assert not np.array_equal(a, c), name
        assert np.abs(a.mean(axis=0)).max() < 1e-4, name
        assert abs(float((a**2).sum(axis=1).mean()) / 2 - 1.0) < 1e-3, name


def test_datasets_have_their_shapes(experiment):
    circle = experiment.make_dataset("circle", 4000, seed=0)
    radius = np.linalg.norm(circle, axis=1)
    assert radius.std() / radius.mean() < 0.05  # points lie on a ring
    line = experiment.make_dataset("line", 4000, seed=0)
    singular = np.linalg.svd(line - line.mean(0), compute_uv=False)
    assert singular[1] / singular[0] < 0.05  # one direction carries almost all the spread
    moons = experiment.make_dataset("moons", 4000, seed=0)
    assert np.linalg.norm(moons, axis=1).min() < 0.5 < np.linalg.norm(moons, axis=1).max()
    dino = experiment.make_dataset("dino", 4000, seed=0)
    assert np.ptp(dino[:, 0]) > np.ptp(dino[:, 1])  # a side view: wider than tall


def test_knn_kl_divergence_matches_known_values(experiment):
    rng = np.random.default_rng(0)
    p = rng.normal(size=(4000, 2))
    q_same = rng.normal(size=(4000, 2))
    shift = np.array([1.0, 0.0])
    q_shifted = rng.normal(size=(4000, 2)) + shift
    same = experiment.knn_kl_divergence(p, q_same, k=5)
    shifted = experiment.knn_kl_divergence(p, q_shifted, k=5)
    assert abs(same) < 0.05
    # KL(N(0, I) || N(mu, I)) = |mu|^2 / 2 = 0.5 nats.
    assert abs(shifted - 0.5) < 0.1
