"""The one way a string that aisci did not write itself reaches a .tex (or .bib) file.

TeX reads files: ``\\input``, ``\\openout``, ``\\includegraphics`` and friends are one brace
away in any text that reaches a .tex unquoted, and ``^^2f`` spells ``/`` to TeX. A figure name,
a caption, a metric, a data set, a run's description or an idea's title is chosen by a run or a
model, so it is data and goes through one function per position:

- ``tex_text``: plain text (prose, captions, table cells, BibTeX fields). Every TeX special
  (``\\ { } $ & # ^ _ % ~``) becomes the command that prints it, so no ``^`` is left to form a
  ``^^`` sequence; control characters (line ends included: a blank line is a paragraph break
  inside an argument) become spaces; lone surrogates, which cannot be written as UTF-8, become
  ``?``. The result typesets the input literally and can open no file.
- ``tex_tt``: the same text set in typewriter, ``\\texttt{...}``.
- ``tex_file_name``: a file name for ``\\includegraphics{}`` or ``\\input{}``, returned as it is
  when it is in the safe set (``[A-Za-z0-9_.-]``, no leading dot, no ``..``, at most
  ``SAFE_NAME_MAX`` characters); anything else raises ``UnsafeTexName``. Names are never
  escaped into shape: aisci renames the files it copies back (execution/plotting.py) instead.

LaTeX that a model wrote as LaTeX (a drafted section) is not quoted here: it is code, and the
paper build's sandbox contains it.
"""

from __future__ import annotations

import re

from aisci.errors import AisciError

SAFE_NAME_MAX = 100

_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
# C0 controls, DEL and C1 controls: TeX gives them catcodes of their own (end of line, ignored,
# invalid), so none may reach it as they are.
_CONTROL = "\x00-\x1f\x7f-\x9f"
_TEXT_RE = re.compile(rf"[\\&%$#_{{}}~^]|[{_CONTROL}]|[\ud800-\udfff]")
_SAFE_NAME_RE = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*")


class UnsafeTexName(AisciError):
    """A file name that cannot be put into ``\\includegraphics{}`` or ``\\input{}`` as it is."""


def _quote(match: re.Match[str]) -> str:
    char = match.group(0)
    if char in _SPECIAL:
        return _SPECIAL[char]
    return " " if ord(char) < 0xD800 else "?"


def tex_text(text: str) -> str:
    """``text`` as LaTeX that typesets it literally (prose, captions, cells, BibTeX fields)."""
    return _TEXT_RE.sub(_quote, str(text))


def tex_tt(text: str) -> str:
    """``text`` in typewriter: a metric, a data set, a constant, a run."""
    return r"\texttt{" + tex_text(text) + "}"


def is_safe_file_name(name: str) -> bool:
    """Whether ``name`` may stand in ``\\includegraphics{}`` as it is."""
    return (
        len(name) <= SAFE_NAME_MAX
        and _SAFE_NAME_RE.fullmatch(name) is not None
        and ".." not in name
    )


def tex_file_name(name: str) -> str:
    """``name`` for ``\\includegraphics{}`` / ``\\input{}``; raises unless it is in the safe set."""
    if not is_safe_file_name(name):
        raise UnsafeTexName(
            f"Refused to put the file name {name!r} into the paper: only names of letters, digits, "
            f"'_', '-' and '.' (no leading dot, no '..', at most {SAFE_NAME_MAX} characters) are "
            "taken, because TeX would read anything else as commands.",
            "Run the plots again (aisci plots): aisci renames the figures it copies back to safe names.",
        )
    return name
