"""The .tex with everything that is not prose blanked, so only prose numbers are read.

``blank_non_prose(text)`` keeps every offset and line of ``text`` (blanked characters become
spaces, newlines stay) and blanks: lines ending with the comment ``% aisci: not-a-result`` (the
writer's explicit opt-out), comments (a ``%`` right after a digit is read as the percent sign its
writer meant, not as a comment: ``17.6%``; see ``strip_comments``), the preamble (everything before
``\\begin{document}``), display math (equation/align/gather..., ``\\[..\\]``, ``$$..$$``: formulas
hold constants, not measurements; inline ``$...$`` math is kept, since results are often written as
``$0.91 \\pm 0.02$``), algorithm, verbatim and lstlisting environments, ``\\begin``/``\\end`` with
their environments' non-prose arguments (a tabular's column spec), the arguments of commands that
are not prose (``SKIPPED_COMMANDS``: \\label, \\ref, \\cite..., \\includegraphics, \\vspace...),
and dimensions (``0.5\\linewidth``, ``3pt``). A results macro (``paper/results_macros.MACROS``,
``\\res{run_2}{x_plus_y}{final_val_acc}``) states no literal number: its arguments are names
(a data set may be called ``0.25``), blanked; its name stays, so the words around it can tell a
value's run ("\\res{...} for the baseline") from the subject of a clause.
"""

from __future__ import annotations

import re

from aisci.paper import prechecks
from aisci.paper.results_macros import MACROS

OPT_OUT = re.compile(r"%\s*aisci:\s*not-a-result")
# Command -> how many of its {} arguments are not prose (None: all its [] and {} groups).
SKIPPED_COMMANDS: dict[str, int | None] = {
    **dict.fromkeys(
        [
            "label",
            "ref",
            "eqref",
            "pageref",
            "autoref",
            "nameref",
            "cref",
            "Cref",
            "cite",
            "citep",
            "citet",
            "citealp",
            "citealt",
            "citeauthor",
            "citeyear",
            "nocite",
            "includegraphics",
            "input",
            "include",
            "url",
            "bibliography",
            "bibliographystyle",
            "usepackage",
            "graphicspath",
            "vspace",
            "hspace",
            "vskip",
            "hskip",
            "setlength",
            "addtolength",
            "setcounter",
            "addtocounter",
            "rule",
            "fontsize",
            "cmidrule",
            "cline",
            "addlinespace",
            "arraystretch",
            "renewcommand",
            "newcommand",
            "def",
            "definecolor",
            "hypersetup",
        ],
        None,
    ),
    "href": 1,
    "multicolumn": 2,
    "multirow": 2,
    "textcolor": 1,
    "colorbox": 1,
    "resizebox": 2,
    "scalebox": 1,
    "rotatebox": 1,
    "raisebox": 1,
    "parbox": 1,
    "makebox": 0,
}
_ENV_ARGS = {
    "tabular": 1,
    "tabular*": 2,
    "tabularx": 2,
    "array": 1,
    "minipage": 1,
    "subfigure": 1,
    "wrapfigure": 2,
    "multicols": 1,
}
_BLANK_ENVS = re.compile(
    r"\\begin\{(equation|align|gather|multline|eqnarray|flalign|alignat|displaymath|math|"
    r"algorithm|algorithmic|verbatim|lstlisting)(\*?)\}.*?\\end\{\1\2\}",
    re.S,
)
_DISPLAY = re.compile(r"(?<!\\)\\\[.*?\\\]|\$\$.*?\$\$", re.S)  # not the \\[2pt] of a line break
_DIMENSION = re.compile(
    r"\d*\.?\d+\s?(?:pt|cm|mm|em|ex|bp|pc|mu)\b|\d*\.?\d+in\b|"
    r"\d*\.?\d+\s*\\(?:line|text|column|paper)?(?:width|height)\b|\d*\.?\d+\s*\\\w*skip"
)


def strip_comments(text: str) -> str:
    """The text with every comment blanked to spaces, offsets and lines unchanged; a ``%`` that
    follows a digit stays: "a 17.6% gain" means a percent, whatever TeX makes of it."""
    return prechecks.strip_comments(text, percent_after_digit=True)


def _blank(text: str, spans) -> str:
    """``text`` with the characters of ``spans`` (start, end) made spaces, newlines kept."""
    chars = list(text)
    for start, end in spans:
        for i in range(start, end):
            if chars[i] != "\n":
                chars[i] = " "
    return "".join(chars)


def group_end(text: str, i: int) -> int | None:
    """End (exclusive) of the balanced {..} or [..] group at ``i`` (after spaces), else None."""
    while i < len(text) and text[i] in " \t":
        i += 1
    if i >= len(text) or text[i] not in "{[":
        return None
    opener, closer, depth = text[i], "}" if text[i] == "{" else "]", 0
    for j in range(i, len(text)):
        if text[j] == opener:
            depth += 1
        elif text[j] == closer:
            depth -= 1
            if depth == 0:
                return j + 1
    return None


def blank_non_prose(text: str) -> str:
    """The text with everything that is not prose blanked; offsets and lines unchanged."""
    lines = text.split("\n")
    text = "\n".join(" " * len(x) if OPT_OUT.search(x) else x for x in lines)
    text = strip_comments(text)
    begin = text.find("\\begin{document}")
    text = _blank(text, [(0, max(begin, 0))])
    text = _blank(text, [m.span() for p in (_BLANK_ENVS, _DISPLAY) for m in p.finditer(text)])
    spans = []
    for m in re.finditer(r"\\([A-Za-z@]+)\*?", text):
        name = m.group(1)
        if name in ("begin", "end"):
            end = group_end(text, m.end()) or m.end()
            env = text[m.end() : end].strip(" {}")
            spans.append(
                (m.start(), _args_end(text, end, _ENV_ARGS.get(env, 0) if name == "begin" else 0))
            )
        elif name in SKIPPED_COMMANDS:
            spans.append((m.start(), _args_end(text, m.end(), SKIPPED_COMMANDS[name])))
        elif name in MACROS:  # its name stays: it reads as a value in its sentence
            spans.append((m.end(), _args_end(text, m.end(), MACROS[name])))
    text = _blank(text, spans)
    return _blank(text, [m.span() for m in _DIMENSION.finditer(text)])


def _args_end(text: str, pos: int, braces: int | None) -> int:
    """End of the [..] groups and of ``braces`` {..} groups after ``pos`` (None: all groups)."""
    while (g := group_end(text, pos)) is not None:
        if text[pos:g].lstrip().startswith("{"):
            if braces == 0:
                break
            braces = None if braces is None else braces - 1
        pos = g
    return pos
