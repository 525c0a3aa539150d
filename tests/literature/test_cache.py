"""The SQLite cache: repeated searches need no network, stale entries outlive outages."""

from __future__ import annotations

import logging
import sqlite3
import threading

from aisci.literature import Literature, LiteratureCache, default_cache_path
from aisci.literature.paper import Paper
from aisci.literature.text import normalize_query
from tests.fakes.literature_fixtures import fast_settings
from tests.fakes.literature_servers import S2_ZERO_HITS, FakeSemanticScholar, Reply

SEARCH = FakeSemanticScholar.SEARCH


def test_cache_hit_makes_no_request_and_works_offline(fake_s2, tmp_path):
    settings = fast_settings(tmp_path)
    with Literature(settings) as lit:
        first = lit.search("grokking", 5)
    assert not first.from_cache and fake_s2.request_count() == 1
    with Literature(settings) as lit:  # a new process would see the same file
        again = lit.search("  Grokking! ", 5)
    assert again.from_cache and again.papers == first.papers
    assert again.backend_used == "semantic_scholar" and fake_s2.request_count() == 1
    fake_s2.stop()
    with Literature(settings) as lit:
        offline = lit.search("grokking", 5)
    assert offline.from_cache and offline.papers == first.papers


def test_limit_is_part_of_the_key(fake_s2, tmp_path):
    with Literature(fast_settings(tmp_path)) as lit:
        lit.search("grokking", 5)
        assert not lit.search("grokking", 2).from_cache
    assert fake_s2.request_count() == 2


def test_empty_result_is_cached(fake_s2, tmp_path):
    fake_s2.script(SEARCH, (200, S2_ZERO_HITS))
    with Literature(fast_settings(tmp_path)) as lit:
        assert lit.search("grokking").papers == ()
        cached = lit.search("grokking")
    assert cached.from_cache and cached.papers == () and fake_s2.request_count() == 1


def test_stale_entry_is_refreshed_when_online(fake_s2, tmp_path):
    settings = fast_settings(tmp_path, cache_ttl_s=0.0)
    with Literature(settings) as lit:
        lit.search("grokking")
        fresh = lit.search("grokking")
    assert not fresh.from_cache and fake_s2.request_count() == 2


def test_stale_entry_is_used_when_refresh_fails(fake_s2, fake_openalex, tmp_path, caplog):
    settings = fast_settings(tmp_path, cache_ttl_s=0.0)
    with Literature(settings) as lit:
        first = lit.search("grokking")
        fake_s2.set_default(SEARCH, Reply(503, "down"))
        with caplog.at_level(logging.WARNING, logger="aisci.literature"):
            result = lit.search("grokking")
    assert result.from_cache and result.stale and result.papers == first.papers
    assert result.backend_used == "semantic_scholar" and fake_openalex.request_count() == 0
    assert any("using its cached result" in r.getMessage() for r in caplog.records)


def test_fresh_cache_of_a_later_backend_answers_first(fake_s2, fake_openalex, tmp_path):
    settings = fast_settings(tmp_path)
    fake_s2.set_default(SEARCH, Reply(429, {"message": "Too Many Requests.", "code": "429"}))
    with Literature(settings) as lit:
        assert lit.search("grokking").backend_used == "openalex"
        s2_requests = fake_s2.request_count()
        again = lit.search("grokking")
    assert again.from_cache and again.backend_used == "openalex"
    assert fake_s2.request_count() == s2_requests  # no new try of the failing API


def test_default_location_follows_env(monkeypatch, tmp_path):
    monkeypatch.setenv("AISCI_CACHE_DIR", str(tmp_path / "c"))
    assert default_cache_path() == tmp_path / "c" / "literature.sqlite3"
    cache = LiteratureCache()
    assert cache.enabled and cache.path.exists()
    mode = sqlite3.connect(cache.path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    cache.close()


def test_unusable_cache_degrades_to_none(fake_s2, tmp_path, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with caplog.at_level(logging.WARNING, logger="aisci.literature"):
        lit = Literature(fast_settings(tmp_path, cache_path=blocker / "x.sqlite3"))
        result = lit.search("grokking")
    assert not lit.cache.enabled and len(result.papers) == 4
    assert any("cache" in r.getMessage() for r in caplog.records)


def test_corrupt_cache_file_degrades_to_none(tmp_path):
    path = tmp_path / "broken.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    assert not LiteratureCache(path).enabled


def test_cache_is_thread_safe(tmp_path):
    cache = LiteratureCache(tmp_path / "t.sqlite3")
    paper = Paper.from_parts(
        title="T",
        authors=["A B"],
        venue=None,
        year=2020,
        abstract=None,
        citation_count=None,
        source="openalex",
    )
    errors = []

    def work(n):
        try:
            for i in range(30):
                cache.put("openalex", f"q{n} {i}", 5, [paper])
                assert cache.get("openalex", f"q{n} {i}", 5).papers == (paper,)
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []


def test_normalize_query_keeps_word_order():
    assert normalize_query("  Grokking,  in\tTransformers! ") == "grokking in transformers"
    assert normalize_query("b a") != normalize_query("a b")
