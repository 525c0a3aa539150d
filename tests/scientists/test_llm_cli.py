"""The LLM scientist through the real CLI (subprocesses) against fake servers on 127.0.0.1:
ideas.json per contract, novelty verdicts, record then replay with the server stopped, a key
missing, and the cost cap stopping a launch that --resume then continues."""

from __future__ import annotations

import itertools
import json
import re

import pytest

from aisci.core.ideas import idea_problems
from tests.fakes.literature_servers import FakeSemanticScholar
from tests.fakes.openai_server import Answer, FakeOpenAI
from tests.helpers import make_template, run_cli
from tests.scientists.answers import decision, idea_text, is_novelty_request

OFFLINE = {"LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_OFFLINE_MODE": "true"}
TITLES = (
    "Warm-up length and the fit",
    "Gradient noise from small batches",
    "Feature scaling before descent",
    "Early stopping against validation loss",
)
FAKE_KEY_ENV = {"OPENAI_API_KEY": "sk-fake", **OFFLINE}


def model_answers(completion_tokens: int | None = None):
    """A fake model: distinct ideas, every review done at once; a search, then a verdict."""
    counter = itertools.count(1)

    def answer(body: dict):
        prompt = body["messages"][-1]["content"]
        if is_novelty_request(body):
            if "No search yet." in prompt:
                text = decision("search", "grokking")
            else:
                text = decision(
                    "not_novel",
                    reason="Progress measures covers it.",
                    closest=["Progress measures for grokking via mechanistic interpretability"],
                )
        elif prompt.startswith("Review round"):
            last = json.loads(body["messages"][-2]["content"])
            text = json.dumps({**last, "done": True})
        else:
            n = next(counter)
            text = idea_text(f"idea_{n}", TITLES[(n - 1) % len(TITLES)])
        return Answer(text, completion_tokens=completion_tokens)

    return answer


def ideas_args(template, results, base_url, *extra):
    return (
        "ideas",
        "--template",
        str(template),
        "--model",
        "openai/fake-model",
        "--api-base",
        base_url,
        "--scientist",
        "llm",
        "--results",
        str(results),
        "--num-ideas",
        "2",
        "--reflections",
        "1",
        *extra,
    )


def test_ideas_then_novelty_then_replay_without_the_server(tmp_path, fake_s2):
    template = make_template(tmp_path)
    cassette = tmp_path / "calls.jsonl"
    with FakeOpenAI(default=model_answers()) as fake:
        base_url = fake.base_url
        made = run_cli(
            *ideas_args(template, tmp_path / "results", base_url, "--record", str(cassette)),
            cwd=tmp_path,
            env=FAKE_KEY_ENV,
        )
        assert made.returncode == 0, made.stderr
        assert len(fake.chat_requests) == 4  # two ideas, a draft and one review each

        ideas_file = tmp_path / "results" / "tiny" / "ideas.json"
        ideas = json.loads(ideas_file.read_text())
        assert [i["Name"] for i in ideas] == ["idea_1", "idea_2"]
        for entry in ideas:
            assert list(idea_problems(entry)) == []
            assert set(entry) >= {
                "Name",
                "Title",
                "Experiment",
                "Interestingness",
                "Feasibility",
                "Novelty",
            }
            assert "novel" not in entry and "Thought" not in entry and "done" not in entry
        assert "idea_1: Warm-up length and the fit" in made.stdout
        assert len(cassette.read_text().splitlines()) == 4

        checked = run_cli(
            "novelty",
            "--template",
            str(template),
            "--model",
            "openai/fake-model",
            "--api-base",
            base_url,
            "--scientist",
            "llm",
            "--results",
            str(tmp_path / "results"),
            cwd=tmp_path,
            env=FAKE_KEY_ENV,
        )
        assert checked.returncode == 0, checked.stderr
        assert "idea_1: not novel - Progress measures covers it." in checked.stdout
    verdicts = json.loads(ideas_file.read_text())
    assert [i["novel"] for i in verdicts] == [False, False]
    assert verdicts[0]["novelty_check"]["queries"] == ["grokking"]
    assert verdicts[0]["novelty_check"]["papers"][0]["year"] == 2023
    assert fake_s2.request_count(FakeSemanticScholar.SEARCH) >= 1
    cost = json.loads((tmp_path / "results" / "tiny" / "cost.json").read_text())
    assert set(cost["by_stage"]) == {"ideas", "novelty"} and cost["totals"]["calls"] == 8

    # The fake server is stopped: only the cassette can answer, and the key is not needed.
    replayed = run_cli(
        *ideas_args(template, tmp_path / "replayed", base_url, "--replay", str(cassette)),
        cwd=tmp_path,
        env=OFFLINE,
    )  # no OPENAI_API_KEY (conftest)
    assert replayed.returncode == 0, replayed.stderr
    assert json.loads((tmp_path / "replayed" / "tiny" / "ideas.json").read_text()) == ideas
    replay_cost = json.loads((tmp_path / "replayed" / "tiny" / "cost.json").read_text())
    assert replay_cost["totals"]["replayed_calls"] == 4


def test_missing_key_fails_before_the_baseline(tmp_path):
    template = make_template(tmp_path)
    done = run_cli(
        "launch",
        "--template",
        str(template),
        "--model",
        "gpt-4o",
        "--scale",
        "smoke",
        "--results",
        str(tmp_path / "results"),
        cwd=tmp_path,
        env=OFFLINE,
    )  # no OPENAI_API_KEY
    assert done.returncode == 1
    assert "error: Model `gpt-4o` needs an API key: OPENAI_API_KEY is not set." in done.stderr
    assert not (tmp_path / "results").exists()  # no baseline, no folder: nothing ran


@pytest.fixture(scope="module")
def capped_launch(tmp_path_factory):
    """A launch capped so that the first idea's call passes and the second is refused, then
    the same launch resumed with a higher cap. gpt-4o-mini has a price in litellm's bundled
    map; the fake serves it and reports 5,000 completion tokens per answer ($0.003 each)."""
    tmp = tmp_path_factory.mktemp("capped")
    template = make_template(tmp)
    # Module scope: the per-test environment fixtures have not run, so set what they would.
    env = {**FAKE_KEY_ENV, "AISCI_CACHE_DIR": str(tmp / "cache")}
    results = tmp / "results"
    with FakeOpenAI(default=model_answers(completion_tokens=5000)) as fake:
        args = (
            "launch",
            "--template",
            str(template),
            "--model",
            "openai/gpt-4o-mini",
            "--api-base",
            fake.base_url,
            "--scientist",
            "llm",
            "--skip-novelty-check",
            "--num-ideas",
            "2",
            "--reflections",
            "0",
            "--scale",
            "smoke",
            "--writeup",
            "none",
            "--engine",
            "local",
            "--results",
            str(results),
        )
        stopped = run_cli(*args, "--max-cost", "0.002", cwd=tmp, env=env)
        ideas_after_stop = json.loads((results / "tiny" / "ideas.json").read_text())
        calls_after_stop = len(fake.chat_requests)
        resumed = run_cli(*args, "--resume", "--max-cost", "1", cwd=tmp, env=env)
    return {
        "stopped": stopped,
        "resumed": resumed,
        "results": results,
        "ideas_after_stop": ideas_after_stop,
        "calls_after_stop": calls_after_stop,
    }


def test_cost_cap_stops_the_launch_during_ideas(capped_launch):
    stopped = capped_launch["stopped"]
    assert stopped.returncode == 1
    message = " ".join(stopped.stderr.split())
    assert re.search(
        r"error: Cost cap reached: \$0\.003\d* spent of the \$0\.002 cap, and the next call "
        r"\(stage `ideas`\) is estimated at \$0\.\d+; the call was not made\.",
        message,
    ), message
    assert "--max-cost" in message
    assert capped_launch["calls_after_stop"] == 1  # the refused call never reached the server
    assert [i["Name"] for i in capped_launch["ideas_after_stop"]] == [
        "idea_1"
    ]  # what was saved stays


def test_resume_with_a_higher_cap_continues(capped_launch):
    resumed = capped_launch["resumed"]
    assert "resuming the launch" in resumed.stderr
    assert "Cost cap reached" not in resumed.stderr
    names = [
        i["Name"]
        for i in json.loads((capped_launch["results"] / "tiny" / "ideas.json").read_text())
    ]
    assert names[0] == "idea_1" and len(names) >= 2


def test_resume_completes_the_launch_own_ideas(capped_launch):
    results = capped_launch["results"]
    names = [i["Name"] for i in json.loads((results / "tiny" / "ideas.json").read_text())]
    state = json.loads((results / "tiny" / "state.json").read_text())
    assert names == ["idea_1", "idea_2"]
    assert state["launch"]["ideas"] == ["idea_1", "idea_2"]


def test_a_model_without_a_price_costs_unknown_not_zero(tmp_path):
    template = make_template(tmp_path)
    with FakeOpenAI(default=model_answers()) as fake:
        made = run_cli(
            *ideas_args(template, tmp_path / "results", fake.base_url),
            cwd=tmp_path,
            env=FAKE_KEY_ENV,
        )
    assert made.returncode == 0, made.stderr
    assert "cost: unknown (ideas unknown)" in made.stderr and "$0.0000" not in made.stderr


def test_the_providers_key_is_never_sent_to_a_custom_server(tmp_path):
    template = make_template(tmp_path)
    with FakeOpenAI(default=model_answers()) as fake:
        plain = run_cli(
            *ideas_args(template, tmp_path / "a", fake.base_url),
            cwd=tmp_path,
            env={**FAKE_KEY_ENV, "OPENAI_API_KEY": "sk-provider-secret"},
        )
        sent_plain = [r.headers.get("authorization", "") for r in fake.chat_requests]
        named = run_cli(
            *ideas_args(template, tmp_path / "b", fake.base_url, "--api-key-env", "MY_SERVER_KEY"),
            cwd=tmp_path,
            env={
                **FAKE_KEY_ENV,
                "OPENAI_API_KEY": "sk-provider-secret",
                "MY_SERVER_KEY": "sk-for-this-server",
            },
        )
        sent_named = [r.headers.get("authorization", "") for r in fake.chat_requests][
            len(sent_plain) :
        ]
    assert plain.returncode == 0 and named.returncode == 0, plain.stderr + named.stderr
    assert sent_plain and not any("sk-provider-secret" in h for h in sent_plain)
    assert sent_named and all(h == "Bearer sk-for-this-server" for h in sent_named)
