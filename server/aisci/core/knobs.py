"""Knobs read from experiment.py: the values a sweep may change, where they live, and proposals.

A knob (``knobs.json``) is a top-level literal constant (``"constant": "LR"``), the
``default=`` of an argparse option (``"argument": "--lr"``), or a literal at a position: a
keyword argument of a call or a function-local assignment (``"keyword": "lr"`` or
``"local": "num_train_batches"`` with its function, line and column; core/knob_sites.py), as
templates of the original system keep their hyperparameters. ``propose_knobs`` suggests one
knob per positive numeric literal of those kinds that the experiment uses, each with its line
(and column), so that a template without knobs can be adopted (``aisci template knobs``);
keyword and local literals only in a template without scales (in one with scales, they are
the sizes of its scales).
``unused`` finds declared knobs whose constant or option nothing in experiment.py reads (a
sweep of it would measure noise).
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aisci.core import template_env
from aisci.core.knob_sites import STRUCTURAL, function_names, replace_span, sites
from aisci.errors import AisciError

SKIPPED_ARGUMENTS = {"--out_dir", "--out-dir", "--seed", "--seeds"}


@dataclass(frozen=True)
class Located:
    value: Any
    line: int
    comment: str = ""  # the line's trailing comment, or an argument's help text
    dest: str = ""  # the argparse attribute name, for an argument


@dataclass(frozen=True)
class KnobProposal:
    name: str
    target: str  # the constant's name, the option string ("--lr"), the keyword or the local
    kind: str  # "constant", "argument", "keyword" or "local"
    line: int
    value: Any
    values: tuple
    description: str
    column: int = 0  # a keyword's or a local's literal: where it starts (1-based)
    function: str | None = None  # and the def it is in (None at module level)

    @property
    def label(self) -> str:
        inside = f"in {self.function}()" if self.function else "at module level"
        return {
            "constant": self.target,
            "argument": f"{self.target} (argparse default)",
            "keyword": f"{self.target}= (keyword argument {inside})",
            "local": f"{self.target} (local variable {inside})",
        }[self.kind]

    @property
    def where(self) -> str:
        return f"line {self.line} col {self.column}" if self.column else f"line {self.line}"

    def to_json(self) -> dict:
        site = {"function": self.function, "line": self.line, "column": self.column}
        return {
            "name": self.name,
            self.kind: self.target,
            **(site if self.column else {}),
            "values": list(self.values),
            "description": self.description,
        }


def _parse(source: str) -> ast.Module | None:
    try:
        return ast.parse(source)
    except SyntaxError:
        return None


def _comment(lines: list[str], lineno: int) -> str:
    line = lines[lineno - 1] if 0 < lineno <= len(lines) else ""
    return line.split("#", 1)[1].strip() if "#" in line else ""


def top_level_constants(source: str) -> dict[str, Located]:
    """Top-level ``NAME = literal`` assignments, with their line and trailing comment."""
    tree, lines = _parse(source), source.splitlines()
    found: dict[str, Located] = {}
    for node in tree.body if tree else []:
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if len(targets) == 1 and isinstance(targets[0], ast.Name):
                try:
                    value = ast.literal_eval(node.value)
                except ValueError:
                    continue
                found[targets[0].id] = Located(value, node.lineno, _comment(lines, node.lineno))
    return found


def set_constants(source: str, values: dict[str, Any]) -> str:
    """``source`` with each top-level ``NAME = literal`` named in ``values`` set to its value,
    nothing else changed. A value must be of the constant's kind (``_same_kind``); a name that
    is not one top-level literal, or a value of another kind, is an ``AisciError`` naming the
    constant, and nothing is set."""
    tree = _parse(source)
    if tree is None:
        raise AisciError("experiment.py does not parse, so no constant can be set in it.")
    assignments: dict[str, list[ast.expr]] = {}
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    assignments.setdefault(target.id, []).append(node.value)
    spans = []
    for name, value in values.items():
        found = assignments.get(name, [])
        if len(found) != 1:
            raise AisciError(
                f"experiment.py has {len(found)} top-level assignments of {name}, expected one."
            )
        try:
            current = ast.literal_eval(found[0])
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            raise AisciError(f"{name} in experiment.py is not a literal value.") from None
        spans.append((found[0], repr(_same_kind(name, current, value))))
    # Last span first, so the earlier spans' offsets stay right.
    for span, text in sorted(spans, key=lambda s: (s[0].lineno, s[0].col_offset), reverse=True):
        source = replace_span(source, span, text)
    return source


def _same_kind(name: str, current: Any, value: Any) -> Any:
    """``value`` if it is of ``current``'s kind: a bool for a bool, text for text, a number for
    a number (written as an int where the constant is one and the value whole)."""
    if isinstance(current, bool) or isinstance(value, bool):
        if isinstance(current, bool) and isinstance(value, bool):
            return value
    elif isinstance(current, (int, float)) and isinstance(value, (int, float)):
        if isinstance(current, int) and float(value).is_integer():
            return int(value)
        return value
    elif isinstance(current, str) and isinstance(value, str):
        return value
    raise AisciError(
        f"{name} in experiment.py is {current!r}; {value!r} is not a value of the same kind."
    )


def _add_argument_calls(tree: ast.AST) -> Iterator[tuple[ast.Call, list[str]]]:
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "add_argument"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            options = [
                a.value
                for a in node.args
                if isinstance(a, ast.Constant) and isinstance(a.value, str)
            ]
            yield node, options


def argument_defaults(source: str) -> dict[str, Located]:
    """``--option`` -> its literal ``default=`` in every ``add_argument`` call of ``source``."""
    tree = _parse(source)
    found: dict[str, Located] = {}
    for call, options in _add_argument_calls(tree) if tree else []:
        keywords = {k.arg: k.value for k in call.keywords if k.arg}
        if "default" not in keywords:
            continue
        try:
            value = ast.literal_eval(keywords["default"])
        except ValueError:
            continue
        helptext = keywords.get("help")
        dest = keywords.get("dest")
        long = next((o for o in options if o.startswith("--")), options[0])
        name = (
            dest.value
            if isinstance(dest, ast.Constant) and isinstance(dest.value, str)
            else long.lstrip("-").replace("-", "_")
        )
        located = Located(
            value,
            keywords["default"].lineno,
            helptext.value
            if isinstance(helptext, ast.Constant) and isinstance(helptext.value, str)
            else "",
            name,
        )
        for option in options:
            found[option] = located
    return found


def set_argument_default(source: str, option: str, value: Any) -> str:
    """``source`` with the ``default=`` of the one ``add_argument(option, ...)`` call set to ``value``."""
    tree = _parse(source)
    calls = [c for c, options in (_add_argument_calls(tree) if tree else []) if option in options]
    defaults = [k.value for c in calls for k in c.keywords if k.arg == "default"]
    if len(calls) != 1 or len(defaults) != 1:
        raise AisciError(
            f"experiment.py has {len(calls)} add_argument calls for {option} with "
            f"{len(defaults)} default(s), expected one with one default.",
            f'Keep one `add_argument("{option}", ..., default=<literal>)` (see knobs.json).',
        )
    return replace_span(source, defaults[0], repr(value))


def _loads(tree: ast.AST, name: str) -> int:
    return sum(
        1
        for n in ast.walk(tree)
        if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)
    )


def _reads_attribute(tree: ast.AST, attr: str) -> bool:
    return any(
        (isinstance(n, ast.Attribute) and n.attr == attr)
        or (isinstance(n, ast.Constant) and n.value == attr)
        or (isinstance(n, ast.Name) and n.id == "vars")
        for n in ast.walk(tree)
    )


def is_unused(source: str, target: str, kind: str = "constant") -> bool:
    """True when nothing in ``source`` reads the knob's constant (or the option's attribute)."""
    tree = _parse(source)
    if tree is None:
        return False
    if kind == "constant":
        return _loads(tree, target) == 0
    located = argument_defaults(source).get(target)
    return located is not None and not _reads_attribute(tree, located.dest)


def candidates(value: Any) -> tuple | None:
    """Three values around a positive number (half, itself, double); None for anything else."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        return None
    if isinstance(value, int):
        return (max(1, value // 2), value, value * 2) if value > 1 else (1, 2, 4)
    high = value * 2 if value * 2 < 1 or value >= 1 else (1 + value) / 2  # a fraction stays below 1
    return tuple(float(f"{v:.3g}") for v in (value / 2, value, high))


def propose_knobs(experiment: Path) -> list[KnobProposal]:
    """A knob for every positive numeric constant and argparse default that experiment.py reads."""
    source = experiment.read_text(encoding="utf-8", errors="replace")
    proposals = []
    for name, found in top_level_constants(source).items():
        values = candidates(found.value)
        if values is None or name.startswith("__") or is_unused(source, name):
            continue
        proposals.append(
            KnobProposal(
                name.lower(),
                name,
                "constant",
                found.line,
                found.value,
                values,
                found.comment or f"{name} (experiment.py line {found.line})",
            )
        )
    seen = set()
    for option, found in argument_defaults(source).items():
        values = candidates(found.value)
        if (
            values is None
            or option in SKIPPED_ARGUMENTS
            or found.dest in seen
            or not option.startswith("--")
        ):
            continue
        seen.add(found.dest)
        if is_unused(source, option, "argument"):
            continue
        proposals.append(
            KnobProposal(
                found.dest,
                option,
                "argument",
                found.line,
                found.value,
                values,
                found.comment or f"{option} (experiment.py line {found.line})",
            )
        )
    if not template_env.has_scales(experiment.parent):  # with scales, call literals size them
        proposals += _site_proposals(source, {p.name for p in proposals})
    return sorted(proposals, key=lambda p: (p.line, p.column))


def _site_proposals(source: str, taken: set[str]) -> list[KnobProposal]:
    """Positive numeric literals passed as keywords or set once as locals (in the study's
    functions, not a class's methods), each read; not seeds, shapes or ones already proposed."""
    lines, proposals, named_sites = source.splitlines(), [], set()
    for site in sites(source):
        values = candidates(site.value)
        if values is None or site.in_class or "seed" in site.name.lower() or len(site.name) < 2:
            continue
        if site.kind == "keyword" and site.name in STRUCTURAL:
            continue
        if site.kind == "local":
            names = function_names(source, site.function)
            if names["store", site.name] != 1 or names["load", site.name] == 0:
                continue  # a running variable, or a value nothing reads
        name = site.name.lower()
        if name in taken and name not in named_sites:
            continue  # the same setting as a constant or argparse knob
        if name in taken:
            name = f"{site.function or 'module'}_{name}".lower()
        if name in taken:
            continue
        named_sites.add(name)
        taken.add(name)
        inside = f"{site.function}()" if site.function else "the module"
        what = f"the keyword {site.name}=" if site.kind == "keyword" else f"the local {site.name}"
        proposals.append(
            KnobProposal(
                name,
                site.name,
                site.kind,
                site.line,
                site.value,
                values,
                _comment(lines, site.line)
                or f"{what} in {inside} (experiment.py line {site.line})",
                site.column,
                site.function,
            )
        )
    return proposals


def write_knobs(template: Path, proposals: list[KnobProposal]) -> Path:
    path = template / "knobs.json"
    body = ",\n".join("  " + json.dumps(p.to_json()) for p in proposals)
    path.write_text(f"[\n{body}\n]\n", encoding="utf-8")
    return path
