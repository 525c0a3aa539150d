"""Literature search for the novelty check and the paper's citations.

Semantic Scholar, OpenAlex, arXiv and a local corpus (BibTeX/JSONL) behind one call, with
per-API throttles, capped retries, a SQLite cache and fallback in a configurable order. See
``search.py`` for the contract; ``Paper`` (paper.py) is the record every backend returns.
"""

from aisci.literature.cache import LiteratureCache, default_cache_path
from aisci.literature.paper import Paper, bibtex_key, build_bibtex
from aisci.literature.search import (
    BACKENDS,
    Literature,
    LiteratureSettings,
    LiteratureUnavailable,
    SearchResult,
    search_literature,
)
from aisci.literature.transport import BackendError

__all__ = [
    "BACKENDS",
    "BackendError",
    "Literature",
    "LiteratureCache",
    "LiteratureSettings",
    "LiteratureUnavailable",
    "Paper",
    "SearchResult",
    "bibtex_key",
    "build_bibtex",
    "default_cache_path",
    "search_literature",
]
