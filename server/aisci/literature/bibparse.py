"""A forgiving BibTeX reader for the local corpus.

Contract: ``parse_bibtex(text)`` -> ``BibEntry`` list, in file order. It reads
``@type{key, name = {nested {braces}} | "quoted" | 2024 | macro # "concat", ...}`` and the
``(...)`` delimiter form; ``@comment``, ``@preamble`` and ``@string`` blocks are skipped
(``@string`` macros are expanded). A malformed entry is skipped, never fatal: the reader
resumes at the next ``@``. ``raw`` is the entry's own text so a paper cites it verbatim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_MONTHS = {
    m: m.capitalize()
    for m in ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
}


@dataclass(frozen=True)
class BibEntry:
    entry_type: str  # lowercase: article, inproceedings, misc, ...
    key: str
    fields: dict[str, str] = field(default_factory=dict)  # lowercase names, raw LaTeX values
    raw: str = ""


_ENTRY_START = re.compile(r"\n\s*@\s*[A-Za-z]+\s*[{(]")


class _Malformed(Exception):
    pass


def _match_brace(text: str, start: int, opener: str, closer: str) -> int:
    """Index just past the delimiter closing the one at ``start``."""
    depth, i = 0, start
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == opener:
            depth += 1
        elif ch == closer:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise _Malformed("unbalanced delimiters")


def _read_value(body: str, i: int, macros: dict[str, str]) -> tuple[str, int]:
    parts = []
    while True:
        while i < len(body) and body[i].isspace():
            i += 1
        if i >= len(body):
            raise _Malformed("missing value")
        ch = body[i]
        if ch == "{":
            end = _match_brace(body, i, "{", "}")
            parts.append(body[i + 1 : end - 1])
        elif ch == '"':
            end, depth = i + 1, 0
            while end < len(body) and not (body[end] == '"' and depth == 0):
                depth += {"{": 1, "}": -1}.get(body[end], 0)
                end += 1
            if end >= len(body):
                raise _Malformed("unterminated quote")
            parts.append(body[i + 1 : end])
            end += 1
        else:
            match = re.match(r"[^\s,#}]+", body[i:])
            if not match:
                raise _Malformed("missing value")
            word = match.group(0)
            parts.append(macros.get(word.lower(), _MONTHS.get(word.lower(), word)))
            end = i + len(word)
        i = end
        while i < len(body) and body[i].isspace():
            i += 1
        if i < len(body) and body[i] == "#":
            i += 1
            continue
        return "".join(parts), i


def _read_fields(body: str, macros: dict[str, str]) -> dict[str, str]:
    fields: dict[str, str] = {}
    i = 0
    while True:
        match = re.compile(r"\s*,?\s*([A-Za-z][\w\-:.+]*)\s*=").match(body, i)
        if not match:
            if body[i:].strip(" \t\r\n,"):
                raise _Malformed(f"cannot read field near {body[i : i + 30]!r}")
            return fields
        value, i = _read_value(body, match.end(), macros)
        fields[match.group(1).lower()] = value.strip()


def parse_bibtex(text: str) -> list[BibEntry]:
    entries: list[BibEntry] = []
    macros: dict[str, str] = {}
    pos = 0
    for match in re.finditer(r"@\s*([A-Za-z]+)\s*([{(])", text):
        if match.start() < pos:
            continue  # an "@" inside an entry already read
        kind, opener = match.group(1).lower(), match.group(2)
        closer = "}" if opener == "{" else ")"
        try:
            end = _match_brace(text, match.end() - 1, opener, closer)
        except _Malformed:
            continue
        body = text[match.end() : end - 1]
        if kind not in ("comment", "preamble") and _ENTRY_START.search(body):
            continue  # an unclosed entry swallowed the next ones: skip it, read those
        pos = end
        if kind in ("comment", "preamble"):
            continue
        try:
            if kind == "string":
                macros.update(_read_fields(body, macros))
                continue
            key, sep, rest = body.partition(",")
            key = key.strip()
            if not sep or not key or re.search(r"[\s=]", key):
                raise _Malformed("missing key")
            entries.append(
                BibEntry(kind, key, _read_fields(rest, macros), text[match.start() : end])
            )
        except _Malformed:
            pos = match.end()  # resume scanning inside: a later "@" may start a good entry
    return entries


def split_authors(value: str) -> list[str]:
    """``"Power, Alethea and Yuri Burda"`` -> ``["Alethea Power", "Yuri Burda"]``."""
    value = " ".join(value.split())
    names, depth, start = [], 0, 0
    for i, ch in enumerate(value):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth == 0 and value[i : i + 5].lower() == " and ":
            names.append(value[start:i])
            start = i + 5
    names.append(value[start:])
    out = []
    for name in (n.strip() for n in names):
        if not name or name.lower() == "others":
            continue
        if "," in name:
            last, _, first = name.partition(",")
            name = f"{first.strip()} {last.strip()}".strip()
        out.append(name)
    return out
