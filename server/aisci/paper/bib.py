"""BibTeX files: parse leniently, repair what is safe to repair, merge without losing entries.

Contract:
- ``parse_bib(text)`` never raises on bad input. It returns the entries it could read, the
  ``@string``/``@preamble`` blocks verbatim, and one note per repair or dropped entry. Repairs:
  a missing closing brace of a field or of the entry (an entry that runs into the next line
  starting with ``@``), a missing comma between fields, an unknown entry type (becomes
  ``misc``), characters BibTeX forbids in a key (replaced by ``_``). Dropped: an entry without a
  key or without a title.
- ``merge_bib(existing, new)`` keeps every entry of ``existing`` under its own key. An entry of
  ``new`` whose key is taken: the same paper (same normalised title and year) is skipped; a
  different paper is added under ``key_2`` (``key_3``...) and the rename is returned, so the
  caller can rewrite its ``\\cite`` commands. Same rule for duplicate keys inside one file.
  A new entry that is a paper already present under another key (the same DOI, arXiv id or
  normalised title) is not added a second time: its key is returned in the renames, mapped
  to the key already there.
- ``write_bib`` / ``merge_into_file`` write ``references.bib`` atomically.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from aisci.core.atomic import write_text_atomic

log = logging.getLogger(__name__)

ENTRY_TYPES = frozenset(
    {
        "article",
        "book",
        "booklet",
        "conference",
        "inbook",
        "incollection",
        "inproceedings",
        "manual",
        "mastersthesis",
        "misc",
        "phdthesis",
        "proceedings",
        "techreport",
        "unpublished",
        "online",
        "software",
        "dataset",
    }
)
_START = re.compile(r"@[ \t]*([A-Za-z]+)[ \t]*([{(])")
_LINE_START = re.compile(r"(?m)^[ \t]*@[ \t]*[A-Za-z]+[ \t]*[{(]")
_FIELD_LINE = re.compile(r"^\s*[A-Za-z][\w\-:.]*\s*=\s*[{\"\w]")
_BAD_KEY_CHARS = re.compile(r"[\s,{}\"#%'()=\\~]")


@dataclass(frozen=True)
class BibEntry:
    type: str  # lower case, e.g. "article"
    key: str
    fields: tuple[tuple[str, str], ...]  # (lower-case name, raw value with its braces/quotes)
    line: int = 0  # 1-based line of the "@" in the source, 0 if built

    def get(self, name: str) -> str | None:
        """The value of a field without its outer braces or quotes, or None."""
        for n, v in self.fields:
            if n == name.lower():
                v = v.strip()
                if len(v) >= 2 and (v[0], v[-1]) in (("{", "}"), ('"', '"')):
                    v = v[1:-1]
                return v
        return None

    def identity(self) -> tuple[str, str]:
        """What makes two entries "the same paper": title and year, ignoring case and markup."""

        def norm(s: str | None) -> str:
            return re.sub(r"[^a-z0-9]", "", (s or "").lower())

        return norm(self.get("title")), norm(self.get("year"))

    def to_bibtex(self) -> str:
        width = max((len(n) for n, _ in self.fields), default=0)
        body = "".join(f"  {n.ljust(width)} = {v},\n" for n, v in self.fields)
        return f"@{self.type}{{{self.key},\n{body}}}\n"


@dataclass(frozen=True)
class BibParse:
    entries: tuple[BibEntry, ...]
    preamble: tuple[str, ...] = ()  # @string / @preamble blocks, verbatim
    notes: tuple[str, ...] = ()  # one line per repair or dropped entry

    @property
    def keys(self) -> set[str]:
        return {e.key for e in self.entries}


@dataclass(frozen=True)
class BibMerge:
    entries: tuple[BibEntry, ...]
    preamble: tuple[str, ...] = ()
    renames: dict[str, str] = field(default_factory=dict)  # key in `new` -> key it was given
    notes: tuple[str, ...] = ()
    added: tuple[str, ...] = ()  # keys (as written) of the entries of `new` that were added

    def text(self) -> str:
        return format_bib(self.entries, self.preamble)


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _matching_close(text: str, open_at: int, limit: int) -> int | None:
    """Index of the brace/paren closing the one at ``open_at``, searched before ``limit``."""
    closer = "}" if text[open_at] == "{" else ")"
    depth = 0
    for i in range(open_at + 1, limit):
        c = text[i]
        if c == "{":
            depth += 1
        elif c == "}":
            if depth == 0 and closer == "}":
                return i
            depth -= 1
        elif c == ")" and closer == ")" and depth == 0:
            return i
    return None


def _close_open_fields(body: str) -> tuple[str, int]:
    """Repair a body whose braces never balance: a line that starts a new ``name =`` while a
    value is still open closes that value first; whatever is open at the end is closed."""
    out: list[str] = []
    depth = 0
    added = 0
    for line in body.splitlines(keepends=True):
        if depth > 0 and _FIELD_LINE.match(line):
            prev = "".join(out).rstrip().rstrip(",")
            out = [prev + "}" * depth + ",\n"]
            added += depth
            depth = 0
        out.append(line)
        depth = max(0, depth + line.count("{") - line.count("}"))
    text = "".join(out)
    if depth > 0:
        text = text.rstrip().rstrip(",") + "}" * depth
        added += depth
    return text, added


def _read_value(body: str, i: int) -> tuple[str, int]:
    """One field value (``{..}``, ``".."`` or a bare word, joined by ``#``) starting at ``i``."""
    start = i
    while True:
        while i < len(body) and body[i].isspace():
            i += 1
        if i >= len(body):
            break
        if body[i] == "{":
            end = _matching_close(body, i, len(body))
            i = (end + 1) if end is not None else len(body)
        elif body[i] == '"':
            depth, j = 0, i + 1
            while j < len(body) and not (body[j] == '"' and depth == 0):
                depth += {"{": 1, "}": -1}.get(body[j], 0)
                j += 1
            i = j + 1
        else:
            m = re.compile(r"[^\s,#{}\"]+").match(body, i)
            i = m.end() if m else i
        j = i
        while j < len(body) and body[j].isspace():
            j += 1
        if j < len(body) and body[j] == "#":
            i = j + 1
            continue
        break
    return body[start:i].strip(), i


def _parse_body(body: str) -> tuple[str, list[tuple[str, str]], bool]:
    """(key, fields, comma_was_missing) of an entry's text between its braces."""
    key, _, rest = body.partition(",")
    fields: list[tuple[str, str]] = []
    missing_comma = False
    i = 0
    name_re = re.compile(r"\s*([A-Za-z][\w\-:.]*)\s*=")
    while i < len(rest):
        m = name_re.match(rest, i)
        if not m:
            break
        value, i = _read_value(rest, m.end())
        if value:
            fields.append((m.group(1).lower(), value))
        j = i
        while j < len(rest) and rest[j].isspace():
            j += 1
        if j < len(rest) and rest[j] == ",":
            i = j + 1
        elif name_re.match(rest, j):
            missing_comma = True
            i = j
        else:
            break
    return key.strip(), fields, missing_comma


def parse_bib(text: str) -> BibParse:
    entries: list[BibEntry] = []
    preamble: list[str] = []
    notes: list[str] = []
    pos = 0
    while (m := _START.search(text, pos)) is not None:
        kind, opener_at = m.group(1).lower(), m.end() - 1
        nxt = _LINE_START.search(text, m.end())
        limit = nxt.start() if nxt else len(text)
        close = _matching_close(text, opener_at, limit)
        line = _line_of(text, m.start())
        if kind == "comment":
            pos = (close + 1) if close is not None else limit
            continue
        if kind in ("string", "preamble"):
            if close is not None:
                preamble.append(text[m.start() : close + 1])
            else:
                notes.append(f"line {line}: dropped an unterminated @{kind} block")
            pos = (close + 1) if close is not None else limit
            continue
        repaired = 0
        if close is not None:
            body, pos = text[opener_at + 1 : close], close + 1
        else:
            body, repaired = _close_open_fields(text[opener_at + 1 : limit])
            pos = limit
            body = body.rstrip()
            if body.endswith("}") and body.count("{") < body.count("}"):
                body = body[:-1]  # the entry's own brace, which the count above closed
        key, fields, missing_comma = _parse_body(body)
        label = f"line {line}: entry `{key}`" if key else f"line {line}: an @{kind} entry"
        if not key or "=" in key:
            notes.append(f"{label} has no key: dropped")
            continue
        if close is None:
            notes.append(f"{label}: added {max(repaired, 1)} missing closing brace(s)")
        if missing_comma:
            notes.append(f"{label}: added a missing comma between fields")
        clean = _BAD_KEY_CHARS.sub("_", key)
        if clean != key:
            notes.append(f"{label}: key has characters BibTeX does not allow: renamed to `{clean}`")
        entry = BibEntry(kind, clean, tuple(fields), line)
        if not entry.get("title"):
            notes.append(f"{label} has no title: dropped")
            continue
        if kind not in ENTRY_TYPES:
            notes.append(f"{label}: unknown type @{kind}: written as @misc")
            entry = BibEntry("misc", clean, tuple(fields), line)
        entries.append(entry)
    return BibParse(tuple(entries), tuple(preamble), tuple(notes))


_ARXIV = re.compile(
    r"(?:arxiv\.org/(?:abs|pdf)/|arxiv:\s*)(\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})", re.I
)
_ARXIV_ID = re.compile(r"^(\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?$", re.I)


def paper_ids(entry: BibEntry) -> set[str]:
    """What identifies the paper behind an entry, whatever its key: DOI, arXiv id, title."""
    ids = set()
    doi = (entry.get("doi") or "").strip().lower()
    doi = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", doi)
    if doi:
        ids.add("doi:" + doi)
    eprint = (entry.get("eprint") or entry.get("arxiv") or "").strip()
    match = _ARXIV_ID.match(eprint)
    if match:
        ids.add("arxiv:" + match.group(1).lower())
    for name in ("url", "journal", "note", "howpublished", "volume"):
        found = _ARXIV.search(entry.get(name) or "")
        if found:
            ids.add("arxiv:" + found.group(1).lower())
    title = re.sub(r"[^a-z0-9]", "", re.sub(r"\\[a-zA-Z]+", "", entry.get("title") or "").lower())
    if len(title) >= 12:  # short titles ("Introduction") name no paper
        ids.add("title:" + title)
    return ids


def _free_key(key: str, taken: set[str]) -> str:
    n = 2
    while f"{key}_{n}" in taken:
        n += 1
    return f"{key}_{n}"


def merge_bib(existing: str, new: str = "") -> BibMerge:
    """Existing entries first, under their keys; then the new ones (see the module contract)."""
    merged: list[BibEntry] = []
    by_key: dict[str, BibEntry] = {}
    renames: dict[str, str] = {}
    added: list[str] = []
    a, b = parse_bib(existing), parse_bib(new)
    notes = list(a.notes) + [f"(new) {n}" for n in b.notes]
    known: dict[str, str] = {}  # paper id -> the key it is under
    for source, parsed in (("existing", a), ("new", b)):
        for entry in parsed.entries:
            old = by_key.get(entry.key)
            if old is not None and old.identity() == entry.identity():
                continue  # the same paper again: keep the first
            twin = next((known[i] for i in sorted(paper_ids(entry)) if i in known), None)
            if source == "new" and twin is not None and twin != entry.key:
                renames[entry.key] = twin
                notes.append(
                    f"new entry `{entry.key}` is the paper already in the file as `{twin}`: not added again"
                )
                continue
            if old is not None:
                new_key = _free_key(entry.key, set(by_key))
                notes.append(
                    f"{source} entry `{entry.key}` (line {entry.line}) is a different paper "
                    f"than the one with that key: added as `{new_key}`"
                )
                if source == "new":
                    renames[entry.key] = new_key
                entry = BibEntry(entry.type, new_key, entry.fields, entry.line)
            by_key[entry.key] = entry
            for i in paper_ids(entry):
                known.setdefault(i, entry.key)
            merged.append(entry)
            if source == "new":
                added.append(entry.key)
    preamble = tuple(dict.fromkeys(a.preamble + b.preamble))
    return BibMerge(tuple(merged), preamble, renames, tuple(notes), tuple(added))


def format_bib(entries, preamble=()) -> str:
    parts = [p.strip() + "\n" for p in preamble] + [e.to_bibtex() for e in entries]
    return "\n".join(parts)


def write_bib(path: Path, entries, preamble=()) -> None:
    write_text_atomic(Path(path), format_bib(entries, preamble))


def merge_into_file(path: Path, new: str) -> BibMerge:
    """Merge BibTeX text into ``path`` (created if missing) and write it atomically."""
    path = Path(path)
    existing = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
    result = merge_bib(existing, new)
    write_bib(path, result.entries, result.preamble)
    for note in result.notes:
        log.info("%s: %s", path.name, note)
    return result
