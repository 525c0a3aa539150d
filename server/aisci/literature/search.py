"""The literature search the pipeline calls: cache first, then each backend in order.

Contract:
- ``Literature(settings, workspace=...)`` holds the backends, the cache and (through
  ``shared_throttle``) the per-API throttles; make one per pipeline and reuse it.
- ``Literature.search(query, limit)`` returns a ``SearchResult`` or raises
  ``LiteratureUnavailable`` (an ``AisciError`` naming every backend's reason). It never takes
  much longer than ``settings.time_cap_s`` for the network backends together (each one at most
  ``backend_time_cap_s``); the local corpus is asked even after the cap, since it needs no
  network.
- Order of answers: a fresh cached result from any network backend (in ``order``); else the
  first backend that answers (its result is cached; the local corpus is never cached); a
  backend that fails but has a stale cached result answers with that (``stale=True``).
- ``local_only`` is True when the papers come from the local corpus alone: a novelty verdict
  reached with them is marked as such.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Protocol

from aisci.errors import AisciError, ConfigError
from aisci.literature.arxiv import Arxiv
from aisci.literature.cache import DEFAULT_TTL_S, LiteratureCache
from aisci.literature.local import LocalCorpus
from aisci.literature.openalex import OpenAlex
from aisci.literature.paper import Paper
from aisci.literature.semantic_scholar import SemanticScholar
from aisci.literature.transport import BackendError, RetryPolicy

BACKENDS = ("semantic_scholar", "openalex", "arxiv", "local")
DEFAULT_ORDER = BACKENDS
LOCAL = "local"

log = logging.getLogger(__name__)


class Backend(Protocol):
    name: str

    def search(self, query: str, limit: int, *, deadline: float | None = None) -> list[Paper]: ...


class LiteratureUnavailable(AisciError):
    """Every backend failed; ``reasons`` is ((backend, reason), ...) in the order tried."""

    def __init__(self, query: str, reasons: Sequence[tuple[str, str]]):
        self.query = query
        self.reasons = tuple(reasons)
        said = "; ".join(f"{name}: {reason}" for name, reason in self.reasons) or "no backend"
        super().__init__(
            f"Literature search for {query!r} failed on every backend: {said}.",
            "Set S2_API_KEY (Semantic Scholar) or OPENALEX_API_KEY for higher rate limits, add a "
            "references/ folder with .bib or .jsonl papers for offline use, or skip the novelty "
            "check (--skip-novelty-check).",
        )


@dataclass(frozen=True)
class LiteratureSettings:
    order: tuple[str, ...] = DEFAULT_ORDER
    limit: int = 10
    request_timeout_s: float = 10.0
    max_tries: int = 3  # per backend and search
    backoff_base_s: float = 1.0
    backoff_cap_s: float = 8.0
    backend_time_cap_s: float = 15.0  # one backend's tries and waits together
    time_cap_s: float = 30.0  # all network backends together, per search
    s2_interval_s: float = 1.0  # Semantic Scholar allows 1 request/s with a key
    openalex_interval_s: float = 0.1
    arxiv_interval_s: float = 3.0  # arXiv's terms: one request per 3 s
    cache_path: Path | None = None  # None: $AISCI_CACHE_DIR or ~/.cache/aisci
    cache_ttl_s: float = DEFAULT_TTL_S
    use_cache: bool = True
    local_paths: tuple[Path, ...] = ()

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # frozen: normalise lists from a settings dict once, here
        set_(self, "order", tuple(self.order))
        set_(self, "local_paths", tuple(Path(p).expanduser() for p in self.local_paths))
        if self.cache_path is not None:
            set_(self, "cache_path", Path(self.cache_path).expanduser())
        check_order(self.order)
        if self.limit < 1 or self.max_tries < 1:
            raise ConfigError(
                f"Literature settings are invalid: limit ({self.limit}) and "
                f"max_tries ({self.max_tries}) must be at least 1.",
                "Fix the literature settings.",
            )
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name.endswith("_s") and (not isinstance(value, (int, float)) or value < 0):
                raise ConfigError(
                    f"Literature setting {f.name} is invalid: {value!r} is not a "
                    "non-negative number of seconds.",
                    "Fix the literature settings.",
                )

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> LiteratureSettings:
        """Settings from a user's dict (editor or config file); unknown keys are an error."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(
                f"Literature settings are invalid: unknown keys {unknown}.",
                f"Use only: {', '.join(sorted(known))}.",
            )
        try:
            return cls(**data)
        except TypeError as exc:
            raise ConfigError(
                f"Literature settings are invalid: {exc}.", "Fix the literature settings."
            ) from exc

    @property
    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(
            self.max_tries, self.backoff_base_s, self.backoff_cap_s, self.request_timeout_s
        )


def check_order(order: Sequence[str]) -> None:
    bad = [name for name in order if name not in BACKENDS]
    if bad or not order:
        raise ConfigError(
            f"Literature backend order {list(order)} is invalid: "
            f"{'unknown ' + ', '.join(map(repr, bad)) if bad else 'it is empty'}.",
            f"Choose from {', '.join(BACKENDS)}.",
        )


@dataclass(frozen=True)
class SearchResult:
    query: str
    papers: tuple[Paper, ...]
    backend_used: str
    fell_back_from: tuple[tuple[str, str], ...]  # (backend, reason) of each that failed first
    from_cache: bool
    local_only: bool
    stale: bool = False  # a cached result past its TTL, used because the refresh failed


class Literature:
    def __init__(
        self,
        settings: LiteratureSettings | None = None,
        *,
        workspace: Path | str | None = None,
        backends: Mapping[str, Backend] | None = None,
        cache: LiteratureCache | None = None,
    ):
        self.settings = s = settings or LiteratureSettings()
        local_paths = s.local_paths
        if workspace is not None:
            local_paths += (Path(workspace) / "references",)
        policy = s.retry_policy
        self.backends: dict[str, Backend] = {
            "semantic_scholar": SemanticScholar(interval_s=s.s2_interval_s, policy=policy),
            "openalex": OpenAlex(interval_s=s.openalex_interval_s, policy=policy),
            "arxiv": Arxiv(interval_s=s.arxiv_interval_s, policy=policy),
            LOCAL: LocalCorpus(local_paths),
        }
        self.backends.update(backends or {})
        self.cache = (
            cache
            if cache is not None
            else (LiteratureCache(s.cache_path, s.cache_ttl_s) if s.use_cache else None)
        )

    def __enter__(self) -> Literature:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.cache is not None:
            self.cache.close()

    def search(
        self, query: str, limit: int | None = None, *, order: Sequence[str] | None = None
    ) -> SearchResult:
        text = " ".join(query.split())
        if not text:
            raise AisciError(
                "Literature search failed: the query is empty.",
                "Give the search a few words describing the idea.",
            )
        limit = self.settings.limit if limit is None else limit
        if limit < 1:
            raise AisciError(
                f"Literature search failed: limit {limit} asks for no papers.",
                "Ask for at least one paper.",
            )
        order = tuple(order) if order else self.settings.order
        check_order(order)
        stale = {}
        for name in order:
            hit = self.cache.get(name, text, limit) if self.cache and name != LOCAL else None
            if hit is not None and hit.fresh:
                log.info("Literature search %r answered from the %s cache.", text, name)
                return SearchResult(text, hit.papers, name, (), True, False)
            if hit is not None:
                stale[name] = hit
        return self._ask_backends(text, limit, order, stale)

    def _ask_backends(
        self, text: str, limit: int, order: tuple[str, ...], stale: dict
    ) -> SearchResult:
        s = self.settings
        cap_at = time.monotonic() + s.time_cap_s
        failures: list[tuple[str, str]] = []
        for i, name in enumerate(order):
            deadline = None
            if name != LOCAL:
                now = time.monotonic()
                if now >= cap_at:
                    reason = f"skipped: the search time cap of {s.time_cap_s:g} s was reached"
                    failures.append((name, reason))
                    self._warn(name, reason, order[i + 1 :])
                    continue
                deadline = min(cap_at, now + s.backend_time_cap_s)
            try:
                papers = self.backends[name].search(text, limit, deadline=deadline)
            except BackendError as exc:
                reason = exc.reason
            except (ValueError, TypeError, KeyError, AttributeError, IndexError) as exc:
                # A response shape nobody foresaw is this backend's failure, not the search's.
                log.warning(
                    "Literature backend %s returned something unreadable.", name, exc_info=True
                )
                reason = f"unexpected response ({exc.__class__.__name__}: {exc})"
            else:
                if name != LOCAL and self.cache is not None:
                    self.cache.put(name, text, limit, papers)
                return SearchResult(
                    text, tuple(papers), name, tuple(failures), False, name == LOCAL
                )
            if name in stale:
                hit = stale[name]
                days = (time.time() - hit.fetched_at) / 86400
                log.warning(
                    "Literature backend %s failed (%s); using its cached result from "
                    "%.0f days ago.",
                    name,
                    reason,
                    days,
                )
                return SearchResult(text, hit.papers, name, tuple(failures), True, False, True)
            failures.append((name, reason))
            self._warn(name, reason, order[i + 1 :])
        raise LiteratureUnavailable(text, failures)

    @staticmethod
    def _warn(name: str, reason: str, rest: Sequence[str]) -> None:
        then = f"trying {rest[0]}" if rest else "no backend left"
        log.warning("Literature backend %s failed: %s; %s.", name, reason, then)


def search_literature(
    query: str,
    limit: int = 10,
    *,
    order: Sequence[str] | None = None,
    settings: LiteratureSettings | None = None,
    workspace: Path | str | None = None,
) -> SearchResult:
    """One search with a short-lived ``Literature`` (throttles are process-wide anyway)."""
    with Literature(settings, workspace=workspace) as literature:
        return literature.search(query, limit, order=order)
