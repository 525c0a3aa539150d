"""Never hangs: retries, caps, fallback order, throttles, and the all-down error."""

from __future__ import annotations

import itertools
import logging
import threading
import time

import pytest

from aisci.errors import AisciError, ConfigError
from aisci.literature import (
    Literature,
    LiteratureSettings,
    LiteratureUnavailable,
    search_literature,
)
from aisci.literature.transport import Throttle
from tests.fakes.literature_fixtures import fast_settings
from tests.fakes.literature_servers import (
    S2_TOO_MANY_REQUESTS,
    FakeArxiv,
    FakeOpenAlex,
    FakeSemanticScholar,
    Reply,
)

SEARCH = FakeSemanticScholar.SEARCH
TOO_MANY = Reply(429, S2_TOO_MANY_REQUESTS)


def literature(tmp_path, **overrides) -> Literature:
    overrides.setdefault("use_cache", False)
    return Literature(fast_settings(tmp_path, **overrides))


def test_429_then_success_is_retried(fake_s2, tmp_path):
    fake_s2.script(SEARCH, TOO_MANY)
    result = literature(tmp_path).search("grokking")
    assert result.backend_used == "semantic_scholar" and result.fell_back_from == ()
    assert len(result.papers) == 4 and fake_s2.request_count(SEARCH) == 2


def test_5xx_is_retried(fake_s2, tmp_path):
    fake_s2.script(SEARCH, (500, {"message": "Internal Server Error"}), (503, "busy"))
    result = literature(tmp_path).search("diffusion")
    assert result.papers[0].title == "Denoising Diffusion Probabilistic Models"
    assert fake_s2.request_count(SEARCH) == 3


def test_429_storm_falls_back_to_openalex_within_cap(fake_s2, fake_openalex, tmp_path, caplog):
    fake_s2.set_default(SEARCH, TOO_MANY)
    cap = 2.0
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="aisci.literature"):
        result = literature(tmp_path, time_cap_s=cap).search("grokking")
    elapsed = time.monotonic() - started
    assert elapsed < cap
    assert result.backend_used == "openalex" and not result.local_only
    [(backend, reason)] = result.fell_back_from
    assert backend == "semantic_scholar" and "HTTP 429" in reason and "Too Many Requests" in reason
    assert fake_s2.request_count(SEARCH) == 3  # max_tries, then gave up
    warning = next(r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    assert "semantic_scholar" in warning and "429" in warning and "openalex" in warning


def test_backoff_never_waits_past_the_backend_cap(fake_s2, fake_openalex, tmp_path):
    fake_s2.set_default(SEARCH, TOO_MANY)
    started = time.monotonic()
    # The first backoff (>= 2.5 s) would overrun the 0.5 s cap: give up at once instead.
    result = literature(
        tmp_path, backoff_base_s=5.0, backoff_cap_s=5.0, backend_time_cap_s=0.5
    ).search("grokking")
    assert time.monotonic() - started < 0.5
    assert result.backend_used == "openalex" and fake_s2.request_count(SEARCH) == 1
    assert "search time cap reached" in result.fell_back_from[0][1]


def test_hanging_server_times_out_and_falls_back(fake_s2, fake_openalex, tmp_path):
    fake_s2.set_default(SEARCH, Reply(200, {"total": 0, "offset": 0}, delay_s=30))
    started = time.monotonic()
    result = literature(tmp_path, request_timeout_s=0.2, max_tries=2).search("grokking")
    assert time.monotonic() - started < 2.0
    assert result.backend_used == "openalex"
    assert "no answer within 0.2 s" in result.fell_back_from[0][1]
    assert fake_s2.request_count(SEARCH) == 2


def test_forbidden_is_not_retried(fake_s2, fake_openalex, tmp_path, caplog):
    fake_s2.set_default(SEARCH, Reply(403, {"message": "Forbidden"}))
    with caplog.at_level(logging.WARNING, logger="aisci.literature"):
        result = literature(tmp_path).search("grokking")
    assert fake_s2.request_count(SEARCH) == 1
    assert result.fell_back_from == (("semantic_scholar", "HTTP 403 Forbidden: Forbidden"),)
    assert any("semantic_scholar failed: HTTP 403" in r.getMessage() for r in caplog.records)


def test_connection_refused_falls_back(tmp_path, fake_openalex, monkeypatch):
    with FakeSemanticScholar() as gone:
        url = gone.base_url
    monkeypatch.setenv("AISCI_S2_API_URL", url)  # nobody listens there any more
    result = literature(tmp_path).search("grokking")
    assert result.backend_used == "openalex"
    assert "connection failed" in result.fell_back_from[0][1]


def test_every_backend_down_raises_with_reasons(fake_s2, fake_openalex, fake_arxiv, tmp_path):
    fake_s2.set_default(SEARCH, TOO_MANY)
    fake_openalex.set_default(FakeOpenAlex.WORKS, Reply(503, "Service Unavailable"))
    fake_arxiv.set_default(FakeArxiv.QUERY, Reply(400, "bad"))
    with pytest.raises(LiteratureUnavailable) as caught:
        literature(tmp_path).search("grokking")
    error = caught.value
    assert isinstance(error, AisciError)
    assert [name for name, _ in error.reasons] == ["semantic_scholar", "openalex", "arxiv", "local"]
    assert "HTTP 429" in error.reasons[0][1] and "HTTP 503" in error.reasons[1][1]
    assert "HTTP 400" in error.reasons[2][1] and "no local corpus" in error.reasons[3][1]
    assert "S2_API_KEY" in error.hint and "references/" in error.hint
    assert "novelty check" in error.hint and "semantic_scholar: HTTP 429" in str(error)
    assert fake_arxiv.request_count() == 1  # a 400 is not retried


def test_overall_cap_skips_remaining_network_backends(fake_s2, fake_openalex, tmp_path):
    fake_s2.set_default(SEARCH, Reply(200, {"total": 0, "offset": 0}, delay_s=30))
    result_error = None
    try:
        literature(
            tmp_path, request_timeout_s=5.0, time_cap_s=0.3, order=("semantic_scholar", "openalex")
        ).search("grokking")
    except LiteratureUnavailable as exc:
        result_error = exc
    assert result_error is not None
    assert result_error.reasons[1] == (
        "openalex",
        "skipped: the search time cap of 0.3 s was reached",
    )
    assert fake_openalex.request_count() == 0


def test_throttle_spaces_two_s2_requests(fake_s2, tmp_path):
    interval = 0.25
    lit = literature(tmp_path, s2_interval_s=interval)
    lit.search("grokking")
    lit.search("diffusion")
    first, second = fake_s2.wait_for_requests(2)
    assert second.time - first.time >= interval


def test_throttle_is_shared_by_instances_and_threads(fake_s2, tmp_path):
    interval = 0.1
    instances = [literature(tmp_path, s2_interval_s=interval) for _ in range(3)]
    threads = [
        threading.Thread(target=lit.search, args=(q,))
        for lit, q in zip(instances, ["grokking", "diffusion", "attention"], strict=False)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    times = sorted(r.time for r in fake_s2.wait_for_requests(3))
    assert all(b - a >= interval for a, b in itertools.pairwise(times))


def test_throttle_refuses_a_turn_past_the_deadline():
    throttle = Throttle(10.0)
    assert throttle.acquire(time.monotonic() + 1)
    throttle.release()
    started = time.monotonic()
    assert not throttle.acquire(time.monotonic() + 1)  # next turn is ~10 s away: no wait
    assert time.monotonic() - started < 0.5
    busy = Throttle(0.0)
    assert busy.acquire()
    started = time.monotonic()
    assert not busy.acquire(time.monotonic() + 0.1)  # still in flight: gives up at the deadline
    assert 0.05 < time.monotonic() - started < 1.0
    busy.release()
    assert busy.acquire(time.monotonic() + 1)


def test_bad_settings_are_config_errors():
    with pytest.raises(ConfigError, match="'scholar'"):
        LiteratureSettings(order=("scholar", "local"))
    with pytest.raises(ConfigError, match="unknown keys"):
        LiteratureSettings.from_mapping({"orderr": ["local"]})
    with pytest.raises(ConfigError, match="request_timeout_s"):
        LiteratureSettings(request_timeout_s=-1)
    assert LiteratureSettings.from_mapping({"order": ["local"]}).order == ("local",)


def test_empty_query_is_a_user_error(tmp_path):
    with pytest.raises(AisciError, match="query is empty"):
        literature(tmp_path).search("   ")


def test_garbage_responses_fall_back_without_retry(fake_s2, fake_openalex, fake_arxiv, tmp_path):
    fake_s2.script(SEARCH, Reply(200, "<html>maintenance</html>"))
    fake_openalex.script(FakeOpenAlex.WORKS, Reply(200, ["not", "an", "object"]))
    order = ("semantic_scholar", "openalex", "arxiv")
    result = literature(tmp_path, order=order).search("attention")
    assert result.backend_used == "arxiv"
    assert "unreadable JSON" in result.fell_back_from[0][1]
    assert "not a JSON object" in result.fell_back_from[1][1]
    assert fake_s2.request_count() == 1 and fake_openalex.request_count() == 1


def test_search_literature_with_order(fake_s2, fake_openalex, tmp_path):
    result = search_literature(
        "grokking", 3, order=["openalex", "semantic_scholar"], settings=fast_settings(tmp_path)
    )
    assert result.backend_used == "openalex" and len(result.papers) == 2
    assert result.query == "grokking" and fake_s2.request_count() == 0
