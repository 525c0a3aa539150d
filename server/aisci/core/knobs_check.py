"""knobs.json checked against experiment.py, for the template check (core/template.py).

Contract: ``knob_problems(path, data)`` lists what is wrong with the parsed knobs.json ``data``
of the template at ``path``, each ``Problem`` on the line of its knob in knobs.json (where the
knob's object opens), so an editor shows it there. When experiment.py does not parse, only
knobs.json's own shape is checked: "experiment.py has no LEARNING_RATE" would follow from the
syntax error for every knob, and one cause is reported once (the syntax error, at its line).
A keyword or local knob (core/knob_sites.py) must still find its literal at its line and
column; otherwise the code moved and the problem says to propose the knobs again.
``knob_values``, ``site_of`` and ``kind_of`` are shared with ``load_template``.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from aisci.core.knob_sites import SITE_KINDS, find_site, function_names
from aisci.core.knobs import argument_defaults, is_unused, top_level_constants
from aisci.problems import Problem

FILE = "knobs.json"
KINDS = ("constant", "argument", *SITE_KINDS)


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
    return next((k for k in KINDS if k in knob), "constant")


def site_of(knob: dict) -> tuple[str, str, str | None, int, int] | None:
    """(kind, name, function, line, column) of a well-formed keyword or local knob, else None."""
    kind = kind_of(knob)
    target, function = knob.get(kind), knob.get("function")
    line, column = knob.get("line"), knob.get("column")
    if (
        kind not in SITE_KINDS
        or not isinstance(target, str)
        or not (function is None or isinstance(function, str))
        or not isinstance(line, int)
        or not isinstance(column, int)
        or not _position(line, column)
    ):
        return None
    return kind, target, function, line, column


def _position(line: Any, column: Any) -> bool:
    return all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in (line, column))


def site_value(source: str, knob: dict, *, strict: bool = True) -> tuple[bool, Any]:
    """(found, value) of a keyword or local knob's literal in ``source``."""
    site = site_of(knob)
    found = find_site(source, *site, strict=strict) if site else None
    return (found is not None, found.value if found else None)


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
        if kind in SITE_KINDS and not _position(knob.get("line"), knob.get("column")):
            add(f'{where}: "line" and "column" must be whole numbers from 1', f"[{i}].line")
            continue
        if kind in SITE_KINDS and not isinstance(knob.get("function"), (str, type(None))):
            add(f'{where}: "function" must be a def\'s name, or null', f"[{i}].function")
            continue
        if not isinstance(target, str) or not against_experiment:
            continue
        if kind in SITE_KINDS:
            found, value = site_value(source, knob)
        else:
            found, value = (kind, target) in current, current.get((kind, target))
        if not found:
            add(f"{where}: {_missing(knob, kind, target)}", f"[{i}].{kind}")
            continue
        if isinstance(values, list) and value not in values:
            add(
                f'{where}: the current value {value!r} of {target} is not among "values"',
                f"[{i}].values",
                "warning",
            )
        unused = (
            function_names(source, knob.get("function"))["load", target] == 0
            if kind == "local"
            else kind != "keyword" and is_unused(source, target, kind)
        )
        if unused:
            add(
                f"{where}: {target} is never read in experiment.py, so a sweep "
                "of it changes nothing; remove the knob or use the value",
                f"[{i}].{kind}",
                "warning",
            )
    return problems


def _missing(knob: dict, kind: str, target: str) -> str:
    if kind == "constant":
        return f'experiment.py has no top-level "{target} = <literal>"'
    if kind == "argument":
        return f'experiment.py has no add_argument("{target}", ..., default=<literal>)'
    what = f"{target}=<literal>" if kind == "keyword" else f"{target} = <literal>"
    inside = f"in {knob['function']}()" if knob.get("function") else "at module level"
    return (
        f"experiment.py has no {what} at line {knob['line']} column {knob['column']} {inside}: "
        "the code moved since knobs.json was written; run `aisci template knobs --force` to "
        'propose the knobs again, or fix the knob\'s "line" and "column"'
    )
