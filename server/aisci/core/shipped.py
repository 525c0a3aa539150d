"""The templates that ship with aisci: their names, where they are, and what a copy of one takes.

Contract: ``NAMES`` are the shipped templates (folders of the repository's ``templates/``).
The wheel carries each as ``aisci/shipped/<name>/`` (setup.py copies them there at build time,
leaving out what ``skipped`` names); ``find(name)`` returns that folder, or, in a repository
checkout or an editable install where the package has none, ``templates/<name>`` beside
``server/``. ``in_package(path)`` tells whether a folder is the installed package's copy, which
nothing may write into (copy it first: ``aisci template copy``).

setup.py loads this file by its path while the wheel is built, before any of aisci's
dependencies exist and without importing the package: it imports the standard library only.
"""

from __future__ import annotations

import re
from pathlib import Path

NAMES = ("grokking", "2d_diffusion", "nanogpt", "compressed_cnn")

_PACKAGE = Path(__file__).resolve().parents[1]
_IN_PACKAGE = _PACKAGE / "shipped"
_IN_CHECKOUT = _PACKAGE.parents[1] / "templates"
# Files a template folder may hold that are not the template: what a run or a prepared data
# set leaves behind when someone ran experiment.py inside the folder itself.
_DATA_SUFFIXES = (
    ".bin",
    ".ckpt",
    ".gz",
    ".h5",
    ".log",
    ".npy",
    ".npz",
    ".pickle",
    ".pkl",
    ".pt",
    ".pth",
    ".pyc",
    ".tar",
    ".zip",
)
_RUN_FOLDER = re.compile(r"run_\d+")


def skipped(name: str) -> bool:
    """Whether a file or folder of this name stays out of the wheel and out of a copy: run
    folders, results, caches, hidden files and data files."""
    return (
        name in ("__pycache__", "results")
        or name.startswith(".")
        or bool(_RUN_FOLDER.fullmatch(name))
        or name.endswith(_DATA_SUFFIXES)
    )


def root() -> Path:
    """The folder that holds the shipped templates: the package's own copy when it has one."""
    return _IN_PACKAGE if _IN_PACKAGE.is_dir() else _IN_CHECKOUT


def find(name: str) -> Path | None:
    """The shipped template called ``name``, or None (an unknown name, or a package built
    without its templates)."""
    if name not in NAMES:
        return None
    folder = root() / name
    return folder if (folder / "experiment.py").is_file() else None


def in_package(path: Path) -> bool:
    """Whether ``path`` lies in the installed package's copy of the shipped templates."""
    return Path(path).resolve().is_relative_to(_IN_PACKAGE)
