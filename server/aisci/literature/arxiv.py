"""arXiv's query API (Atom XML) as a literature backend.

Contract: ``Arxiv().search(query, limit)`` -> up to ``limit`` ``Paper``s by arXiv relevance, or
``BackendError``. The query's words (stopwords dropped) are AND-ed as ``all:`` terms. arXiv
gives no citation counts (``None``) and no BibTeX: each paper gets a built ``@misc`` entry with
``eprint``/``archivePrefix``/``primaryClass``. arXiv asks for at most one request per 3 s; the
base URL comes from ``AISCI_ARXIV_API_URL``.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET

from aisci.literature.paper import Paper
from aisci.literature.text import tokenize
from aisci.literature.transport import BackendError, RetryPolicy, Transport, shared_throttle

NAME = "arxiv"
DEFAULT_URL = "http://export.arxiv.org/api"
URL_ENV = "AISCI_ARXIV_API_URL"
NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "arxiv": "http://arxiv.org/schemas/atom",
    "opensearch": "http://a9.com/-/spec/opensearch/1.1/",
}
MAX_TERMS = 8  # long LLM queries AND-ed in full match nothing


class Arxiv:
    name = NAME

    def __init__(
        self,
        base_url: str | None = None,
        *,
        interval_s: float = 3.0,
        policy: RetryPolicy | None = None,
    ):
        self.base_url = (base_url or os.environ.get(URL_ENV) or DEFAULT_URL).rstrip("/")
        self.transport = Transport(
            NAME, shared_throttle(NAME, self.base_url, interval_s), policy or RetryPolicy()
        )

    def search(self, query: str, limit: int, *, deadline: float | None = None) -> list[Paper]:
        params = {
            "search_query": search_query(query),
            "start": 0,
            "max_results": max(1, limit),
            "sortBy": "relevance",
        }
        text = self.transport.get_text(f"{self.base_url}/query", params, deadline=deadline)
        return parse_feed(text)[:limit]


def search_query(query: str) -> str:
    terms = tokenize(query) or re.findall(r"\w+", query.lower())
    unique = list(dict.fromkeys(terms))[:MAX_TERMS]
    return " AND ".join(f"all:{term}" for term in unique)


def _text(node: ET.Element, path: str) -> str | None:
    found = node.find(path, NS)
    return " ".join(found.text.split()) if found is not None and found.text else None


def parse_feed(text: str) -> list[Paper]:
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise BackendError(NAME, f"unreadable Atom feed ({exc})") from exc
    papers = []
    for entry in root.findall("atom:entry", NS):
        entry_id = _text(entry, "atom:id") or ""
        if "/api/errors" in entry_id:  # arXiv reports a bad query as a one-entry feed
            raise BackendError(NAME, f"query rejected: {_text(entry, 'atom:summary')}")
        match = re.search(r"arxiv\.org/abs/(.+?)(v\d+)?$", entry_id)
        arxiv_id = match.group(1) if match else None
        category = entry.find("arxiv:primary_category", NS)
        journal_ref = _text(entry, "arxiv:journal_ref")
        url = f"https://arxiv.org/abs/{arxiv_id}" if arxiv_id else None
        papers.append(
            Paper.from_parts(
                title=_text(entry, "atom:title"),
                authors=[_text(a, "atom:name") for a in entry.findall("atom:author", NS)],
                venue=journal_ref or "arXiv",
                year=_text(entry, "atom:published"),
                abstract=_text(entry, "atom:summary"),
                citation_count=None,
                source=NAME,
                identifier=arxiv_id,
                url=url,
                entry_type="misc",
                bib_extra={
                    "eprint": arxiv_id,
                    "archivePrefix": "arXiv" if arxiv_id else None,
                    "primaryClass": category.get("term") if category is not None else None,
                    "url": url,
                },
            )
        )
    return papers
