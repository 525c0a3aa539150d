"""The prompt files, their loader, the compacted material they show, and replay without a key."""

from __future__ import annotations

import pytest

from aisci.core import events as ev
from aisci.core.ideation import generate_ideas
from aisci.llm import count_tokens
from aisci.scientists.llm import LLMScientist
from aisci.scientists.llm.material import compact_source
from aisci.scientists.llm.prompts import PROMPTS_DIR, load_prompts, placeholders, render
from tests.scientists.answers import idea_text


def test_every_prompt_file_loads_except_the_readme_and_stays_short():
    prompts = load_prompts()
    assert (PROMPTS_DIR / "README.md").is_file() and "README" not in prompts
    assert {"ideas_system", "idea_draft", "idea_reflect", "novelty_system", "novelty_round"} <= set(
        prompts
    )
    for name, text in prompts.items():
        assert count_tokens(text, "gpt-4o") < 400, name


def test_render_fills_fields_and_refuses_unknown_ones():
    assert placeholders("idea_reflect") == {"round", "rounds"}
    assert render("idea_reflect", round=1, rounds=3).startswith("Review round 1 of 3.")
    with pytest.raises(ValueError, match="no placeholder for \\['colour'\\]"):
        render("idea_reflect", round=1, rounds=3, colour="red")
    with pytest.raises(KeyError):
        render("idea_reflect", round=1)


def test_compact_source_drops_docstrings_keeps_comments_and_code():
    source = (
        '"""Module docstring."""\n\nimport os\n\n\n\n'
        'def f():\n    """Only a docstring: kept, or the code breaks."""\n\n'
        'def g(x):\n    """Gone."""\n    return x  # why: kept\n'
    )
    text = compact_source(source)
    assert text == (
        'import os\n\ndef f():\n    """Only a docstring: kept, or the code breaks."""\n\n'
        "def g(x):\n    return x  # why: kept"
    )
    compile(text, "compacted", "exec")


def test_compact_source_cuts_long_code_with_a_note():
    source = "\n".join(f"x{i} = {i}" for i in range(1000))
    text = compact_source(source, max_chars=100)
    assert len(text) < 150 and text.endswith("more lines not shown)")
    shown = text.count("\n")  # lines before the note
    assert text.splitlines()[-1] == f"# ... ({1000 - shown} more lines not shown)"


def test_replay_needs_neither_the_model_nor_its_key(template, make_ctx, fake_openai, tmp_path):
    cassette = tmp_path / "calls.jsonl"
    fake_openai.script([idea_text("recorded_idea")])
    ctx = make_ctx(record=cassette)
    generate_ideas(template, LLMScientist(template, ctx), ctx, 1)

    # No --model, no --api-base, no OPENAI_API_KEY: openai/fake-model would need one live.
    ctx = make_ctx(model=None, api_base=None, replay=cassette, results=tmp_path / "replayed")
    [again] = generate_ideas(template, LLMScientist(template, ctx), ctx, 1)
    assert again.name == "recorded_idea" and len(fake_openai.chat_requests) == 1
    assert ctx.reporter.of_type(ev.CostUpdated)[-1].tokens_in > 0
