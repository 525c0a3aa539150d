"""Stage 2 for the LLM scientist: one idea per call, drafted, then refined.

Contract:
- ``draft_idea(client, template, taken, reflections)`` asks for one idea as JSON validated
  against ``DRAFT_SCHEMA`` (the contract's ``IDEA_SCHEMA`` plus an optional ``Thought``), with
  the template's task description, its experiment.py in outline and the ideas already taken
  (name and title). Then up to ``reflections`` review rounds in the same conversation; each
  answer is the whole idea again plus ``done`` (``REFLECT_SCHEMA``), and ``done: true`` ends
  the rounds. Every model call is recorded under the stage ``"ideas"``.
- Decisions are read from validated JSON only. A malformed draft (after the client's re-asks)
  raises ``LLMFormatError``; a malformed review answer keeps the last good version.
- ``Thought`` and ``done`` are dropped before the ``Idea`` is built; the idea records which
  model proposed it and after how many review rounds (optional keys of ideas.json).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from aisci.core.ideas import IDEA_SCHEMA, Idea
from aisci.core.template import Template
from aisci.llm import LLMClient, LLMFormatError

from .material import outline_source, taken_ideas
from .prompts import render

log = logging.getLogger(__name__)
STAGE = "ideas"

DRAFT_SCHEMA: dict[str, Any] = {
    **IDEA_SCHEMA,
    "properties": {"Thought": {"type": "string"}, **IDEA_SCHEMA["properties"]},
}
REFLECT_SCHEMA: dict[str, Any] = {
    **IDEA_SCHEMA,
    "required": [*IDEA_SCHEMA["required"], "done"],
    "properties": {**DRAFT_SCHEMA["properties"], "done": {"type": "boolean"}},
}


def idea_messages(template: Template, taken: Sequence[Idea]) -> list[dict[str, str]]:
    # The shape of the script (constants, config, signatures) is what an idea is planned
    # against; aider, which makes the edits, gets the whole file.
    code = outline_source(template.experiment.read_text(encoding="utf-8"))
    return [
        {
            "role": "system",
            "content": render("ideas_system", template_system=template.system_prompt.strip()),
        },
        {
            "role": "user",
            "content": render(
                "idea_draft",
                task_description=template.task_description.strip(),
                code=code,
                taken=taken_ideas(taken),
            ),
        },
    ]


def _fields(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: answer[k] for k in IDEA_SCHEMA["properties"]}


def draft_idea(
    client: LLMClient, template: Template, taken: Sequence[Idea], reflections: int
) -> Idea:
    messages = idea_messages(template, taken)
    answer = client.complete_json(messages, DRAFT_SCHEMA, stage=STAGE)
    fields = _fields(answer)
    rounds = 0
    for n in range(1, reflections + 1):
        messages += [
            {"role": "assistant", "content": json.dumps(answer, ensure_ascii=False)},
            {"role": "user", "content": render("idea_reflect", round=n, rounds=reflections)},
        ]
        try:
            answer = client.complete_json(messages, REFLECT_SCHEMA, stage=STAGE)
        except LLMFormatError as exc:
            log.warning(
                "idea %s: review round %d gave no usable answer (%s); keeping the last version",
                fields["Name"],
                n,
                exc.message,
            )
            break
        fields = _fields(answer)
        rounds = n
        if answer["done"]:
            break
    extra = {"generated_by": f"llm scientist ({client.settings.model})", "review_rounds": rounds}
    return Idea.from_dict({**fields, **extra})
