"""A SQLite cache of literature search results, so a repeated search needs no network.

Contract:
- Keyed by (backend, ``normalize_query(query)``, limit); the value is the parsed ``Paper`` list
  as JSON. An empty list is a result like any other.
- Location: the ``path`` argument, else ``$AISCI_CACHE_DIR/literature.sqlite3``, else
  ``~/.cache/aisci/literature.sqlite3``.
- ``get`` returns a ``CachedResult`` with ``fresh`` False once older than ``ttl_s`` (default
  30 days): the facade refreshes such entries when online and still uses them when it cannot.
- Safe across threads (one connection behind a lock) and processes (WAL, busy timeout).
- A cache that cannot be opened or written degrades to no cache with a warning; it never
  fails a search.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from aisci.literature.paper import Paper
from aisci.literature.text import normalize_query

CACHE_ENV = "AISCI_CACHE_DIR"
FILE_NAME = "literature.sqlite3"
DEFAULT_TTL_S = 30 * 24 * 3600.0

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS searches (
    backend TEXT NOT NULL,
    query TEXT NOT NULL,
    max_results INTEGER NOT NULL,
    fetched_at REAL NOT NULL,
    papers TEXT NOT NULL,
    PRIMARY KEY (backend, query, max_results)
)
"""


def default_cache_path() -> Path:
    folder = os.environ.get(CACHE_ENV)
    base = Path(folder).expanduser() if folder else Path.home() / ".cache" / "aisci"
    return base / FILE_NAME


@dataclass(frozen=True)
class CachedResult:
    papers: tuple[Paper, ...]
    fetched_at: float  # time.time() of the request that produced it
    fresh: bool


class LiteratureCache:
    def __init__(self, path: Path | str | None = None, ttl_s: float = DEFAULT_TTL_S):
        self.path = Path(path).expanduser() if path else default_cache_path()
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        conn = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                self.path, timeout=10, check_same_thread=False, isolation_level=None
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(_SCHEMA)
            self._conn = conn
        except (OSError, sqlite3.Error) as exc:
            if conn is not None:
                conn.close()
            log.warning(
                "Literature cache %s is unusable (%s); searching without a cache.", self.path, exc
            )

    @property
    def enabled(self) -> bool:
        return self._conn is not None

    def get(self, backend: str, query: str, limit: int) -> CachedResult | None:
        if self._conn is None:
            return None
        try:
            with self._lock:
                row = self._conn.execute(
                    "SELECT fetched_at, papers FROM searches WHERE backend=? AND query=? "
                    "AND max_results=?",
                    (backend, normalize_query(query), limit),
                ).fetchone()
            if row is None:
                return None
            papers = tuple(Paper.from_dict(d) for d in json.loads(row[1]))
        except (sqlite3.Error, ValueError, KeyError, TypeError) as exc:
            log.warning("Literature cache read failed (%s); asking the backend instead.", exc)
            return None
        return CachedResult(papers, row[0], time.time() - row[0] <= self.ttl_s)

    def put(self, backend: str, query: str, limit: int, papers: Sequence[Paper]) -> None:
        if self._conn is None:
            return
        blob = json.dumps([p.to_dict() for p in papers], ensure_ascii=False)
        try:
            with self._lock:
                self._conn.execute(
                    "INSERT OR REPLACE INTO searches VALUES (?, ?, ?, ?, ?)",
                    (backend, normalize_query(query), limit, time.time(), blob),
                )
        except sqlite3.Error as exc:
            log.warning("Literature cache write failed (%s); the result is not cached.", exc)

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
