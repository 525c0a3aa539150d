"""The LLM scientist's ideas, through core's generate_ideas, against the fake OpenAI server."""

from __future__ import annotations

import json

import pytest

from aisci.core import events as ev
from aisci.core.ideas import Idea
from aisci.core.ideation import generate_ideas, ideas_path, save_ideas
from aisci.errors import ConfigError
from aisci.llm import LLMFormatError
from aisci.scientists import make_scientist
from aisci.scientists.llm import LLMScientist
from tests.fakes.openai_server import Error
from tests.scientists.answers import idea, idea_text, user_text
from tests.scientists.conftest import FAST_RETRY


def test_prose_answer_is_reasked_then_one_idea_is_saved(template, make_ctx, fake_openai):
    fake_openai.script(
        ["Sure! I think studying warm-up would be great.", idea_text("warmup_length")]
    )
    ctx = make_ctx()
    ideas = generate_ideas(template, LLMScientist(template, ctx), ctx, 1)

    assert [i.name for i in ideas] == ["warmup_length"]
    saved = json.loads(ideas_path(ctx.settings.results, template).read_text())
    assert [i["Name"] for i in saved] == ["warmup_length"]
    assert "Thought" not in saved[0] and saved[0]["Feasibility"] == 8
    assert saved[0]["generated_by"] == "llm scientist (openai/fake-model)"
    reask = fake_openai.chat_requests[1].body["messages"]
    assert reask[-2] == {
        "role": "assistant",
        "content": "Sure! I think studying warm-up would be great.",
    }
    assert "could not be used" in reask[-1]["content"]


def test_prompt_holds_task_code_and_taken_ideas(template, make_ctx, fake_openai):
    ctx = make_ctx()
    earlier = Idea("earlier_idea", "An idea from yesterday", "Do it.", 5, 5, 5)
    save_ideas(ideas_path(ctx.settings.results, template), [earlier])
    fake_openai.script([idea_text("fresh_idea")])
    generate_ideas(template, LLMScientist(template, ctx), ctx, 1)

    request = fake_openai.chat_requests[0].body["messages"]
    assert (
        request[0]["role"] == "system" and template.system_prompt.strip() in request[0]["content"]
    )
    prompt = user_text(fake_openai.chat_requests[0])
    assert template.task_description.strip() in prompt
    assert "def main" in prompt or "argparse" in prompt  # the experiment's code
    # ... without the module's docstring (an outline keeps a function's first docstring line)
    assert "Replace the data, the model and the loop" not in prompt
    assert "- earlier_idea: An idea from yesterday" in prompt  # the archive, name and title
    for seed in template.seed_ideas:
        assert f"- {seed.name}: " in prompt
        assert seed.experiment not in prompt  # titles only: fewer tokens


def test_duplicate_is_dropped_by_core_and_named_in_the_next_prompt(template, make_ctx, fake_openai):
    fake_openai.script(
        [
            idea_text("warmup_length", "Warm-up length and the fit"),
            idea_text("warmup_steps", "Warm-up length and the fit!"),  # same title
            idea_text("batch_noise", "Gradient noise from small batches"),
        ]
    )
    ctx = make_ctx()
    ideas = generate_ideas(template, LLMScientist(template, ctx), ctx, 2)

    assert [i.name for i in ideas] == ["warmup_length", "batch_noise"]
    dropped = [e.message for e in ctx.reporter.of_type(ev.Log) if "dropped" in e.message]
    assert dropped == ["dropped idea warmup_steps: it repeats warmup_length"]
    third = user_text(fake_openai.chat_requests[2])
    assert "- warmup_length: Warm-up length and the fit" in third
    assert "- warmup_steps: " in third  # its own repeat is shown as taken too


def test_reflections_stop_early_when_done(template, make_ctx, fake_openai):
    fake_openai.script(
        [
            idea_text("warmup_length", "First draft"),
            idea_text("warmup_length", "Sharper title", done=False),
            idea_text("warmup_length", "Sharper title", done=True),
        ]
    )
    ctx = make_ctx(num_reflections=3)
    [made] = generate_ideas(template, LLMScientist(template, ctx), ctx, 1)

    assert len(fake_openai.chat_requests) == 3
    assert made.title == "Sharper title" and made.extra["review_rounds"] == 2
    assert "done" not in made.to_dict()
    second = fake_openai.chat_requests[1].body["messages"]
    assert json.loads(second[2]["content"])["Title"] == "First draft"  # the conversation goes on
    assert "Review round 1 of 3" in second[3]["content"]


def test_unusable_review_keeps_the_last_good_version(template, make_ctx, fake_openai):
    fake_openai.script([idea_text("warmup_length", "Good draft")] + ["no json at all"] * 3)
    ctx = make_ctx(num_reflections=2)
    [made] = generate_ideas(template, LLMScientist(template, ctx), ctx, 1)
    assert made.title == "Good draft" and made.extra["review_rounds"] == 0
    assert len(fake_openai.chat_requests) == 4  # 1 draft + 3 answers to the first review


def test_unusable_draft_fails_with_the_reason(template, make_ctx, fake_openai):
    bad = json.dumps({**idea("Not Snake Case")})
    fake_openai.script([bad] * 3)
    ctx = make_ctx()
    with pytest.raises(
        LLMFormatError, match=r"no usable JSON for stage `ideas` after 3 answers: .*Name"
    ):
        generate_ideas(template, LLMScientist(template, ctx), ctx, 1)
    assert not ideas_path(ctx.settings.results, template).exists()


def test_rate_limit_is_retried_and_cost_reported(template, make_ctx, fake_openai):
    fake_openai.script([Error(429), idea_text("warmup_length")])
    ctx = make_ctx()
    scientist = LLMScientist(template, ctx, retry=FAST_RETRY)
    generate_ideas(template, scientist, ctx, 1)

    costs = ctx.reporter.of_type(ev.CostUpdated)
    assert len(costs) == 1 and costs[0].tokens_in > 100 and costs[0].tokens_out > 10
    assert costs[0].total_usd is None and costs[0].by_stage == {
        "ideas": None
    }  # fake-model: no price
    ledger = json.loads((ctx.settings.results / template.name / "cost.json").read_text())
    assert [c["stage"] for c in ledger["calls"]] == ["ideas"]


def test_cost_json_accumulates_across_commands(template, make_ctx, fake_openai):
    fake_openai.script([idea_text("first_idea"), idea_text("second_idea")])
    reported = []
    for _ in range(2):
        ctx = make_ctx()
        generate_ideas(template, LLMScientist(template, ctx), ctx, 1)
        reported.append(ctx.reporter.of_type(ev.CostUpdated)[-1].tokens_in)
    ledger = json.loads((ctx.settings.results / template.name / "cost.json").read_text())
    calls = ledger["calls"]
    assert len(calls) == 2 and ledger["totals"]["prompt_tokens"] == sum(
        c["prompt_tokens"] for c in calls
    )
    # Each command reports (and caps) its own spending; the file keeps every call.
    assert reported == [c["prompt_tokens"] for c in calls]


def test_missing_key_fails_before_any_request(template, make_ctx, fake_openai, monkeypatch):
    ctx = make_ctx(model="gpt-4o", api_base=None)
    with pytest.raises(ConfigError) as caught:
        make_scientist(template, ctx)
    assert caught.value.message == "Model `gpt-4o` needs an API key: OPENAI_API_KEY is not set."
    assert fake_openai.requests == []


def test_no_model_and_no_cassette_is_a_config_error(template, make_ctx):
    ctx = make_ctx(model=None, api_base=None)
    with pytest.raises(ConfigError, match="needs a model"):
        LLMScientist(template, ctx)
