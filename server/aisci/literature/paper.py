"""One paper record for every literature backend, and the BibTeX it cites itself with.

Contract:
- ``Paper`` is frozen and always complete enough to show and to cite: ``title`` and ``bibtex``
  are non-empty strings; every other field may be unknown (``None`` or an empty tuple) and
  ``describe()`` shows it as "unknown" instead of failing.
- ``Paper.from_parts`` is the one way backends build records: it cleans the API's
  null/empty values ("" venue, null year, [] authors) and builds a BibTeX entry when the API
  gives none (or an unusable one).
- Built BibTeX keys are deterministic, ASCII, ``lastname2024firstword``; the paper writer
  deduplicates keys across papers. Field text is quoted by ``tex_quote.tex_text``, so a
  stray ``&`` or ``%`` in a title cannot break the paper's build.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from aisci.tex_quote import tex_text

SOURCES = ("semantic_scholar", "openalex", "arxiv", "local")

# Letters NFKD does not decompose into an ASCII base letter.
_FOLD = str.maketrans(
    {
        "ø": "o",
        "Ø": "O",
        "ß": "ss",
        "ł": "l",
        "Ł": "L",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "đ": "d",
        "Đ": "D",
        "þ": "th",
        "Þ": "Th",
        "ı": "i",
    }
)
# Words that make a poor key ("the2024..." tells nobody which paper it is).
_KEY_SKIP = {
    "a",
    "an",
    "the",
    "on",
    "of",
    "in",
    "for",
    "to",
    "and",
    "with",
    "towards",
    "toward",
    "is",
    "are",
    "do",
    "does",
    "via",
    "from",
    "at",
    "by",
    "how",
    "what",
    "why",
    "when",
}


def ascii_fold(text: str) -> str:
    """``"Ľudovít Ørsted"`` -> ``"Ludovit Orsted"``: accents dropped, other non-ASCII removed."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return decomposed.encode("ascii", "ignore").decode("ascii")


def clean_text(value: Any) -> str | None:
    """API text -> stripped single-spaced string, or None for null/empty/non-text values."""
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    text = " ".join(str(value).split())
    return text or None


def clean_year(value: Any) -> int | None:
    """2024, "2024", "2024-05-01" -> 2024; anything without a plausible year -> None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value if 1000 <= value <= 2999 else None
    match = re.search(r"\b(1\d{3}|2\d{3})\b", str(value))
    return int(match.group(1)) if match else None


def clean_count(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        count = int(value)
    except (TypeError, ValueError):
        return None
    return count if count >= 0 else None


def clean_authors(names: Iterable[Any] | None) -> tuple[str, ...]:
    return tuple(n for n in (clean_text(x) for x in (names or ())) if n)


def _last_name(author: str) -> str:
    if "," in author:  # "Power, Alethea"
        return author.split(",", 1)[0]
    parts = author.split()
    return parts[-1] if parts else ""


def bibtex_key(authors: tuple[str, ...], year: int | None, title: str) -> str:
    """``("Alethea Power", ...), 2022, "Grokking: ..."`` -> ``"power2022grokking"``."""
    last = re.sub(r"[^a-z]", "", ascii_fold(_last_name(authors[0])).lower()) if authors else ""
    words = re.findall(r"[a-z0-9]+", ascii_fold(title).lower())
    first = next((w for w in words if w not in _KEY_SKIP), words[0] if words else "paper")
    return f"{last or 'anon'}{year if year else 'nd'}{first}"


def build_bibtex(
    title: str,
    authors: tuple[str, ...],
    year: int | None,
    venue: str | None = None,
    *,
    entry_type: str | None = None,
    extra: Mapping[str, str | None] | None = None,
) -> str:
    """A valid entry: @article when a venue is known, else @misc (or ``entry_type``)."""
    kind = entry_type or ("article" if venue else "misc")
    fields: list[tuple[str, str]] = [("title", "{" + tex_text(title) + "}")]
    if authors:
        fields.append(("author", " and ".join(tex_text(a) for a in authors)))
    else:  # BibTeX styles sort and label by author; without one they need a key field
        fields.append(("key", tex_text(title)))
    if venue:
        fields.append(("journal" if kind == "article" else "howpublished", tex_text(venue)))
    if year:
        fields.append(("year", str(year)))
    for name, value in (extra or {}).items():
        if value:
            # Identifiers and URLs go in verbatim except for the characters that break BibTeX.
            fields.append((name, value.replace("{", "").replace("}", "")))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{kind}{{{bibtex_key(authors, year, title)},\n{body}\n}}\n"


_S2_TYPES = {
    "journalarticle": "article",
    "conference": "inproceedings",
    "book": "book",
    "booksection": "incollection",
    "review": "article",
    "dataset": "misc",
}
_HEADER_RE = re.compile(r"^\s*@\s*([^{(]*?)\s*([{(])\s*([^,\s]*)\s*,", re.S)


def repair_bibtex(text: str | None) -> str | None:
    """Make an API-given entry usable, or None when it cannot be.

    Semantic Scholar's ``citationStyles.bibtex`` sometimes has entry types such as
    ``@['JournalArticle', 'Conference']`` or ``@None`` and non-ASCII keys; BibTeX rejects both.
    """
    if not text or not text.strip():
        return None
    match = _HEADER_RE.match(text)
    if not match or not match.group(3):
        return None
    raw_type, opener, raw_key = match.groups()
    kind = raw_type.strip().lower()
    if not re.fullmatch(r"[a-z]+", kind):
        listed = [t.lower() for t in re.findall(r"[A-Za-z]+", raw_type)]
        kind = next((_S2_TYPES[t] for t in listed if t in _S2_TYPES), "misc")
    elif kind == "none":
        kind = "misc"
    key = re.sub(r"[^A-Za-z0-9_:.\-]", "", ascii_fold(raw_key)) or "paper"
    body = text[match.end() :].strip()
    closer = "}" if opener == "{" else ")"
    if not body.endswith(closer):
        return None
    return f"@{kind}{opener}{key},\n {body}\n"


@dataclass(frozen=True)
class Paper:
    """A paper as the novelty check, the paper writer and the editor see it."""

    title: str
    authors: tuple[str, ...]
    venue: str | None
    year: int | None
    abstract: str | None
    citation_count: int | None
    bibtex: str
    source: str  # one of SOURCES
    identifier: str | None = None  # S2 paperId, DOI, arXiv id or the local BibTeX key
    url: str | None = None

    @classmethod
    def from_parts(
        cls,
        *,
        title: Any,
        authors: Iterable[Any] | None,
        venue: Any,
        year: Any,
        abstract: Any,
        citation_count: Any,
        source: str,
        bibtex: str | None = None,
        identifier: Any = None,
        url: Any = None,
        entry_type: str | None = None,
        bib_extra: Mapping[str, str | None] | None = None,
    ) -> Paper:
        clean_title = clean_text(title) or "Untitled"
        names = clean_authors(authors)
        clean_venue, clean_yr = clean_text(venue), clean_year(year)
        entry = repair_bibtex(bibtex) or build_bibtex(
            clean_title, names, clean_yr, clean_venue, entry_type=entry_type, extra=bib_extra
        )
        return cls(
            title=clean_title,
            authors=names,
            venue=clean_venue,
            year=clean_yr,
            abstract=clean_text(abstract),
            citation_count=clean_count(citation_count),
            bibtex=entry,
            source=source,
            identifier=clean_text(identifier),
            url=clean_text(url),
        )

    @property
    def bibtex_key(self) -> str:
        match = _HEADER_RE.match(self.bibtex)
        return match.group(3) if match else ""

    def author_line(self, most: int = 3) -> str:
        if not self.authors:
            return "unknown authors"
        shown = ", ".join(self.authors[:most])
        return shown + (" et al." if len(self.authors) > most else "")

    def describe(self, abstract_chars: int = 600) -> str:
        """Two or three lines for a prompt or a hover: title, who/where/when, abstract."""
        cites = "unknown" if self.citation_count is None else str(self.citation_count)
        head = (
            f"{self.title}\n{self.author_line()}; {self.venue or 'unknown venue'}, "
            f"{self.year or 'unknown year'}; citations: {cites}"
        )
        if not self.abstract:
            return head + "\nAbstract: unknown"
        text = self.abstract
        if len(text) > abstract_chars:
            text = text[:abstract_chars].rsplit(" ", 1)[0] + " ..."
        return f"{head}\nAbstract: {text}"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["authors"] = list(self.authors)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Paper:
        """Inverse of ``to_dict`` (the cache's JSON)."""
        return cls(
            title=data["title"],
            authors=tuple(data.get("authors") or ()),
            venue=data.get("venue"),
            year=data.get("year"),
            abstract=data.get("abstract"),
            citation_count=data.get("citation_count"),
            bibtex=data["bibtex"],
            source=data["source"],
            identifier=data.get("identifier"),
            url=data.get("url"),
        )
