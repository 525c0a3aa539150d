"""The local corpus: BM25 over the researcher's own BibTeX and JSONL paper records. No network.

Contract:
- ``LocalCorpus(paths)`` reads every ``.bib``/``.bibtex`` and ``.jsonl`` file among ``paths``
  (files, or folders searched recursively), e.g. a workspace's ``references/`` folder.
- A JSONL line is one JSON object with any of title/authors/venue/year/abstract/bibtex
  (also citation_count, url, id); a bad line is skipped with a warning naming file and line.
- A ``.bib`` entry keeps its own text and key as the paper's BibTeX (the user's key stays).
- ``search(query, limit)`` ranks by Okapi BM25 (k1=1.5, b=0.75) over title (counted twice),
  abstract, authors, venue and keywords; only papers sharing a word with the query come back.
  No readable file at all is a ``BackendError`` (the facade then reports every backend).
- The index is rebuilt when a file is added, removed or changed (checked on each search).
"""

from __future__ import annotations

import json
import logging
import math
import re
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from aisci.literature.bibparse import parse_bibtex, split_authors
from aisci.literature.paper import Paper
from aisci.literature.text import tokenize
from aisci.literature.transport import BackendError

NAME = "local"
BIB_SUFFIXES = (".bib", ".bibtex")
JSONL_SUFFIXES = (".jsonl",)
K1, B = 1.5, 0.75

log = logging.getLogger(__name__)


def latex_to_text(value: str | None) -> str | None:
    """BibTeX field -> plain text for display and ranking (``{\\"o}`` -> ``ö``)."""
    if not value:
        return None
    try:
        # deferred: pylatexenc takes ~15 ms to import; only LaTeX-to-text needs it
        from pylatexenc.latex2text import LatexNodes2Text

        text = LatexNodes2Text(math_mode="verbatim").latex_to_text(value)
    except Exception:
        text = re.sub(r"[{}]", "", value).replace("\\", "")
    return " ".join(text.split()) or None


def _paper_from_bib(entry: Any) -> Paper:
    fields = entry.fields
    venue = fields.get("journal") or fields.get("booktitle") or fields.get("howpublished")
    return Paper.from_parts(
        title=latex_to_text(fields.get("title")),
        authors=[latex_to_text(a) for a in split_authors(fields.get("author", ""))],
        venue=latex_to_text(venue),
        year=fields.get("year") or fields.get("date"),
        abstract=latex_to_text(fields.get("abstract")),
        citation_count=None,
        source=NAME,
        bibtex=entry.raw.strip() + "\n",
        identifier=entry.key,
        url=fields.get("url")
        or (f"https://doi.org/{fields['doi']}" if fields.get("doi") else None),
    )


def _authors_from_json(value: Any) -> list[Any]:
    if isinstance(value, str):
        return split_authors(value)
    if isinstance(value, list):
        return [a.get("name") if isinstance(a, dict) else a for a in value]
    return []


def _paper_from_json(record: dict[str, Any]) -> Paper:
    return Paper.from_parts(
        title=record.get("title"),
        authors=_authors_from_json(record.get("authors")),
        venue=record.get("venue"),
        year=record.get("year"),
        abstract=record.get("abstract"),
        citation_count=record.get("citation_count", record.get("citationCount")),
        source=NAME,
        bibtex=record.get("bibtex") if isinstance(record.get("bibtex"), str) else None,
        identifier=record.get("id") or record.get("doi"),
        url=record.get("url"),
    )


def load_file(path: Path) -> list[Paper]:
    """The papers of one .bib or .jsonl file; unreadable parts are skipped with a warning."""
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix.lower() in BIB_SUFFIXES:
        return [_paper_from_bib(e) for e in parse_bibtex(text) if e.fields.get("title")]
    papers = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            log.warning("Skipping %s line %d: not JSON (%s).", path, number, exc)
            continue
        if not isinstance(record, dict) or not record.get("title"):
            log.warning("Skipping %s line %d: not a paper record with a title.", path, number)
            continue
        papers.append(_paper_from_json(record))
    return papers


def _document_tokens(paper: Paper) -> list[str]:
    return (
        tokenize(paper.title) * 2
        + tokenize(paper.abstract)
        + tokenize(" ".join(paper.authors))
        + tokenize(paper.venue)
    )


class Bm25:
    """Okapi BM25 over token lists (idf with +1 so common words never score negative)."""

    def __init__(self, documents: Sequence[list[str]], k1: float = K1, b: float = B):
        self.k1, self.b = k1, b
        self.tfs = [Counter(doc) for doc in documents]
        self.lengths = [len(doc) for doc in documents]
        self.avg_length = (sum(self.lengths) / len(documents)) if documents else 0.0
        df = Counter(term for tf in self.tfs for term in tf)
        n = len(documents)
        self.idf = {t: math.log((n - d + 0.5) / (d + 0.5) + 1.0) for t, d in df.items()}

    def scores(self, query: Iterable[str]) -> list[float]:
        terms = [t for t in dict.fromkeys(query) if t in self.idf]
        out = []
        for tf, length in zip(self.tfs, self.lengths, strict=False):
            norm = self.k1 * (1 - self.b + self.b * length / (self.avg_length or 1.0))
            out.append(
                sum(self.idf[t] * tf[t] * (self.k1 + 1) / (tf[t] + norm) for t in terms if tf[t])
            )
        return out


class LocalCorpus:
    name = NAME

    def __init__(self, paths: Sequence[Path | str] = ()):
        self.paths = tuple(Path(p).expanduser() for p in paths)
        self._signature: tuple | None = None
        self._papers: list[Paper] = []
        self._index = Bm25([])
        self._lock = threading.Lock()  # papers and index are replaced together

    def files(self) -> list[Path]:
        found: set[Path] = set()
        suffixes = BIB_SUFFIXES + JSONL_SUFFIXES
        for path in self.paths:
            if path.is_file() and path.suffix.lower() in suffixes:
                found.add(path)
            elif path.is_dir():
                found.update(
                    p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in suffixes
                )
        return sorted(found)

    def _refresh(self) -> None:
        files = self.files()
        signature = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)
        if signature == self._signature:
            return
        papers: list[Paper] = []
        for path in files:
            try:
                papers.extend(load_file(path))
            except OSError as exc:
                log.warning("Skipping local corpus file %s: %s", path, exc)
        self._papers = papers
        self._index = Bm25([_document_tokens(p) for p in papers])
        self._signature = signature

    @property
    def papers(self) -> list[Paper]:
        with self._lock:
            self._refresh()
            return list(self._papers)

    def search(self, query: str, limit: int, *, deadline: float | None = None) -> list[Paper]:
        with self._lock:
            self._refresh()
            if not self._signature:
                where = ", ".join(str(p) for p in self.paths) or "none configured"
                raise BackendError(NAME, f"no local corpus (.bib or .jsonl files) found ({where})")
            scores = self._index.scores(tokenize(query))
            papers = self._papers
        ranked = sorted((i for i, s in enumerate(scores) if s > 0), key=lambda i: -scores[i])
        return [papers[i] for i in ranked[:limit]]
