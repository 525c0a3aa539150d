"""Folders aisci works in, laid out as the original system lays them out.

``results/<template>/<YYYYMMDD_HHMMSS>_<Name>/`` is an idea folder: a copy of the template,
the baseline's ``run_0``, then ``run_i.py`` and ``run_i/`` per run, ``notes.txt``, figures,
``latex/``, ``<Name>.pdf``, ``review.txt``, and our ``state.json``.
``results/<template>/baseline_<scale>/`` holds the baseline run that idea folders copy;
``results/<template>/baseline/`` for a template without scales (its one study, whatever
``--scale`` says), so no folder is named after a scale that was not applied.

The baseline's ``run_0`` was written by a run, so its copy is bounded (``safetree.RUN_COPY``:
levels, files, bytes by apparent size; holes stay holes) and what it leaves out (a link, a
special file, a name the file system refuses, whatever is past the budget) is logged and
recorded in the idea's state under ``created.left_out``, never fatal. A copy rather than a shared
read-only run_0: a hard link would let one idea's run change another's baseline, and a bounded
copy costs little.
"""

from __future__ import annotations

import json
import logging
import re
import time
from pathlib import Path
from typing import Any

from aisci.core.ideas import Idea, folder_safe_name
from aisci.core.state import State
from aisci.core.template import Template
from aisci.errors import AisciError
from aisci.execution import safefs, safetree

log = logging.getLogger(__name__)

# Never copied from a template: earlier runs, caches, the record of its drafting from a topic
# (topic/draft_record.py), and LaTeX build products.
_SKIP = re.compile(
    r"^(run_\d+|__pycache__|\.aisci|drafting|state\.json|.*\.(aux|log|bbl|blg|fls|fdb_latexmk|out|synctex\.gz|pdf))$"
)
IDEA_FOLDER = re.compile(r"^(\d{8}_\d{6})_(.+)$")


def copy_template(template: Template, dest: Path) -> None:
    """Copy the template's files into ``dest`` (new or an earlier attempt's), never following a
    link: a failed run may have left links where the copy writes."""
    skipped = safefs.copy_tree(
        template.path, dest, skip=lambda name: bool(_SKIP.match(name)), links="skip"
    )
    for item in skipped:
        log.warning("template %s: %s was not copied: %s", template.name, item.path, item.why)


def baseline_folder(results_root: Path, template_name: str, scale: str | None) -> Path:
    """``scale``: the scale the baseline really runs at; None for a template without scales."""
    return Path(results_root) / template_name / (f"baseline_{scale}" if scale else "baseline")


def create_idea_folder(
    results_root: Path,
    template: Template,
    idea: Idea,
    baseline_run: Path | None,
    *,
    now: float | None = None,
) -> Path:
    """A new idea folder holding a copy of the template and of the baseline's run_0."""
    stamp = time.strftime("%Y%m%d_%H%M%S", time.localtime(now if now is not None else time.time()))
    folder = Path(results_root) / template.name / f"{stamp}_{folder_safe_name(idea.name)}"
    if folder.exists():
        raise AisciError(
            f"Idea folder {folder} already exists.",
            "Two ideas with the same name were started in the same second; rename one.",
        )
    tmp = folder.with_name(folder.name + ".partial")
    safefs.remove(tmp)
    copy_template(template, tmp)
    left_out: list[str] = []
    if baseline_run is not None:
        skipped = safefs.copy_tree(
            baseline_run,
            tmp / "run_0",
            src_root=Path(baseline_run).parent,
            dst_root=tmp,
            links="skip",
            budget=safetree.RUN_COPY,
        )
        left_out = [str(item) for item in skipped]
        for item in skipped:
            log.warning("idea %s: the copy of run_0 left out %s", idea.name, item)
    safefs.write_atomic(tmp / "idea.json", json.dumps(idea.to_dict(), indent=2) + "\n")
    state = State.load(tmp, template=template.name, idea=idea.name)
    created: dict[str, Any] = {
        "template_path": str(template.path),
        "baseline": str(baseline_run) if baseline_run else None,
    }
    if left_out:
        created["left_out"] = left_out
    state.record("created", **created)
    # The folder appears whole or not at all, so a resume never meets a half-copied one.
    tmp.rename(folder)
    return folder


def find_idea_folders(results_root: Path, template_name: str) -> list[Path]:
    root = Path(results_root) / template_name
    if not root.is_dir():
        return []
    return sorted(
        p
        for p in root.iterdir()
        if p.is_dir() and IDEA_FOLDER.match(p.name) and (p / "state.json").is_file()
    )
