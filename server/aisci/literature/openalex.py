"""OpenAlex's works search as a literature backend.

Contract: ``OpenAlex().search(query, limit)`` -> up to ``limit`` ``Paper``s in the API's
relevance order, or ``BackendError``. Base URL from ``AISCI_OPENALEX_API_URL``; the key from
``OPENALEX_API_KEY`` goes in the ``api_key`` query parameter (keyless use is a tiny daily
allowance). Any part of a work may be null: authorships, primary_location, its source, the
abstract. The abstract comes as an inverted index (word -> positions) and is rebuilt.
"""

from __future__ import annotations

import os
from typing import Any

from aisci.literature.paper import Paper
from aisci.literature.transport import BackendError, RetryPolicy, Transport, shared_throttle

NAME = "openalex"
DEFAULT_URL = "https://api.openalex.org"
URL_ENV = "AISCI_OPENALEX_API_URL"
KEY_ENV = "OPENALEX_API_KEY"
MAX_LIMIT = 200


class OpenAlex:
    name = NAME

    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | None = None,
        *,
        interval_s: float = 0.1,
        policy: RetryPolicy | None = None,
    ):
        self.base_url = (base_url or os.environ.get(URL_ENV) or DEFAULT_URL).rstrip("/")
        self.api_key = api_key if api_key is not None else os.environ.get(KEY_ENV, "")
        self.transport = Transport(
            NAME, shared_throttle(NAME, self.base_url, interval_s), policy or RetryPolicy()
        )

    def search(self, query: str, limit: int, *, deadline: float | None = None) -> list[Paper]:
        params: dict[str, Any] = {"search": query, "per_page": max(1, min(limit, MAX_LIMIT))}
        if self.api_key:
            params["api_key"] = self.api_key
        data = self.transport.get_json(f"{self.base_url}/works", params, deadline=deadline)
        if not isinstance(data, dict):
            raise BackendError(NAME, "unexpected response (not a JSON object)")
        results = data.get("results") or []
        if not isinstance(results, list):
            raise BackendError(NAME, "unexpected response ('results' is not a list)")
        return [parse_work(work) for work in results[:limit] if isinstance(work, dict)]


def rebuild_abstract(index: Any) -> str | None:
    """``{"Grokking": [0], "is": [1, 5]}`` -> the text with each word at its positions."""
    if not isinstance(index, dict) or not index:
        return None
    placed: dict[int, str] = {}
    for word, positions in index.items():
        for pos in positions if isinstance(positions, list) else ():
            if isinstance(pos, int) and not isinstance(pos, bool):
                placed[pos] = str(word)
    return " ".join(placed[p] for p in sorted(placed)) or None


def _get(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def parse_work(work: dict[str, Any]) -> Paper:
    doi_url = work.get("doi") if isinstance(work.get("doi"), str) else None
    doi = doi_url.split("doi.org/", 1)[-1] if doi_url else None
    authors = [_get(a, "author", "display_name") for a in work.get("authorships") or []]
    return Paper.from_parts(
        title=work.get("title") or work.get("display_name"),
        authors=authors,
        venue=_get(work, "primary_location", "source", "display_name"),
        year=work.get("publication_year"),
        abstract=rebuild_abstract(work.get("abstract_inverted_index")),
        citation_count=work.get("cited_by_count"),
        source=NAME,
        identifier=doi or work.get("id"),
        url=doi_url or work.get("id"),
        bib_extra={"doi": doi},
    )
