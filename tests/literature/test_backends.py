"""Each backend against its fake API, in the real response shapes."""

from __future__ import annotations

import pytest

from aisci.literature.arxiv import Arxiv, search_query
from aisci.literature.bibparse import parse_bibtex
from aisci.literature.openalex import OpenAlex, rebuild_abstract
from aisci.literature.semantic_scholar import FIELDS, SemanticScholar
from aisci.literature.transport import BackendError
from tests.fakes.literature_servers import (
    S2_ZERO_HITS,
    FakeArxiv,
    Reply,
    arxiv_feed,
)


def s2(**kw):
    return SemanticScholar(interval_s=0.0, **kw)


def test_s2_parses_real_shape_with_null_fields(fake_s2):
    papers = s2().search("grokking", 10)
    assert [p.title for p in papers][:2] == [
        "Grokking: Generalization Beyond Overfitting on Small Algorithmic Datasets",
        "Progress measures for grokking via mechanistic interpretability",
    ]
    power, nanda, omni, empty = papers
    assert power.authors[0] == "Alethea Power" and power.year == 2022
    assert power.citation_count == 412 and power.source == "semantic_scholar"
    assert power.bibtex.startswith("@article{Power2022GrokkingGB,")  # was @['JournalArticle']
    assert nanda.abstract is None and "Abstract: unknown" in nanda.describe()
    assert omni.bibtex.startswith("@article{liu2022omnigrok,")  # citationStyles null: built
    assert (empty.authors, empty.venue, empty.year) == ((), None, None)
    assert empty.bibtex.startswith("@misc{anonndunderstanding,")  # bibtex null: built
    request = fake_s2.requests[0]
    assert request.path == "/paper/search"
    assert request.params == {"query": "grokking", "limit": "10", "fields": FIELDS}
    assert "aisci" in request.headers["user-agent"] and "x-api-key" not in request.headers


def test_s2_zero_hits_without_data_is_empty(fake_s2):
    fake_s2.script("/paper/search", (200, S2_ZERO_HITS))
    assert s2().search("grokking", 5) == []
    assert s2().search("no such words anywhere", 5) == []  # the fake's own zero-hit answer
    assert fake_s2.request_count() == 2


def test_s2_api_key_sent_as_header(fake_s2, monkeypatch):
    monkeypatch.setenv("S2_API_KEY", "secret-123")
    s2().search("diffusion", 3)
    assert fake_s2.requests[-1].headers["x-api-key"] == "secret-123"


def test_s2_limit_respected(fake_s2):
    assert len(s2().search("grokking", 2)) == 2
    assert fake_s2.requests[-1].params["limit"] == "2"


def test_openalex_parses_works_and_rebuilds_abstract(fake_openalex):
    papers = OpenAlex(interval_s=0.0).search("grokking", 10)
    assert len(papers) == 2
    grok, unnamed = papers
    assert grok.abstract.startswith("Neural networks trained on small algorithmic datasets")
    assert grok.abstract.endswith("we call grokking.")
    assert grok.venue == "arXiv (Cornell University)" and grok.citation_count == 187
    assert grok.identifier == "10.48550/arxiv.2201.02177"
    assert "doi = {10.48550/arxiv.2201.02177}" in grok.bibtex
    # title null -> display_name; authorships [] ; source display_name null; year null
    assert unnamed.title == "Grokking of modular addition in small transformers"
    assert (unnamed.authors, unnamed.venue, unnamed.year) == ((), None, None)
    assert unnamed.abstract is None
    assert fake_openalex.requests[0].params == {"search": "grokking", "per_page": "10"}


def test_openalex_null_location_and_key_param(fake_openalex, monkeypatch):
    monkeypatch.setenv("OPENALEX_API_KEY", "oa-key")
    [ddpm] = OpenAlex(interval_s=0.0).search("diffusion", 5)
    assert ddpm.venue is None and ddpm.abstract is None and ddpm.identifier.startswith("https://")
    [attention] = OpenAlex(interval_s=0.0).search("attention", 5)
    assert attention.venue is None  # primary_location is null
    assert fake_openalex.requests[-1].params["api_key"] == "oa-key"


def test_rebuild_abstract_orders_words_by_position():
    assert rebuild_abstract({"world": [1], "hello": [0, 2]}) == "hello world hello"
    assert rebuild_abstract(None) is None and rebuild_abstract({}) is None


def test_arxiv_parses_atom_and_builds_misc_bibtex(fake_arxiv):
    papers = Arxiv(interval_s=0.0).search("grokking", 10)
    assert [p.identifier for p in papers] == ["2201.02177", "2310.06110"]
    grok = papers[0]
    assert grok.title == (
        "Grokking: Generalization Beyond Overfitting on Small Algorithmic Datasets"
    )  # the feed wraps the title over two lines
    assert grok.year == 2022 and grok.citation_count is None and grok.source == "arxiv"
    assert grok.abstract.startswith("We study how neural networks")
    assert grok.url == "https://arxiv.org/abs/2201.02177"
    [entry] = parse_bibtex(grok.bibtex)
    assert (entry.entry_type, entry.key) == ("misc", "power2022grokking")
    assert entry.fields["eprint"] == "2201.02177" and entry.fields["archiveprefix"] == "arXiv"
    assert entry.fields["primaryclass"] == "cs.LG"
    assert entry.fields["author"].startswith("Alethea Power and Yuri Burda")
    params = fake_arxiv.requests[0].params
    assert params["search_query"] == "all:grokking" and params["max_results"] == "10"


def test_arxiv_journal_ref_is_venue(fake_arxiv):
    [paper] = Arxiv(interval_s=0.0).search("attention transformer", 5)
    assert paper.venue.startswith("Advances in Neural Information Processing Systems")
    assert fake_arxiv.requests[0].params["search_query"] == "all:attention AND all:transformer"


def test_arxiv_zero_results_feed_is_empty(fake_arxiv):
    assert Arxiv(interval_s=0.0).search("nonexistent topic words", 5) == []
    assert "<opensearch:totalResults" in arxiv_feed([])


def test_arxiv_error_feed_and_bad_xml_are_backend_errors(fake_arxiv):
    error_feed = arxiv_feed(
        [
            {
                "id": "x",
                "published": "2024-01-01T00:00:00Z",
                "category": "x",
                "title": "Error",
                "summary": "malformed query",
                "authors": [],
            }
        ]
    )
    error_feed = error_feed.replace("http://arxiv.org/abs/x", "http://arxiv.org/api/errors#x")
    fake_arxiv.script(FakeArxiv.QUERY, Reply(200, error_feed), Reply(200, "<feed><entry>"))
    with pytest.raises(BackendError, match="query rejected: malformed query"):
        Arxiv(interval_s=0.0).search("grokking", 5)
    with pytest.raises(BackendError, match="unreadable Atom feed"):
        Arxiv(interval_s=0.0).search("grokking", 5)


def test_arxiv_query_drops_stopwords():
    assert (
        search_query("The effect of weight decay on grokking")
        == "all:effect AND all:weight AND all:decay AND all:grokking"
    )
