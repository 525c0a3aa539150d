"""The template contract (design.md §2): load and validate a template folder.

A template is ``experiment.py``, ``plot.py``, ``prompt.json``, ``seed_ideas.json`` and
``latex/template.tex``. Templates of the original system load unchanged; our extensions are
optional files (``knobs.json``, ``prepare.py``, ``README.md``) and never new required ones.

``check_template`` reports every problem in one pass; ``load_template`` returns a validated
``Template`` or raises a ``TemplateError`` listing them all. Warnings (not errors) also name
imports that aisci's environment cannot satisfy, a template without scales (the original's),
and declared knobs that experiment.py never reads.
"""

from __future__ import annotations

import ast
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aisci.core import sentinels, template_env
from aisci.core.ideas import Idea, idea_problems
from aisci.core.knobs_check import (
    FILE,
    experiment_source,
    kind_of,
    knob_problems,
    knob_values,
    parses,
    site_of,
    site_value,
)
from aisci.core.metric import metric_problems
from aisci.core.wall_clock import wall_clock_problems
from aisci.errors import TemplateError
from aisci.execution.contract import FILE as SETTINGS_FILE
from aisci.execution.contract import contract_problems
from aisci.problems import Problem

REQUIRED_FILES = (
    "experiment.py",
    "plot.py",
    "prompt.json",
    "seed_ideas.json",
    "latex/template.tex",
)


@dataclass(frozen=True)
class Knob:
    """A hyperparameter a sweep may change: the module-level constant that sets it, or (kind
    "argument") the argparse option whose default sets it, or (kind "keyword" or "local") the
    literal at ``line``/``column`` in ``function``; ``constant`` then holds the option, the
    keyword or the local (with its line where two knobs share that name)."""

    name: str
    constant: str
    values: tuple[Any, ...]
    description: str
    current: Any = None  # the value experiment.py holds now
    kind: str = "constant"
    target: str = ""  # a keyword or local knob's keyword or variable ("" for the others)
    function: str | None = None
    line: int = 0
    column: int = 0


@dataclass(frozen=True)
class Template:
    name: str
    path: Path
    system_prompt: str
    task_description: str
    seed_ideas: tuple[Idea, ...]
    knobs: tuple[Knob, ...] = ()
    warnings: tuple[Problem, ...] = ()
    has_scales: bool = (
        True  # False: experiment.py never reads AISCI_SCALE, every scale is its whole study
    )

    @property
    def experiment(self) -> Path:
        return self.path / "experiment.py"

    @property
    def latex_dir(self) -> Path:
        return self.path / "latex"


class TemplateProblems(TemplateError):
    """A template that cannot be used, with its errors as ``Problem``s (file and line each), so
    a front end can put them where they are (the editor's Problems panel) and open the first."""

    def __init__(self, path: Path, errors: list[Problem]):
        self.path, self.problems = path, tuple(errors)
        first = errors[0]
        if len(errors) == 1:
            message = f"Template {path.name} cannot be used: {first}."
        else:
            listing = "\n".join(f"  {p}" for p in errors)
            message = f"Template {path.name} ({path}) has {len(errors)} problems:\n{listing}\n"
        where = f"{first.file}:{first.line}" if first.line else first.file
        # A fix in the file, not a shell command: the editor offers to open ``where``.
        them = where if len(errors) == 1 else f"them (the first: {where})"
        super().__init__(message, f"Fix {them}, then run the command again.")


def load_template(path: Path | str) -> Template:
    path = Path(path).expanduser().resolve()
    problems = check_template(path)
    errors = [p for p in problems if p.is_error]
    if errors:
        raise TemplateProblems(path, errors)
    prompt = json.loads((path / "prompt.json").read_text(encoding="utf-8"))
    seeds = json.loads((path / "seed_ideas.json").read_text(encoding="utf-8"))
    return Template(
        name=path.name,
        path=path,
        system_prompt=prompt["system"],
        task_description=prompt["task_description"],
        seed_ideas=tuple(Idea.from_dict(s) for s in seeds),
        knobs=_load_knobs(path),
        warnings=tuple(p for p in problems if not p.is_error),
        has_scales=template_env.has_scales(path),
    )


def check_template(path: Path | str) -> list[Problem]:
    """Every problem of the template at ``path``, errors and warnings, in file order."""
    path = Path(path).expanduser()
    if not path.is_dir():
        what = "does not exist" if not path.exists() else "is not a folder"
        return [Problem(str(path), f"template folder {what}")]
    problems: list[Problem] = []
    for rel in REQUIRED_FILES:
        if not (path / rel).is_file():
            problems.append(Problem(rel, "required file is missing"))
    problems += _check_python(
        path,
        "experiment.py",
        must_mention="out_dir",
        mention_hint="it must accept --out_dir=run_i (its only argument)",
    )
    problems += _check_python(
        path,
        "plot.py",
        must_mention="labels",
        mention_hint='it should read the run folders through a "labels" dict',
        mention_severity="warning",
    )
    problems += _check_prompt(path)
    problems += _check_seed_ideas(path)
    problems += _check_latex(path)
    problems += _check_knobs(path)
    problems += _check_environment(path)
    problems += _check_run_contract(path)
    problems += metric_problems(path)
    problems += _check_sentinels(path)
    problems += wall_clock_problems(path)
    return problems


def _check_environment(path: Path) -> list[Problem]:
    """What the template needs that aisci's environment lacks, and whether it has scales."""
    problems = [
        Problem(m.file, m.message(), severity="warning", line=m.line)
        for m in template_env.unresolved_imports(path)
    ]
    if parses(experiment_source(path)) and not template_env.has_scales(path):
        problems.append(
            Problem(
                "experiment.py",
                f"this template has no scales (it never reads "
                f"{template_env.SCALE_VARIABLE}): --scale smoke runs its whole study",
                severity="warning",
            )
        )
    return problems


def _read_json(path: Path, rel: str) -> tuple[Any, list[Problem]]:
    file = path / rel
    if not file.is_file():
        return None, []
    try:
        return json.loads(file.read_text(encoding="utf-8")), []
    except UnicodeDecodeError:
        return None, [Problem(rel, "is not UTF-8 text")]
    except json.JSONDecodeError as e:
        return None, [
            Problem(
                rel, f"invalid JSON: {e.msg} (line {e.lineno}, column {e.colno})", line=e.lineno
            )
        ]


def _line_of(path: Path, rel: str, needle: str) -> int | None:
    try:
        for i, line in enumerate((path / rel).read_text(encoding="utf-8").splitlines(), 1):
            if needle in line:
                return i
    except OSError:
        pass
    return None


def _check_python(
    path: Path, rel: str, *, must_mention: str, mention_hint: str, mention_severity: str = "error"
) -> list[Problem]:
    file = path / rel
    if not file.is_file():
        return []
    source = file.read_text(encoding="utf-8", errors="replace")
    try:
        ast.parse(source, filename=rel)
    except SyntaxError as e:
        return [Problem(rel, f"syntax error: {e.msg}", line=e.lineno)]
    if must_mention not in source:
        return [
            Problem(
                rel, f'never mentions "{must_mention}": {mention_hint}', severity=mention_severity
            )
        ]
    return []


def _check_prompt(path: Path) -> list[Problem]:
    data, problems = _read_json(path, "prompt.json")
    if problems or data is None:
        return problems
    if not isinstance(data, dict):
        return [
            Problem(
                "prompt.json",
                f'must be an object with "system" and "task_description", found {type(data).__name__}',
            )
        ]
    for key in ("system", "task_description"):
        if key not in data:
            problems.append(Problem("prompt.json", f'missing key "{key}"', field=key))
        elif not isinstance(data[key], str) or not data[key].strip():
            problems.append(
                Problem(
                    "prompt.json",
                    f'"{key}" must be a non-empty string',
                    field=key,
                    line=_line_of(path, "prompt.json", f'"{key}"'),
                )
            )
    return problems


def _check_seed_ideas(path: Path) -> list[Problem]:
    data, problems = _read_json(path, "seed_ideas.json")
    if problems or data is None:
        return problems
    if not isinstance(data, list):
        return [Problem("seed_ideas.json", f"must be a list of ideas, found {type(data).__name__}")]
    if not data:
        return [
            Problem(
                "seed_ideas.json",
                "holds no ideas; give at least one (the baseline itself is a fine first idea)",
            )
        ]
    names: dict[str, int] = {}
    for i, idea in enumerate(data):
        label = (
            idea.get("Name")
            if isinstance(idea, dict) and isinstance(idea.get("Name"), str)
            else None
        )
        where = f"idea {i + 1}" + (f' ("{label}")' if label else "")
        line = _line_of(path, "seed_ideas.json", f'"{label}"') if label else None
        for severity, msg in idea_problems(idea):
            problems.append(
                Problem(
                    "seed_ideas.json",
                    f"{where}: {msg}",
                    severity=severity,
                    line=line,
                    field=f"[{i}]",
                )
            )
        if label:
            if label in names:
                problems.append(
                    Problem(
                        "seed_ideas.json",
                        f'{where}: duplicate "Name", also idea {names[label] + 1}',
                        line=line,
                        field=f"[{i}]",
                    )
                )
            names.setdefault(label, i)
    return problems


def _check_latex(path: Path) -> list[Problem]:
    tex = path / "latex" / "template.tex"
    if not tex.is_file():
        return []
    text = tex.read_text(encoding="utf-8", errors="replace")
    problems = []
    for marker in (r"\documentclass", r"\begin{document}", r"\end{document}"):
        if marker not in text:
            problems.append(Problem("latex/template.tex", f"has no {marker}"))
    return problems


def _check_knobs(path: Path) -> list[Problem]:
    data, problems = _read_json(path, FILE)
    if problems or data is None:
        return problems
    if not isinstance(data, list):
        return [Problem(FILE, f"must be a list of knobs, found {type(data).__name__}", line=1)]
    return knob_problems(path, data)


def _load_knobs(path: Path) -> tuple[Knob, ...]:
    file = path / "knobs.json"
    if not file.is_file():
        return ()
    current, source = knob_values(path), experiment_source(path)
    data = json.loads(file.read_text(encoding="utf-8"))
    shared = Counter(k[kind_of(k)] for k in data)
    knobs = []
    for k in data:
        kind = kind_of(k)
        site = site_of(k)
        label = f"{k[kind]} (line {k['line']})" if site and shared[k[kind]] > 1 else k[kind]
        at: dict[str, Any] = {}
        if site:
            at = {"target": site[1], "function": site[2], "line": site[3], "column": site[4]}
        knobs.append(
            Knob(
                name=k["name"],
                constant=label,
                values=tuple(k["values"]),
                description=k["description"],
                current=site_value(source, k)[1] if site else current.get((kind, k[kind])),
                kind=kind,
                **at,
            )
        )
    return tuple(knobs)


def _check_sentinels(path: Path) -> list[Problem]:
    """The ``sentinels`` section of the optional aisci.json (core/sentinels.py says its form)."""
    data, problems = _read_json(path, SETTINGS_FILE)
    if problems or not isinstance(data, dict) or sentinels.KEY not in data:
        return []  # an unreadable aisci.json is reported by the run contract's check
    line = _line_of(path, SETTINGS_FILE, f'"{sentinels.KEY}"')
    return [
        Problem(SETTINGS_FILE, message, line=line, field=sentinels.KEY)
        for message in sentinels.problems(data[sentinels.KEY])
    ]


def _check_run_contract(path: Path) -> list[Problem]:
    """The run section of the optional aisci.json: limits and environment names."""
    return contract_problems(path)
