"""Stage 8 for the LLM scientist: one review of a paper's text in the NeurIPS form.

Contract of ``review_paper(client, job, text, ctx) -> dict``:
- ``job`` is the idea's ``PaperJob``, or None for any PDF (``aisci review PAPER.pdf``): the
  review reads only ``text`` (the paper as plain text, cut at ``TEXT_CHARS``). An idea's
  paper marks each number its results macros print (``MEASURED_MARKS``); the model is told
  (``review_marks``) that any other number is typed, not traced to a measurement.
- The first answer must satisfy ``REVIEW_SCHEMA`` (paper/review.py); the client re-asks a
  malformed one with the problem (a missing field, "11 is greater than the maximum of 10") at
  most ``json_reasks`` times. Still malformed: ``AisciError`` saying the review was refused.
- Then ``ctx.settings.review_reflections`` reflection rounds in the same conversation: the
  model answers the whole review again plus ``done``; ``done: true`` ends the rounds, and a
  malformed reflection keeps the last good review.
- ``ctx.settings.review_fewshot`` (optional, off by default: it costs tokens) adds one short
  example review of another paper to the system prompt.
- The result has ``Kind: "model"`` and ``Model``; ``done`` is dropped. Calls are recorded under
  the stage "review". An ensemble is N calls of this function (the stage's meta-review).
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from aisci.errors import AisciError
from aisci.llm import LLMClient, LLMFormatError
from aisci.paper.results_literals import MEASURED_MARKS
from aisci.paper.review import REVIEW_SCHEMA, review_problems

from .prompts import render

if TYPE_CHECKING:
    from aisci.core.context import Context
    from aisci.core.scientist import PaperJob

log = logging.getLogger(__name__)
STAGE = "review"
TEXT_CHARS = 60_000  # ~15k tokens: a conference paper's body; appendices past it are cut
MIN_WORDS = 50

REFLECT_SCHEMA: dict[str, Any] = {
    **REVIEW_SCHEMA,
    "required": [*REVIEW_SCHEMA["required"], "done"],
    "properties": {**REVIEW_SCHEMA["properties"], "done": {"type": "boolean"}},
}


def paper_text(text: str) -> str:
    text = text.strip()
    if len(text) <= TEXT_CHARS:
        return text
    return (
        text[:TEXT_CHARS].rsplit("\n", 1)[0]
        + f"\n[... the rest ({len(text) - TEXT_CHARS} characters) is not shown]"
    )


def review_messages(text: str, fewshot: bool = False) -> list[dict[str, str]]:
    system = render("review_system") + ("\n\n" + render("review_example") if fewshot else "")
    # An idea's paper marks the numbers its results macros print (paper/stages.py); a PDF's
    # text has no marks, and no note then.
    marks = render("review_marks") + "\n\n" if MEASURED_MARKS[0] in text else ""
    return [
        {"role": "system", "content": system},
        {"role": "user", "content": marks + render("review_paper", text=paper_text(text))},
    ]


def _fields(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: answer[k] for k in REVIEW_SCHEMA["properties"] if k in answer}


def review_paper(
    client: LLMClient, job: PaperJob | None, text: str, ctx: Context
) -> dict[str, Any]:
    what = f"the paper of {job.idea.name}" if job is not None else "the paper"
    if len(text.split()) < MIN_WORDS:
        raise AisciError(
            f"Cannot review {what}: its text has only {len(text.split())} words.",
            "Build the paper first, or give a PDF with a text layer.",
        )
    messages = review_messages(text, bool(getattr(ctx.settings, "review_fewshot", False)))
    try:
        answer = client.complete_json(messages, REVIEW_SCHEMA, stage=STAGE)
    except LLMFormatError as exc:
        raise AisciError(
            f"The review of {what} was refused: the model's answers did not follow the NeurIPS "
            f"review form ({exc.message})",
            "Run the review again, or choose a model that follows JSON instructions better "
            "(--model).",
        ) from None
    problems = review_problems(answer)
    if problems:  # the schema allows what the form does not (a float score such as 3.5)
        raise AisciError(
            f"The review of {what} was refused: it breaks the NeurIPS form: {'; '.join(problems)}.",
            "Run the review again, or choose another model (--model).",
        )
    review = _fields(answer)
    rounds = max(0, int(ctx.settings.review_reflections))
    for n in range(1, rounds + 1):
        ctx.check_cancelled("The review")
        messages += [
            {"role": "assistant", "content": json.dumps(answer, ensure_ascii=False)},
            {"role": "user", "content": render("review_reflect", round=n, rounds=rounds)},
        ]
        try:
            answer = client.complete_json(messages, REFLECT_SCHEMA, stage=STAGE)
        except LLMFormatError as exc:
            log.warning(
                "review reflection %d gave no usable answer (%s); keeping the last review",
                n,
                exc.message,
            )
            break
        if review_problems(_fields(answer)):
            log.warning("review reflection %d broke the form; keeping the last review", n)
            break
        review = _fields(answer)
        if answer["done"]:
            break
    return {**review, "Kind": "model", "Model": client.settings.model}
