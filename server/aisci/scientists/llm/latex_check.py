"""Checks and repairs of the LaTeX a model wrote for one section of a paper.

``latex_problems`` says why a section's text cannot go into the paper (a document frame,
unbalanced braces or environments, keys that are not in the bibliography, figures that do not
exist, figure labels nobody refers to); ``repaired`` turns control characters that a model's
broken JSON escaping made of ``\\textbf`` or ``\\frac`` back into backslashes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from aisci.paper.prechecks import citations, find_graphic, graphics_dirs, strip_comments

_FRAME = re.compile(
    r"\\(section\*?\s*\{|documentclass|usepackage|begin\{document\}|end\{document\}|"
    r"bibliography(?:style)?\s*\{|maketitle\b)"
)
_ENV = re.compile(r"\\(begin|end)\s*\{([^{}]+)\}")
_REFS = re.compile(r"\\(?:[cC]?ref|autoref|eqref|[cC]ref)\*?\s*\{([^{}]*)\}")
_FIGURE = re.compile(r"\\begin\{figure\*?\}.*?\\end\{figure\*?\}", re.S)
# A model that forgets JSON's escaping turns \textbf, \begin, \frac, \ref into control
# characters; these never belong in LaTeX prose, so they are turned back into backslashes.
# Backspace and form feed never belong in LaTeX; a carriage return before a letter is no line
# end; a tab or newline counts only before what completes a common command (indentation stays).
_CONTROL = re.compile(
    r"[\b\f]|\r(?=[A-Za-z])"
    r"|\t(?=(?:ext|able|abular|oprule|imes|heta|au|ilde|iny|itle|hanks|frac|riangle)|(?:op|o)\b)"
    r"|\n(?=(?:oindent|ewline|ewpage|abla|ocite|onumber|eq|u|ot)\b)"
)
_ESCAPED = {"\t": "\\t", "\b": "\\b", "\f": "\\f", "\r": "\\r", "\n": "\\n"}


def repair_escapes(text: str) -> str:
    return _CONTROL.sub(lambda m: _ESCAPED[m.group(0)], text)


def _brace_problem(text: str) -> str | None:
    depth, i = 0, 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
            continue
        depth += {"{": 1, "}": -1}.get(c, 0)
        if depth < 0:
            return f"a closing brace on line {text.count(chr(10), 0, i) + 1} of your LaTeX closes nothing"
        i += 1
    return f"{depth} opening brace(s) are never closed" if depth else None


def latex_problems(
    body: str, section: str, paper: str, keys: Iterable[str], tex_dir: Path
) -> list[str]:
    """Why ``body`` cannot become ``section`` of ``paper`` (the paper with it in place)."""
    text = strip_comments(body)
    if not text.strip():
        return [f"the {section} is empty"]
    problems = []
    if (m := _FRAME.search(text)) is not None:
        problems.append(
            f"remove \\{m.group(1).strip(' {')}: the paper keeps its own headings and document frame"
        )
    if section == "Abstract" and "\\begin{abstract}" in text:
        problems.append("give the abstract's text only, without \\begin{abstract}")
    if section == "Title" and "\n\n" in text.strip():
        problems.append("the title must be one line")
    if (brace := _brace_problem(text)) is not None:
        problems.append(brace)
    stack: list[str] = []
    for kind, env in _ENV.findall(text):
        if kind == "begin":
            stack.append(env)
        elif not stack or stack.pop() != env:
            problems.append(f"\\end{{{env}}} does not match an open \\begin{{{env}}}")
            break
    if stack:
        problems.append(f"\\begin{{{stack[-1]}}} is never ended")
    unknown = sorted({k for k, _ in citations(text)} - set(keys))
    if unknown:
        problems.append(f"cite only the listed BibTeX keys; not listed: {', '.join(unknown)}")
    dirs = graphics_dirs(paper, tex_dir)
    for name in re.findall(r"\\includegraphics\*?\s*(?:\[[^\]]*\]\s*)?\{([^{}]*)\}", text):
        if find_graphic(name.strip(), dirs) is None:
            problems.append(
                f"there is no figure file {name.strip()}; include only the listed figures"
            )
    referenced = {
        k.strip() for group in _REFS.findall(strip_comments(paper)) for k in group.split(",")
    }
    for figure in _FIGURE.findall(text):
        for label in re.findall(r"\\label\{([^{}]*)\}", figure):
            if label not in referenced:
                problems.append(
                    f"the figure labelled {label} is never referred to; add \\ref{{{label}}} in the text"
                )
    return problems


def repaired(answer: Any) -> Any:
    """The model's JSON answer with every string in it repaired (``repair_escapes``)."""
    if isinstance(answer, str):
        return repair_escapes(answer)
    if isinstance(answer, dict):
        return {k: repaired(v) for k, v in answer.items()}
    return answer
