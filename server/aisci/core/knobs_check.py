"""knobs.json checked against experiment.py, for the template check (core/template.py).

Contract: ``knob_problems(path, data)`` lists what is wrong with the parsed knobs.json ``data``
of the template at ``path``, each ``Problem`` on the line of its knob in knobs.json (where the
knob's object opens), so an editor shows it there. When experiment.py does not parse, only
knobs.json's own shape is checked: "experiment.py has no LEARNING_RATE" would follow from the
syntax error for every knob, and one cause is reported once (the syntax error, at its line).
``knob_values`` and ``kind_of`` are shared with ``load_template``.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from aisci.core.knobs import argument_defaults, is_unused, top_level_constants
from aisci.problems import Problem

FILE = "knobs.json"


def experiment_source(path: Path) -> str:
    try:
        return (path / "experiment.py").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def parses(source: str) -> bool:
    """True when ``source`` is non-empty Python that parses."""
    try:
        ast.parse(source)
    except SyntaxError:
        return False
    return bool(source)


def knob_values(path: Path) -> dict[tuple[str, str], Any]:
    """(kind, constant or option) -> the value experiment.py sets now."""
    source = experiment_source(path)
    values = {("constant", k): v.value for k, v in top_level_constants(source).items()}
    values.update({("argument", k): v.value for k, v in argument_defaults(source).items()})
    return values


def kind_of(knob: dict) -> str:
    return "argument" if "argument" in knob and "constant" not in knob else "constant"


def element_lines(text: str) -> list[int]:
    """The 1-based line on which each element of a top-level JSON list starts (objects and
    scalars alike), read from the text because ``json`` keeps no positions."""
    lines: list[int] = []
    depth, line, in_string, escaped, expect = 0, 1, False, False, False
    for ch in text:
        if ch == "\n":
            line += 1
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
            continue
        if depth == 1 and expect and not ch.isspace() and ch not in ",]":
            lines.append(line)
            expect = False
        if ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            expect = depth == 1
        elif ch in "]}":
            depth -= 1
        elif ch == "," and depth == 1:
            expect = True
    return lines


def knob_problems(path: Path, data: list) -> list[Problem]:
    try:
        starts = element_lines((path / FILE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        starts = []
    source = experiment_source(path)
    against_experiment = parses(source)
    current = knob_values(path) if against_experiment else {}
    problems: list[Problem] = []
    for i, knob in enumerate(data):
        line = starts[i] if i < len(starts) else None

        def add(message: str, field: str, severity: str = "error") -> None:
            problems.append(Problem(FILE, message, severity, line, field))  # noqa: B023

        where = f"knob {i + 1}"
        if not isinstance(knob, dict):
            add(f"{where}: must be an object", f"[{i}]")
            continue
        where += f' ("{knob["name"]}")' if isinstance(knob.get("name"), str) else ""
        kind = kind_of(knob)
        for key, type_ in (("name", str), (kind, str), ("description", str), ("values", list)):
            if not isinstance(knob.get(key), type_):
                missing = "" if key in knob else " (missing)"
                add(f'{where}: "{key}" must be a {type_.__name__}{missing}', f"[{i}].{key}")
        target, values = knob.get(kind), knob.get("values")
        if isinstance(values, list) and len(values) < 2:
            add(f'{where}: "values" needs at least two candidates', f"[{i}].values")
        if not isinstance(target, str) or not against_experiment:
            continue
        if (kind, target) not in current:
            wanted = (
                f'top-level "{target} = <literal>"'
                if kind == "constant"
                else f'add_argument("{target}", ..., default=<literal>)'
            )
            add(f"{where}: experiment.py has no {wanted}", f"[{i}].{kind}")
            continue
        if isinstance(values, list) and current[(kind, target)] not in values:
            add(
                f"{where}: the current value {current[(kind, target)]!r} of "
                f'{target} is not among "values"',
                f"[{i}].values",
                "warning",
            )
        if is_unused(source, target, kind):
            add(
                f"{where}: {target} is never read in experiment.py, so a sweep "
                "of it changes nothing; remove the knob or use the value",
                f"[{i}].{kind}",
                "warning",
            )
    return problems
