"""The shipped templates as a researcher meets them: what each studies and needs, a copy of one.

Contract: ``describe(name)`` reads a shipped template (core/shipped.py finds it) into a
``ShippedTemplate``: what it studies (``description`` in its aisci.json, else its README's
title, else the first sentence of prompt.json's task), its scales, the data sets its aisci.json
declares and which of them are not prepared yet in the data folder (a set is prepared when its
``manifest.json``, which every prepare.py writes last, is there). ``copy_template(name, dest)``
copies one into a folder the researcher owns, refusing a folder that exists;
``prepare_script(name)`` is the template's prepare.py, if it has one. Nothing here prints or
runs a process: the front ends do.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from aisci.core import shipped
from aisci.core.settings import SCALES
from aisci.core.template_env import has_scales
from aisci.errors import ConfigError
from aisci.execution import safefs
from aisci.execution.contract import cluster_needs
from aisci.execution.runner import data_dir


@dataclass(frozen=True)
class ShippedTemplate:
    name: str
    folder: Path
    studies: str
    scales: tuple[str, ...]  # empty: experiment.py never reads AISCI_SCALE
    data: tuple[str, ...]  # data sets under the data folder that its runs read
    unprepared: tuple[str, ...]  # those of ``data`` not prepared yet
    has_prepare: bool


def data_prepared(data_set: str) -> bool:
    """Whether the data set is complete in the data folder (its manifest is written last)."""
    return (data_dir() / data_set / "manifest.json").is_file()


def shipped_folder(name: str) -> Path:
    """The shipped template ``name``, or a ConfigError naming the ones there are."""
    folder = shipped.find(name)
    if folder is not None:
        return folder
    if name in shipped.NAMES:
        raise ConfigError(
            f"The shipped template {name} is missing from {shipped.root()}: this aisci was "
            "installed without its templates.",
            "Reinstall aisci from its wheel (a wheel built from the repository carries them).",
        )
    raise ConfigError(
        f"No shipped template is called {name!r}.",
        f"The shipped templates are: {', '.join(shipped.NAMES)} (aisci template list).",
    )


def describe(name: str) -> ShippedTemplate:
    folder = shipped_folder(name)
    _cpus, _gpus, data = cluster_needs(folder)
    return ShippedTemplate(
        name=name,
        folder=folder,
        studies=_studies(folder),
        scales=SCALES if has_scales(folder) else (),
        data=data,
        unprepared=tuple(d for d in data if not data_prepared(d)),
        has_prepare=(folder / "prepare.py").is_file(),
    )


def copy_template(name: str, dest: Path) -> Path:
    """A copy of the shipped template ``name`` at ``dest`` (which must not exist); ``dest``."""
    folder = shipped_folder(name)
    if dest.exists() or dest.is_symlink():
        raise ConfigError(
            f"Cannot copy the shipped template {name}: {dest} already exists; it was left as it is.",
            f"Give another destination (aisci template copy {name} PATH), or remove that folder first.",
        )
    safefs.copy_tree(folder, dest, skip=shipped.skipped)
    return dest


def prepare_script(name: str) -> Path | None:
    script = shipped_folder(name) / "prepare.py"
    return script if script.is_file() else None


def _studies(folder: Path) -> str:
    """One line on what the template studies, from the first of its files that says it."""
    declared = _json(folder / "aisci.json").get("description")
    if isinstance(declared, str) and declared.strip():
        return declared.strip()
    readme = folder / "README.md"
    if readme.is_file():
        title = readme.read_text(encoding="utf-8").splitlines()[:1]
        # "# nanogpt: a character-level GPT on Shakespeare" -> the words after the name
        if title and ":" in title[0]:
            return title[0].split(":", 1)[1].strip()
    task = _json(folder / "prompt.json").get("task_description")
    if isinstance(task, str):
        return re.split(r"(?<=\.)\s", task.strip(), maxsplit=1)[0]
    return ""


def _json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # the template check reports a missing or broken file; a listing does not
    return data if isinstance(data, dict) else {}
