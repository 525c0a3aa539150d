"""The Markdown shapes a topic file is written in, read without judging what they say.

Contract: ``split_sections(text)`` cuts a file into its preamble (the lines before the first
``## `` heading) and its ``## `` sections, each with the 1-based line of its heading and its
body lines with their numbers; a heading inside a fenced block is body. ``items(body)`` reads
``- key: value`` lines; ``fenced_block(body)`` the first fenced code block; ``seconds(text)`` a
duration ("30 s", "30s", "10 min", "2 h", "90" = seconds) and ``duration(seconds)`` the
reverse; ``fence_for(code)`` a fence the code cannot close; ``snake_name(title)`` a folder
name from a title. spec.py turns these into a ``Topic`` and its problems.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

NAME_CHARS = 40  # a folder name derived from a title is cut to this many characters

_FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*([\w+-]*)\s*$")
_HEADING = re.compile(r"^##\s+(.*?)\s*#*\s*$")
_ITEM = re.compile(r"^\s*(?:[-*+]\s+)?([A-Za-z][\w ]*?)\s*:\s*(.*?)\s*$")
_DURATION = re.compile(
    r"(\d+(?:\.\d+)?)\s*(s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?)?", re.IGNORECASE
)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600}

Line = tuple[int, str]  # (1-based line number, text)


@dataclass(frozen=True)
class Section:
    title: str  # the heading as written, e.g. "Start from"
    line: int  # the heading's line
    body: tuple[Line, ...]

    @property
    def key(self) -> str:
        return " ".join(self.title.lower().split())

    def text(self) -> str:
        """The body with its surrounding blank lines dropped."""
        return "\n".join(text for _, text in self.body).strip()

    def lines(self) -> list[Line]:
        """The body's non-blank lines, stripped."""
        return [(n, text.strip()) for n, text in self.body if text.strip()]


def split_sections(text: str) -> tuple[list[Line], list[Section]]:
    preamble: list[Line] = []
    sections: list[Section] = []
    heading: tuple[str, int] | None = None
    body: list[Line] = []
    fence: str | None = None
    for n, line in enumerate(text.splitlines(), 1):
        opened = _FENCE.match(line)
        if fence is None and opened:
            fence = opened.group(1)
        elif fence is not None:
            if _closes(line, fence):
                fence = None
        elif fence is None and (match := _HEADING.match(line)):
            if heading is not None:
                sections.append(Section(heading[0], heading[1], tuple(body)))
            heading, body = (match.group(1), n), []
            continue
        (body if heading is not None else preamble).append((n, line))
    if heading is not None:
        sections.append(Section(heading[0], heading[1], tuple(body)))
    return preamble, sections


def _closes(line: str, fence: str) -> bool:
    """Whether ``line`` closes a block opened by ``fence`` (the same character, as many or more)."""
    bare = line.strip()
    return len(bare) >= len(fence) and set(bare) == {fence[0]}


def item(text: str) -> tuple[str, str] | None:
    """``("name", "val_loss")`` for a ``- name: val_loss`` line (the key lower-cased)."""
    match = _ITEM.match(text)
    return (match.group(1).strip().lower(), match.group(2)) if match else None


def fenced_block(body: tuple[Line, ...]) -> tuple[str, str] | None:
    """(language, code) of the first fenced block of a body, or None; an unclosed block runs
    to the end of the body."""
    inside: list[str] | None = None
    fence, language = "", ""
    for _, line in body:
        if inside is None:
            opened = _FENCE.match(line)
            if opened:
                inside, fence, language = [], opened.group(1), opened.group(2).lower()
        elif _closes(line, fence):
            return language, "\n".join(inside)
        else:
            inside.append(line)
    return (language, "\n".join(inside)) if inside is not None else None


def seconds(text: str) -> float | None:
    """The duration a budget line gives, in seconds; None when it is not one (or not > 0)."""
    match = _DURATION.fullmatch(text.strip())
    if not match:
        return None
    unit = (match.group(2) or "s")[0].lower()
    value = float(match.group(1)) * _UNIT_SECONDS[unit]
    return value if value > 0 else None


def duration(value: float) -> str:
    """``3600`` -> ``"1 h"``, ``600`` -> ``"10 min"``, ``45`` -> ``"45 s"``."""
    for unit, size in (("h", 3600), ("min", 60)):
        if value >= size and value % size == 0:
            return f"{int(value // size)} {unit}"
    return f"{value:g} s"


def fence_for(code: str) -> str:
    """A backtick fence longer than any run of backticks in ``code`` (at least ```)."""
    runs = re.findall(r"`+", code)
    return "`" * max(3, *(len(r) + 1 for r in runs))


def snake_name(title: str) -> str:
    """``"Label noise & MLPs"`` -> ``"label_noise_mlps"``: lowercase ASCII words joined by _,
    at most ``NAME_CHARS`` characters cut at a word, starting with a letter."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_title.lower())
    name = ""
    for word in words:
        longer = f"{name}_{word}" if name else word
        if len(longer) > NAME_CHARS:
            name = name or word[:NAME_CHARS]
            break
        name = longer
    if not name or not name[0].isalpha():
        name = f"topic_{name}".rstrip("_")[:NAME_CHARS].rstrip("_")
    return name
