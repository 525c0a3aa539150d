"""What aider sends for an edit (the format rules once, no reminder after the instruction) and
the prompt tokens a provider reports as cached, counted in the edit's usage."""

from __future__ import annotations

from tests.coder.helpers import EXPERIMENT, search_replace
from tests.fakes import Answer, FakeOpenAI

LOWER_LR = search_replace(
    "experiment.py", "LEARNING_RATE = 0.1  # step size\n", "LEARNING_RATE = 0.01  # step size\n"
)


def test_the_instruction_ends_the_request_and_the_rules_are_sent_once(idea, make_coder):
    with FakeOpenAI([Answer(LOWER_LR)]) as fake:
        edit = make_coder(api_base=fake.base_url).propose(
            idea, ["experiment.py"], "Lower the learning rate to 0.01."
        )
        (request,) = fake.chat_requests
    assert edit.ok
    messages = request.body["messages"]
    assert messages[-1] == {"role": "user", "content": "Lower the learning rate to 0.01."}
    every = "\n".join(str(m["content"]) for m in messages)
    assert messages[0]["role"] == "system" and "SEARCH/REPLACE block is:" in messages[0]["content"]
    assert every.count("SEARCH/REPLACE block is:") == 1
    # Nothing that changes from day to day breaks the cached prefix (aider's own text has the
    # date and platform), and the example sits in the system prompt, not in extra messages.
    assert "Current date" not in every and "Platform:" not in every
    assert [m["role"] for m in messages[:2]] == ["system", "user"]
    assert EXPERIMENT.splitlines()[3] in every  # the file is in the chat


def test_cached_prompt_tokens_of_an_edit_are_counted(idea, make_coder):
    with FakeOpenAI(default=LOWER_LR, cache_min_tokens=64) as fake:
        coder = make_coder(api_base=fake.base_url)
        first = coder.propose(idea, ["experiment.py"], "Lower the learning rate to 0.01.")
        # (an instruction that differs in more than its last characters: the fake estimates
        # tokens as characters / 4, so a 2-character difference can round away)
        second = coder.propose(
            idea, ["experiment.py"], "Lower the learning rate to 0.02 instead, please."
        )
    assert first.ok and second.ok
    assert first.usage.cached_prompt_tokens == 0  # the fake had seen nothing before
    # aider's system prompt, examples and the file repeat: only the instruction differs.
    assert 0 < second.usage.cached_prompt_tokens < second.usage.prompt_tokens
    assert second.usage.prompt_tokens - second.usage.cached_prompt_tokens < 50
