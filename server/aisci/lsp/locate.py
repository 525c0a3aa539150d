"""Where things are in a workspace: templates, idea folders, and the template of each.

Contract (all read-only, no stage code runs here):
- ``find_templates(root)``: folders under ``root/templates/``, ``root/*/`` and ``root`` itself
  that hold ``experiment.py`` and ``prompt.json`` (idea and baseline folders under results/
  are never listed);
- ``template_for_name(root, name)``: ``root/templates/<name>``, else the template path the
  results' state files recorded;
- ``idea_folders(results, name)`` and ``folder_of_idea(results, template_name, idea)``: the idea
  folders of a template, newest last, and the newest one of an idea;
- ``template_of_folder(folder)``: the template an idea or baseline folder was copied from;
- ``walk_results(results, max_depth)``: the paths below the results folder, at most
  ``max_depth`` levels down, without recursion and without following a link: run folders hold
  what runs wrote, a tree thousands of levels deep included, and ``Path.rglob`` recurses.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

from aisci.core.folders import IDEA_FOLDER, find_idea_folders

# results/<template>/<idea>/latex/template.tex is the deepest path the editor reads.
RESULTS_DEPTH = 4


def is_template(path: Path) -> bool:
    return (path / "experiment.py").is_file() and (path / "prompt.json").is_file()


def find_templates(root: Path) -> list[Path]:
    root = Path(root)
    candidates = [
        root,
        *sorted(p for p in (root / "templates").glob("*") if p.is_dir()),
        *sorted(p for p in root.glob("*") if p.is_dir() and p.name not in ("results", "templates")),
    ]
    found: list[Path] = []
    for path in candidates:
        if (
            is_template(path)
            and path.resolve() not in found
            and not (path / "state.json").is_file()
        ):
            found.append(path.resolve())
    return found


def _read_state(folder: Path) -> dict:
    try:
        data = json.loads((Path(folder) / "state.json").read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def recorded_template_path(folder: Path) -> Path | None:
    steps = _read_state(folder).get("steps", {})
    for step in ("created", "copied"):
        path = (steps.get(step) or {}).get("template_path")
        if path and is_template(Path(path)):
            return Path(path)
    return None


def template_for_name(root: Path, name: str) -> Path | None:
    direct = Path(root) / "templates" / name
    if is_template(direct):
        return direct.resolve()
    for template in find_templates(root):
        if template.name == name:
            return template
    results = Path(root) / "results" / name
    if results.is_dir():
        for folder in sorted(results.iterdir()):
            path = recorded_template_path(folder) if folder.is_dir() else None
            if path is not None:
                return path.resolve()
    return None


def idea_folders(results: Path, template_name: str) -> list[Path]:
    return [p.resolve() for p in find_idea_folders(results, template_name)]


def idea_of_folder(folder: Path) -> str:
    state = _read_state(folder)
    if isinstance(state.get("idea"), str):
        return state["idea"]
    match = IDEA_FOLDER.match(Path(folder).name)
    return match.group(2) if match else Path(folder).name


def folder_of_idea(results: Path, template_name: str, idea: str) -> Path | None:
    matching = [f for f in idea_folders(results, template_name) if idea_of_folder(f) == idea]
    return matching[-1] if matching else None


def template_of_folder(folder: Path) -> tuple[str, Path]:
    """(template name, template path): the recorded template, else the folder itself (a copy)."""
    state = _read_state(folder)
    recorded = recorded_template_path(folder)
    name = state.get("template") if isinstance(state.get("template"), str) else None
    if recorded is not None:
        return name or recorded.name, recorded
    return name or Path(folder).parent.name, Path(folder)


def walk_results(results: Path, max_depth: int = RESULTS_DEPTH) -> Iterator[Path]:
    """Every entry below ``results`` down to ``max_depth`` levels, folders not followed through
    links; unreadable folders are passed over."""
    todo = [(Path(results), 1)]
    while todo:
        folder, depth = todo.pop()
        try:
            with os.scandir(folder) as entries:
                found = sorted(entries, key=lambda e: e.name)
        except OSError:
            continue
        for entry in found:
            path = Path(entry.path)
            yield path
            if depth < max_depth and entry.is_dir(follow_symlinks=False):
                todo.append((path, depth + 1))
