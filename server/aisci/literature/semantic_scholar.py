"""Semantic Scholar's paper search (Graph API v1) as a literature backend.

Contract: ``SemanticScholar().search(query, limit)`` -> up to ``limit`` ``Paper``s in the API's
relevance order, or ``BackendError``. Zero hits (``{"total": 0, "offset": 0}``, no ``data``) is
an empty list, not an error. The base URL comes from ``AISCI_S2_API_URL`` (tests point it at a
fake server), the key from ``S2_API_KEY`` (sent as ``x-api-key``). BibTeX is the API's
``citationStyles.bibtex``, repaired when malformed, built when missing.
"""

from __future__ import annotations

import os
from typing import Any

from aisci.literature.paper import Paper
from aisci.literature.transport import BackendError, RetryPolicy, Transport, shared_throttle

NAME = "semantic_scholar"
DEFAULT_URL = "https://api.semanticscholar.org/graph/v1"
URL_ENV = "AISCI_S2_API_URL"
KEY_ENV = "S2_API_KEY"
FIELDS = "title,authors,venue,year,abstract,citationCount,citationStyles,externalIds"
MAX_LIMIT = 100  # the API refuses more per page


class SemanticScholar:
    name = NAME

    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | None = None,
        *,
        interval_s: float = 1.0,
        policy: RetryPolicy | None = None,
    ):
        self.base_url = (base_url or os.environ.get(URL_ENV) or DEFAULT_URL).rstrip("/")
        key = api_key if api_key is not None else os.environ.get(KEY_ENV, "")
        headers = {"x-api-key": key} if key else {}
        self.transport = Transport(
            NAME, shared_throttle(NAME, self.base_url, interval_s), policy or RetryPolicy(), headers
        )

    def search(self, query: str, limit: int, *, deadline: float | None = None) -> list[Paper]:
        params = {"query": query, "limit": max(1, min(limit, MAX_LIMIT)), "fields": FIELDS}
        data = self.transport.get_json(f"{self.base_url}/paper/search", params, deadline=deadline)
        if not isinstance(data, dict):
            raise BackendError(NAME, "unexpected response (not a JSON object)")
        items = data.get("data") or []
        if not isinstance(items, list):
            raise BackendError(NAME, "unexpected response ('data' is not a list)")
        return [parse_paper(item) for item in items[:limit] if isinstance(item, dict)]


def parse_paper(item: dict[str, Any]) -> Paper:
    ids = item.get("externalIds") or {}
    ids = ids if isinstance(ids, dict) else {}
    styles = item.get("citationStyles") or {}
    bibtex = styles.get("bibtex") if isinstance(styles, dict) else None
    paper_id = item.get("paperId")
    return Paper.from_parts(
        title=item.get("title"),
        authors=[a.get("name") for a in item.get("authors") or [] if isinstance(a, dict)],
        venue=item.get("venue"),
        year=item.get("year"),
        abstract=item.get("abstract"),
        citation_count=item.get("citationCount"),
        source=NAME,
        bibtex=bibtex if isinstance(bibtex, str) else None,
        identifier=paper_id,
        url=f"https://www.semanticscholar.org/paper/{paper_id}" if paper_id else None,
        bib_extra={
            "doi": ids.get("DOI"),
            "eprint": ids.get("ArXiv"),
            "archivePrefix": "arXiv" if ids.get("ArXiv") else None,
        },
    )
