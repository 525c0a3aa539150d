"""Literal numbers in a paper that are one recorded value: turned into that value's macro.

A paper states its results through results.tex's macros (paper/results_macros.py); a number
typed as digits is what a write-up left literal. ``as_macros(tex, found)`` replaces each prose
number that prints exactly as one recorded mean or standard error prints (same digits: the
declared precision) by that value's macro, so the PDF shows the same text with its source.
A number that prints as two or more recorded values is left as it is (which run it means is
the writer's to say; the consistency check judges it), and so is an integer (a count, a step or
a template's sentinel such as "300: never reached" must never gain a run's authority by
chance) and a number with a percent sign. ``literal_diagnostics`` says the same as warnings of
the build, for a paper whose text aisci is not asked to change. ``unescaped_calls`` and
``unknown_calls`` check the calls a writer made: ``\\_`` in their arguments, and names that no
run recorded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from aisci.core.diagnostics import Diagnostic
from aisci.paper.prechecks import LineIndex
from aisci.paper.results_macros import CALL, MACROS, Recorded, Results, calls_in, results
from aisci.paper.tex_mask import blank_non_prose

# A decimal number standing alone: not glued to a word, a command, a subscript or a dimension.
_DECIMAL = re.compile(r"(?<![\w.\\^_{}-])-?\d+\.\d+(?!\w|\.\d|\s*(?:\\%|%|\\,?\s*\\%))")
LITERAL_MACROS = ("res", "reserr")  # what a paper types as digits: a run's mean or stderr


@dataclass(frozen=True)
class Conversion:
    line: int
    text: str  # the number as written
    value: Recorded  # the one recorded value it prints as


def _by_text(found: Results) -> dict[str, list[Recorded]]:
    by_text: dict[str, list[Recorded]] = {}
    for value in found.values:
        if value.macro in LITERAL_MACROS:
            by_text.setdefault(value.text, []).append(value)
    return by_text


def literal_numbers(tex: str) -> list[tuple[int, str]]:
    """(offset, text) of each prose decimal number of ``tex``: the literals that could be a
    recorded value (the editor's hover and quick fix look at the same numbers as the pre-check)."""
    return [(m.start(), m.group(0)) for m in _DECIMAL.finditer(blank_non_prose(tex))]


def conversions(tex: str, found: Results) -> list[Conversion]:
    """Every prose number of ``tex`` that prints as exactly one recorded value."""
    by_text = _by_text(found)
    index = LineIndex(tex)
    out = []
    for m in _DECIMAL.finditer(blank_non_prose(tex)):
        matches = by_text.get(m.group(0), [])
        if len(matches) == 1:
            out.append(Conversion(index.line(m.start()), m.group(0), matches[0]))
    return out


def as_macros(tex: str, found: Results) -> tuple[str, list[Conversion]]:
    """``tex`` with each convertible number replaced by its macro, and what was replaced."""
    by_text = _by_text(found)
    index = LineIndex(tex)
    done: list[Conversion] = []
    parts, last = [], 0
    for m in _DECIMAL.finditer(blank_non_prose(tex)):
        matches = by_text.get(m.group(0), [])
        if len(matches) != 1:
            continue
        parts += [tex[last : m.start()], matches[0].call]
        last = m.end()
        done.append(Conversion(index.line(m.start()), m.group(0), matches[0]))
    return "".join(parts) + tex[last:], done


def literal_diagnostics(folder: Path, tex: Path) -> list[Diagnostic]:
    """A warning for each literal number that is one recorded value: write its macro."""
    text = Path(tex).read_text(encoding="utf-8", errors="replace")
    return [
        Diagnostic(
            Path(tex).name,
            c.line,
            "warning",
            f"the number {c.text} is {c.value.source}: write it as {c.value.call} so the paper "
            "cites its source",
            "precheck",
        )
        for c in conversions(text, results(folder))
    ]


_ARGS_ESCAPE = re.compile(r"\\_")


def unescaped_calls(tex: str) -> str:
    """``tex`` with ``\\_`` inside results macro arguments made ``_``: a writer that escapes
    every underscore in prose would otherwise name no recorded value (``\\csname`` takes
    characters, not commands)."""
    out, last = [], 0
    for m in re.finditer(CALL.pattern + r"((?:\s*\{[^{}]*\})+)", tex):
        out += [tex[last : m.start(2)], _ARGS_ESCAPE.sub("_", m.group(2))]
        last = m.end()
    return "".join(out) + tex[last:]


def unknown_calls(tex: str, found: Results) -> list[str]:
    """The results macro calls of ``tex`` that name no recorded value, as written."""
    unknown = []
    for _, macro, args in calls_in(tex):
        if len(args) != MACROS[macro] or found.get_safe(macro, args) is None:
            unknown.append(f"\\{macro}" + "".join("{" + a + "}" for a in args))
    return sorted(set(unknown))


# Around each value a results macro prints, in the text a reviewer reads (paper/stages.py).
MEASURED_MARKS = ("⟦", "⟧")


def resolved(tex: str, found: Results, marks: tuple[str, str] = ("", "")) -> str:
    """``tex`` with each results macro call replaced by the LaTeX it prints (``??`` for a name
    no run recorded, as the PDF shows it): what a reader of the text, a reviewer, should see.
    ``marks`` go around each printed value, so a reader can tell it from a typed number."""
    out, last = [], 0
    for m in re.finditer(CALL.pattern + r"((?:\s*\{[^{}]*\})*)", tex):
        args = tuple(a.strip() for a in re.findall(r"\{([^{}]*)\}", m.group(2)))
        value = found.get_safe(m.group(1), args) if len(args) == MACROS[m.group(1)] else None
        out += [tex[last : m.start()], marks[0] + (value.text if value else "??") + marks[1]]
        last = m.end()
    return "".join(out) + tex[last:]
