"""Structured answers: JSON found in weak models' prose, re-asks, and the final error."""

from __future__ import annotations

import pytest

from aisci.llm import AnswerProblem, LLMFormatError, parse_answer
from aisci.llm.answers import candidates
from tests.fakes import Error

from .conftest import user

IDEA = {
    "type": "object",
    "required": ["Name", "Score"],
    "properties": {"Name": {"type": "string"}, "Score": {"type": "integer"}},
}
IDEAS = {"type": "array", "items": IDEA}


@pytest.mark.parametrize(
    "text",
    [
        '{"Name": "a", "Score": 3}',
        'Here is my idea:\n```json\n{"Name": "a", "Score": 3}\n```\nHope this helps!',
        'Sure.\n```\n{"Name": "a", "Score": 3}\n```',
        'I think {"Name": "a", "Score": 3} is best, with {braces} in prose after.',
        '<think>maybe {"Name": "b"}?</think>{"Name": "a", "Score": 3}',
        'Text with a "quoted } brace" then {"Name": "a} tricky", "Score": 3}',
    ],
)
def test_json_is_found_in_weak_answers(text):
    value = parse_answer(text, IDEA)
    assert value["Score"] == 3 and value["Name"].startswith("a")


def test_first_candidate_that_matches_the_schema_wins():
    text = 'Example: {"Name": "x"}. Final: {"Name": "real", "Score": 7}'
    assert parse_answer(text, IDEA) == {"Name": "real", "Score": 7}


def test_a_list_at_the_root():
    assert parse_answer('Ideas: [{"Name": "a", "Score": 1}]', IDEAS) == [{"Name": "a", "Score": 1}]


@pytest.mark.parametrize(
    "text, problem",
    [
        ("", "empty"),
        ("   \n", "empty"),
        ("I would rather not answer in JSON.", "contains no JSON"),
        ('{"Name": "a", "Score": 3,}', "invalid"),
        ('{"Name": "a", "Score": "high"}', "at $.Score: 'high' is not of type 'integer'"),
        ('[{"Name": "a", "Score": 1}, {"Score": 2}]', "at $[1]: 'Name' is a required property"),
    ],
)
def test_unusable_answers_say_why(text, problem):
    with pytest.raises(AnswerProblem, match=problem.replace("$", r"\$").replace("[", r"\[")):
        parse_answer(text, IDEAS if text.startswith("[") else IDEA)


def test_candidates_are_bounded_on_bracket_soup():
    found = candidates("{" * 5000 + "[1]" * 100)
    assert 0 < len(found) <= 20


def test_prose_then_json_recovers_with_one_reask(fake_openai, make_client):
    fake_openai.script(
        [
            "Great question! My idea is to sweep the learning rate.",
            '{"Name": "lr_sweep", "Score": 6}',
        ]
    )
    client = make_client()

    value = client.complete_json(user("Give one idea as JSON."), IDEA, stage="ideas")

    assert value == {"Name": "lr_sweep", "Score": 6}
    first, second = fake_openai.chat_requests
    assert "response_format" not in first.body  # no schema support claimed for this model
    msgs = second.body["messages"]
    assert msgs[0] == user("Give one idea as JSON.")[0]
    assert msgs[1] == {
        "role": "assistant",
        "content": "Great question! My idea is to sweep the learning rate.",
    }
    assert msgs[2]["role"] == "user" and "contains no JSON" in msgs[2]["content"]
    assert '"required":["Name","Score"]' in msgs[2]["content"]  # the schema, compact
    assert len(client.ledger.records) == 2


def test_empty_twice_then_refusal_is_a_format_error(fake_openai, make_client):
    fake_openai.script(["", "", "I cannot help with that."])
    with pytest.raises(LLMFormatError) as caught:
        make_client().complete_json(user("JSON please"), IDEA, stage="novelty")
    assert len(fake_openai.chat_requests) == 3
    message = str(caught.value)
    assert "stage `novelty`" in message and "after 3 answers" in message
    assert "contains no JSON" in message
    # Empty answers are not echoed back as empty assistant turns (providers refuse those).
    last = fake_openai.chat_requests[-1].body["messages"]
    assert all(m["content"] for m in last)


def test_schema_violation_is_named_in_the_reask_and_the_error(fake_openai, make_client):
    fake_openai.script(['{"Name": "a", "Score": "high"}'] * 2)
    with pytest.raises(LLMFormatError, match=r"at \$\.Score: 'high' is not of type 'integer'"):
        make_client(json_reasks=1).complete_json(user("JSON please"), IDEA, stage="review")
    reask = fake_openai.chat_requests[1].body["messages"][-1]["content"]
    assert "'high' is not of type 'integer'" in reask


def test_schema_mode_is_used_where_supported_and_dropped_when_refused(fake_openai, make_client):
    # litellm says openai/gpt-4o supports json_schema; this fake "provider" refuses it once.
    fake_openai.script(
        [
            Error(400, message="response_format not supported (fake)"),
            '{"Name": "a", "Score": 1}',
            '{"Name": "b", "Score": 2}',
        ]
    )
    client = make_client(model="openai/gpt-4o")

    assert client.complete_json(user("JSON"), IDEA, stage="ideas")["Name"] == "a"
    assert client.complete_json(user("JSON"), IDEA, stage="ideas")["Name"] == "b"

    bodies = [r.body for r in fake_openai.chat_requests]
    assert bodies[0]["response_format"]["type"] == "json_schema"
    assert bodies[0]["response_format"]["json_schema"]["schema"] == IDEA
    assert "response_format" not in bodies[1] and "response_format" not in bodies[2]
