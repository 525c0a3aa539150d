"""The local corpus: BM25 over JSONL records and .bib files, and the facade's offline fallback."""

from __future__ import annotations

import json
import logging

import pytest

from aisci.literature import Literature, LiteratureUnavailable
from aisci.literature.bibparse import parse_bibtex, split_authors
from aisci.literature.local import Bm25, LocalCorpus
from aisci.literature.transport import BackendError
from tests.fakes.literature_fixtures import fast_settings
from tests.fakes.literature_servers import FakeArxiv, FakeOpenAlex, FakeSemanticScholar, Reply

RECORDS = [
    {
        "title": "Denoising Diffusion Probabilistic Models",
        "authors": ["Jonathan Ho", "Ajay Jain"],
        "venue": "NeurIPS",
        "year": 2020,
        "abstract": "Image synthesis with diffusion models.",
    },
    {
        "title": "Grokking: Generalization Beyond Overfitting on Small Algorithmic Datasets",
        "authors": "Power, Alethea and Burda, Yuri",
        "year": "2022",
        "abstract": "Validation accuracy jumps long after overfitting on modular arithmetic.",
    },
    {"title": "Attention Is All You Need", "abstract": None, "venue": "", "authors": []},
    {
        "title": "Layer Normalization",
        "bibtex": "@article{ba2016layer,\n title={Layer "
        "Normalization},\n author={Ba, Jimmy Lei},\n year={2016}\n}",
    },
]

BIB = r"""
@string{neurips = "Advances in Neural Information Processing Systems"}
@comment{ a comment with @article{not,an entry} inside }
@inproceedings{ho2020ddpm,
  title     = {Denoising Diffusion Probabilistic {M}odels},
  author    = {Ho, Jonathan and Jain, Ajay and Abbeel, Pieter},
  booktitle = neurips,
  year      = 2020,
}
@article{power2022grokking,
  title = "Grokking: Generalization Beyond Overfitting on {Small {Algorithmic}} Datasets",
  author = {Power, Alethea and Burda, Yuri and others},
  journal = {arXiv preprint arXiv:2201.02177},
  year = {2022},
  abstract = {Networks on modular arithmetic generalize long after they overfit.}
}
@article{broken, title = {unbalanced
@misc{nanda2023progress,
  title = {Progress measures for grokking via mechanistic interpretability},
  author = {Nanda, Neel and Chan, Lawrence},
  year = {2023}, note = "with " # "concatenation"
}
@article{vaswani2017, title = {Attention Is All You Need}, author = {Vaswani, Ashish}, year={2017}}
"""


def write_jsonl(path, records, extra_lines=()):
    lines = [json.dumps(r) for r in records] + list(extra_lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_jsonl_bm25_ranks_the_matching_record_first(tmp_path, caplog):
    write_jsonl(tmp_path / "papers.jsonl", RECORDS, ["{not json", "[1, 2]", ""])
    corpus = LocalCorpus([tmp_path])
    with caplog.at_level(logging.WARNING, logger="aisci.literature"):
        papers = corpus.search("grokking generalization on modular arithmetic", 5)
    assert papers[0].title.startswith("Grokking") and len(papers) == 1
    assert papers[0].authors == ("Alethea Power", "Yuri Burda") and papers[0].year == 2022
    assert papers[0].bibtex.startswith("@misc{power2022grokking,")
    assert sum("papers.jsonl line" in r.getMessage() for r in caplog.records) == 2
    [attention] = corpus.search("attention", 5)
    assert (attention.authors, attention.venue, attention.abstract) == ((), None, None)
    [layer] = corpus.search("layer normalization", 5)
    assert layer.bibtex.startswith("@article{ba2016layer,")  # the record's own entry kept


def test_bib_file_is_parsed_and_ranked(tmp_path):
    (tmp_path / "refs.bib").write_text(BIB, encoding="utf-8")
    corpus = LocalCorpus([tmp_path / "refs.bib"])
    assert len(corpus.papers) == 4  # the broken entry is skipped, the comment ignored
    papers = corpus.search("denoising diffusion models", 3)
    ddpm = papers[0]
    assert (
        ddpm.identifier == "ho2020ddpm" and ddpm.title == "Denoising Diffusion Probabilistic Models"
    )
    assert ddpm.venue == "Advances in Neural Information Processing Systems"  # @string macro
    assert ddpm.authors == ("Jonathan Ho", "Ajay Jain", "Pieter Abbeel") and ddpm.year == 2020
    assert ddpm.bibtex.startswith("@inproceedings{ho2020ddpm,")
    grok = corpus.search("grokking overfitting", 3)
    assert grok[0].identifier == "power2022grokking"
    assert (
        grok[0].title == "Grokking: Generalization Beyond Overfitting on Small Algorithmic Datasets"
    )
    assert {p.identifier for p in grok} == {"power2022grokking", "nanda2023progress"}


def test_unclosed_entry_does_not_swallow_the_next_ones():
    text = "@article{bad, title = {open\n@misc{good1, title={One}}\n@misc{good2, title={Two}}\n}"
    assert [e.key for e in parse_bibtex(text)] == ["good1", "good2"]


def test_bibtex_reader_details():
    [entry] = parse_bibtex('@misc(k1, title = "A {"}quote" # { and} # x, year = 2001)')
    assert entry.fields == {"title": 'A {"}quote andx', "year": "2001"}
    assert split_authors("Power, Alethea and\n Yuri {Burda and Sons} AND others") == [
        "Alethea Power",
        "Yuri {Burda and Sons}",
    ]


def test_bm25_prefers_rarer_terms():
    index = Bm25(
        [["grokking", "transformer"], ["transformer", "attention"], ["transformer", "vision"]]
    )
    scores = index.scores(["grokking", "transformer"])
    assert scores[0] > scores[1] == scores[2] > 0
    assert index.scores(["absent"]) == [0.0, 0.0, 0.0]


def test_corpus_notices_new_files(tmp_path):
    corpus = LocalCorpus([tmp_path])
    with pytest.raises(BackendError, match="no local corpus"):
        corpus.search("grokking", 3)
    write_jsonl(tmp_path / "a.jsonl", RECORDS[:2])
    assert corpus.search("grokking", 3)[0].title.startswith("Grokking")


def test_workspace_references_used_when_every_api_fails(tmp_path, monkeypatch):
    refs = tmp_path / "ws" / "references"
    refs.mkdir(parents=True)
    (refs / "refs.bib").write_text(BIB, encoding="utf-8")
    with FakeSemanticScholar() as s2, FakeOpenAlex() as oa, FakeArxiv() as ax:
        monkeypatch.setenv("AISCI_S2_API_URL", s2.base_url)
        monkeypatch.setenv("AISCI_OPENALEX_API_URL", oa.base_url)
        monkeypatch.setenv("AISCI_ARXIV_API_URL", ax.base_url)
        s2.set_default(FakeSemanticScholar.SEARCH, Reply(429, {"code": "429"}))
        oa.set_default(FakeOpenAlex.WORKS, Reply(500, "oops"))
        ax.set_default(FakeArxiv.QUERY, Reply(503, "later"))
        with Literature(fast_settings(tmp_path), workspace=tmp_path / "ws") as lit:
            result = lit.search("grokking overfitting")
    assert result.backend_used == "local" and result.local_only and not result.from_cache
    assert [b for b, _ in result.fell_back_from] == ["semantic_scholar", "openalex", "arxiv"]
    assert result.papers[0].identifier == "power2022grokking"


def test_local_only_order_needs_no_network(tmp_path):
    write_jsonl(tmp_path / "p.jsonl", RECORDS)
    with Literature(fast_settings(tmp_path, order=("local",), local_paths=(tmp_path,))) as lit:
        result = lit.search("diffusion")
        assert result.local_only and result.papers[0].year == 2020
        with pytest.raises(LiteratureUnavailable, match="no local corpus"):
            Literature(fast_settings(tmp_path, order=("local",))).search("diffusion")
