"""The LLM scientist's novelty check, through core's check_novelty, against the fake OpenAI
server and the fake Semantic Scholar / OpenAlex / arXiv servers (real literature code)."""

from __future__ import annotations

import json
import time

import pytest

from aisci.core.ideas import Idea
from aisci.core.ideation import check_novelty, ideas_path, load_ideas, save_ideas
from aisci.literature import Literature
from aisci.scientists.llm import LLMScientist
from tests.fakes.literature_fixtures import fast_settings
from tests.fakes.literature_servers import S2_TOO_MANY_REQUESTS, S2_ZERO_HITS, FakeSemanticScholar
from tests.scientists.answers import decision, user_text

IDEA = Idea(
    "grok_wd",
    "Weight decay schedules and the timing of grokking",
    "Decay the weight decay linearly and compare step_val_acc_99 with the constant baseline.",
    7,
    8,
    6,
)
NETWORK = ("semantic_scholar", "openalex", "arxiv", "local")


@pytest.fixture
def checked(template, make_ctx, tmp_path):
    """Run check_novelty on IDEA; returns (the checked idea's novelty_check dict, ctx)."""

    def run(literature=None, **settings):
        ctx = make_ctx(**settings)
        save_ideas(ideas_path(ctx.settings.results, template), [IDEA])
        scientist = LLMScientist(template, ctx, literature=literature)
        [idea] = check_novelty(template, scientist, ctx)
        return idea, ctx

    return run


def network_literature(tmp_path, order=NETWORK):
    return Literature(fast_settings(tmp_path, order=order), workspace=tmp_path)


def test_search_then_not_novel_records_query_and_paper(checked, fake_openai, fake_s2, tmp_path):
    fake_openai.script(
        [
            decision("search", "grokking"),
            decision(
                "not_novel",
                reason="Omnigrok already controls the weight norm.",
                closest=["Omnigrok: Grokking Beyond Algorithmic Data", "A paper nobody returned"],
            ),
        ]
    )
    idea, _ = checked(network_literature(tmp_path))

    assert idea.novel is False
    verdict = idea.extra["novelty_check"]
    assert verdict["queries"] == ["grokking"] and verdict["kind"] == "model"
    assert verdict["reason"] == "Omnigrok already controls the weight norm."
    assert verdict["papers_seen"] == 4 and verdict["local_only"] is False
    assert verdict["papers"][0] == {
        "title": "Omnigrok: Grokking Beyond Algorithmic Data",
        "year": 2022,
        "venue": "International Conference on Learning Representations",
        "url": "https://www.semanticscholar.org/paper/c3d5e7f9a1b2c4d6e8f0a2b3c5d7e9f1a3b4c6d8",
        "authors": ["Ziming Liu", "Eric J. Michaud", "Max Tegmark"],
    }
    assert verdict["papers"][1]["found_in_search"] is False
    assert fake_s2.requests[0].params["query"] == "grokking"

    first, second = (user_text(r) for r in fake_openai.chat_requests)
    assert "Round 1 of 3" in first and "No search yet." in first and IDEA.title in first
    # Null abstract, empty venue, null year and no authors are shown, not crashed on.
    assert (
        "Towards Understanding Grokking: An Effective Theory of Representation Learning "
        "(year ?; venue ?; 0 citations)\n   No abstract."
    ) in second
    assert 'Queries so far: "grokking"' in second
    omnigrok = next(line for line in second.splitlines() if line.startswith("   Grokking is tied"))
    assert len(omnigrok) < 320  # abstracts are trimmed to ~300 characters


def test_zero_hits_then_novel(checked, fake_openai, fake_s2, tmp_path):
    fake_s2.script(FakeSemanticScholar.SEARCH, (200, S2_ZERO_HITS))
    fake_openai.script(
        [
            decision("search", "decaying weight decay grokking"),
            decision("novel", reason="Nothing close was found."),
        ]
    )
    idea, _ = checked(network_literature(tmp_path))

    assert idea.novel is True
    verdict = idea.extra["novelty_check"]
    assert verdict["papers_seen"] == 0 and verdict["papers"] == [] and verdict["label"] == "novel"
    assert 'No paper matched "decaying weight decay grokking".' in user_text(
        fake_openai.chat_requests[1]
    )


def test_s2_rate_limit_storm_falls_back_to_openalex(
    checked, fake_openai, fake_s2, fake_openalex, tmp_path
):
    fake_s2.set_default(FakeSemanticScholar.SEARCH, (429, S2_TOO_MANY_REQUESTS))
    fake_openai.script(
        [
            decision("search", "grokking"),
            decision(
                "not_novel",
                closest=[
                    "Grokking: Generalization Beyond Overfitting on Small Algorithmic Datasets"
                ],
            ),
        ]
    )
    started = time.monotonic()
    idea, _ = checked(network_literature(tmp_path))

    assert time.monotonic() - started < 10  # within the search time cap, not hanging on 429s
    assert fake_s2.request_count(FakeSemanticScholar.SEARCH) == 3  # max_tries, then give up
    assert fake_openalex.request_count() == 1
    verdict = idea.extra["novelty_check"]
    assert (
        verdict["papers"][0]["url"] == "https://doi.org/10.48550/arxiv.2201.02177"
    )  # OpenAlex's record
    assert verdict["papers"][0]["authors"][0] == "Alethea Power"


def test_local_corpus_only_verdict_is_marked(checked, fake_openai, tmp_path, monkeypatch):
    refs = tmp_path / "references"
    refs.mkdir()
    (refs / "mine.jsonl").write_text(
        json.dumps(
            {
                "title": "Scheduled weight decay delays grokking",
                "year": 2024,
                "authors": ["A. Researcher"],
                "abstract": "We anneal weight decay and measure when validation accuracy jumps.",
            }
        )
        + "\n"
    )
    monkeypatch.chdir(tmp_path)  # --engine local searches ./references
    fake_openai.script(
        [
            decision("search", "weight decay grokking"),
            decision("not_novel", closest=["Scheduled weight decay delays grokking"]),
        ]
    )
    idea, _ = checked(engine="local")

    verdict = idea.extra["novelty_check"]
    assert verdict["local_only"] is True and verdict["label"] == "not novel (local corpus only)"
    assert verdict["papers"][0]["title"] == "Scheduled weight decay delays grokking"
    assert "(from the researcher's local corpus only)" in user_text(fake_openai.chat_requests[1])


def test_no_literature_at_all_is_told_to_the_model_and_in_the_reason(
    checked, fake_openai, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)  # no references/ folder: the local corpus has nothing
    fake_openai.script(
        [decision("search", "grokking"), decision("novel", reason="I know of no such study.")]
    )
    idea, _ = checked(engine="local")

    assert idea.novel is True
    assert "The search failed: no literature source answered (local: " in user_text(
        fake_openai.chat_requests[1]
    )
    verdict = idea.extra["novelty_check"]
    assert verdict["reason"] == (
        "No literature source answered any search; decided by the model without "
        "papers: I know of no such study."
    )
    assert verdict["queries"] == ["grokking"] and verdict["local_only"] is False


def test_novel_without_any_search_is_sent_back(checked, fake_openai, fake_s2, tmp_path):
    fake_openai.script(
        [
            decision("novel", reason="Surely new."),
            decision("search", "grokking"),
            decision("novel", reason="Nothing matches."),
        ]
    )
    idea, _ = checked(network_literature(tmp_path))
    assert idea.novel is True and idea.extra["novelty_check"]["queries"] == ["grokking"]
    assert "You decided novel without any search; search first." in user_text(
        fake_openai.chat_requests[1]
    )


def test_rounds_run_out_means_not_novel(checked, fake_openai, fake_s2, tmp_path):
    fake_openai.script(
        [decision("search", "grokking"), decision("search", "omnigrok", reason="Need more.")]
    )
    idea, _ = checked(network_literature(tmp_path), novelty_rounds=2)

    assert idea.novel is False
    verdict = idea.extra["novelty_check"]
    assert verdict["reason"] == (
        "No decision within 2 round(s) of search, so judged not novel (the "
        "conservative rule). The model's last note: Need more."
    )
    assert verdict["queries"] == ["grokking"]  # the last round's search was never run
    assert "(the last one: decide now" in user_text(fake_openai.chat_requests[1])
    assert len(fake_openai.chat_requests) == 2


def test_verdicts_are_saved_per_idea(checked, fake_openai, fake_s2, tmp_path, template):
    fake_openai.script([decision("not_novel", reason="Known result.")])
    _idea, ctx = checked(network_literature(tmp_path))
    saved = load_ideas(ideas_path(ctx.settings.results, template))
    assert saved[0].novel is False and saved[0].extra["novelty_check"]["queries"] == []
    ledger = json.loads((ctx.settings.results / template.name / "cost.json").read_text())
    assert ledger["by_stage"]["novelty"]["calls"] == 1
