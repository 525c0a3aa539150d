"""Language features for the paper and the ideas: \\cite completion and hover, idea code lenses,
and a fast text rendering of a .tex.

Contract:
- ``cite_context(text, offset)``: inside the braces of a citation command (``\\cite``,
  ``\\citep``, ``\\citet``, ``\\nocite``, ... with optional ``[...]`` arguments), the start of the
  key being typed; else None. ``cite_key_at(line, column)``: the key under the cursor.
- ``bib_entries(tex_path, tex_text, read)``: the entries of the paper's .bib files (those
  named by ``\\bibliography``/``\\addbibresource``, else every .bib beside the .tex), read with
  ``read(path)`` so an open, unsaved .bib is used as the editor has it.
- ``idea_lenses(text)``: (line, Name) of each idea of an ideas.json, on its ``"Name"`` line.
- ``render_text(tex, path)``: the reviewer's plain text (``aisci.paper.textify``); citations and
  references as ``[key]``, an idea paper's results macros as the numbers they print.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from aisci.literature.bibparse import parse_bibtex, split_authors
from aisci.paper.textify import latex_to_text

_CITE_OPEN = re.compile(
    r"\\(?:[a-zA-Z]*cite[a-zA-Z]*|nocite)\*?\s*(?:\[[^\]]*\]\s*){0,2}\{(?P<keys>[^{}]*)$"
)
_CITE_FULL = re.compile(
    r"\\(?:[a-zA-Z]*cite[a-zA-Z]*|nocite)\*?\s*(?:\[[^\]]*\]\s*){0,2}\{(?P<keys>[^{}]*)\}"
)
_BIBLIOGRAPHY = re.compile(r"\\(?:bibliography|addbibresource)\s*(?:\[[^\]]*\])?\{([^{}]*)\}")
_NAME_LINE = re.compile(r'"Name"\s*:\s*"(?P<name>(?:[^"\\]|\\.)*)"')


def cite_context(text: str, offset: int) -> int | None:
    """Offset where the key under construction starts, when ``offset`` is inside \\cite{...}."""
    window = text[max(0, offset - 500) : offset]
    match = _CITE_OPEN.search(window)
    if not match:
        return None
    keys = match.group("keys")
    last = max(keys.rfind(","), -1) + 1
    start_in_keys = last + (len(keys[last:]) - len(keys[last:].lstrip()))
    return offset - len(keys) + start_in_keys


def cite_key_at(line: str, column: int) -> str | None:
    for match in _CITE_FULL.finditer(line):
        start, end = match.span("keys")
        if not start <= column <= end:
            continue
        position = start
        for key in match.group("keys").split(","):
            if position <= column <= position + len(key):
                return key.strip() or None
            position += len(key) + 1
    return None


def _bib_files(tex_path: Path, tex_text: str) -> list[Path]:
    folder = tex_path.parent
    named = []
    for match in _BIBLIOGRAPHY.finditer(tex_text):
        for name in match.group(1).split(","):
            name = name.strip()
            if name:
                named.append(folder / (name if name.endswith(".bib") else f"{name}.bib"))
    existing = [p for p in named if p.is_file()]
    return existing or sorted(folder.glob("*.bib"))


def _clean(value: str | None) -> str:
    if not value:
        return ""
    return " ".join(value.replace("{", "").replace("}", "").replace("\\&", "&").split())


def bib_entries(tex_path: Path, tex_text: str, read: Callable[[Path], str]) -> dict[str, dict]:
    """key -> {title, authors, year, venue, abstract, file}, first definition wins."""
    entries: dict[str, dict] = {}
    for path in _bib_files(tex_path, tex_text):
        try:
            text = read(path)
        except OSError:
            continue
        for entry in parse_bibtex(text):
            f = entry.fields
            venue = next(
                (
                    f[k]
                    for k in ("journal", "booktitle", "venue", "publisher", "howpublished")
                    if f.get(k)
                ),
                "",
            )
            entries.setdefault(
                entry.key,
                {
                    "title": _clean(f.get("title")),
                    "authors": [_clean(a) for a in split_authors(f.get("author", ""))],
                    "year": _clean(f.get("year")),
                    "venue": _clean(venue),
                    "abstract": _clean(f.get("abstract")),
                    "type": entry.entry_type,
                    "file": str(path),
                },
            )
    return entries


def describe(key: str, entry: dict) -> str:
    """Markdown for a hover: title, authors, year, venue, abstract."""
    lines = [f"**{entry['title'] or key}**", ""]
    authors = ", ".join(entry["authors"]) or "authors unknown"
    lines.append(f"{authors} ({entry['year'] or 'year unknown'})")
    if entry["venue"]:
        lines.append(f"*{entry['venue']}*")
    if entry["abstract"]:
        lines += ["", entry["abstract"]]
    lines += ["", f"`{key}` in {Path(entry['file']).name}"]
    return "\n".join(lines)


def idea_lenses(text: str) -> list[tuple[int, str]]:
    """(0-based line, Name) for each idea of an ideas.json text; [] when it is not a list of ideas."""
    try:
        data = json.loads(text)
    except ValueError:
        return []
    if not isinstance(data, list):
        return []
    names = [d["Name"] for d in data if isinstance(d, dict) and isinstance(d.get("Name"), str)]
    lines = text.splitlines()
    found, row = [], 0
    for name in names:
        for i in range(row, len(lines)):
            match = _NAME_LINE.search(lines[i])
            if match and json.loads(f'"{match.group("name")}"') == name:
                found.append((i, name))
                row = i + 1
                break
    return found


def render_text(tex: str, path: Path | None = None) -> str:
    """The same text the reviewer reads (aisci.paper.textify: one renderer for both), with the
    results macros of an idea's paper (``path`` in its latex/ folder) as the numbers they print,
    as the review resolves them (paper/results_literals.resolved)."""
    # deferred: the run readers (paper/results_macros), +10 ms at the server's start, measured
    from aisci.lsp import provenance
    from aisci.paper.results_literals import resolved
    from aisci.paper.results_macros import CALL

    folder = provenance.idea_folder(path) if path is not None else None
    if folder is not None and CALL.search(tex):
        tex = resolved(tex, provenance.recorded(folder))
    return latex_to_text(tex)
