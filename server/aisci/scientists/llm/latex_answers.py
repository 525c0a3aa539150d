"""How the LLM scientist gets LaTeX from its model: ask, check, re-ask.

Every paper answer is JSON validated by the client, then checked as LaTeX (latex_check.py:
balanced braces and environments, no document frame, only listed keys and existing figures,
figure labels referred to) and re-asked with the problems at most ``LATEX_REASKS`` times
(``ask``). The fixes after a build and the revision after a review both answer
``{"sections": {name: latex}, "summary"}``; ``sections_proposal`` turns such an answer, once it
checks, into one Proposal of ``latex/template.tex``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from aisci.core.proposals import Proposal
from aisci.core.scientist import PaperJob
from aisci.llm import LLMClient, LLMFormatError
from aisci.paper.sections import canonical_or_none, present_sections, set_section

from .latex_check import latex_problems, repaired
from .paper_material import bib_keys, facts
from .prompts import render

log = logging.getLogger(__name__)
LATEX_REASKS = 2

SECTIONS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["sections"],
    "properties": {
        "sections": {"type": "object", "additionalProperties": {"type": "string"}},
        "summary": {"type": "string"},
    },
}


def feedback_note(feedback: str | None) -> str:
    """What a prompt says after a person rejected the last proposal ("" the first time)."""
    return (
        f"\n\nA researcher rejected your previous proposal: {feedback}\nTake this into account."
        if feedback
        else ""
    )


def system_message(job: PaperJob) -> dict[str, str]:
    """The rules, then the facts every write-up call of ``job``'s paper shares: one prefix."""
    return {"role": "system", "content": render("writeup_system") + "\n\n" + facts(job)}


def ask(
    client: LLMClient,
    messages: list[dict[str, Any]],
    schema: dict[str, Any],
    stage: str,
    check: Callable[[dict[str, Any]], list[str]],
) -> tuple[dict[str, Any], list[str]]:
    """A JSON answer whose LaTeX passes ``check``; (last answer, its problems) when none did."""
    conversation = list(messages)
    answer: dict[str, Any] = {}
    problems: list[str] = []
    for _ in range(LATEX_REASKS + 1):
        answer = repaired(client.complete_json(conversation, schema, stage=stage))
        problems = check(answer)
        if not problems:
            return answer, []
        log.info("stage %s: LaTeX problems (%s); re-asking", stage, "; ".join(problems))
        conversation += [
            {"role": "assistant", "content": json.dumps(answer, ensure_ascii=False)},
            {"role": "user", "content": render("writeup_problems", problems="; ".join(problems))},
        ]
    return answer, problems


def sections_proposal(
    client: LLMClient, job: PaperJob, user: str, stage: str, description: str
) -> Proposal | None:
    """Ask for ``{"sections": {...}}`` and turn an answer that checks into one Proposal."""
    tex = job.tex.read_text(encoding="utf-8")
    keys = bib_keys(job)
    present = present_sections(tex)

    def apply(answer: dict[str, Any]) -> tuple[str, list[str]]:
        new, problems = tex, []
        for name, body in answer["sections"].items():
            section = canonical_or_none(name)
            if section is None or section not in present:
                problems.append(
                    f"there is no section named {name!r}; use one of: {', '.join(present)}"
                )
            else:
                new = set_section(new, section, body)
        for name, body in answer["sections"].items():
            section = canonical_or_none(name)
            if section is not None and section in present:
                problems += [
                    f"{name}: {p}" for p in latex_problems(body, section, new, keys, job.tex.parent)
                ]
        return new, problems

    try:
        answer, problems = ask(
            client,
            [system_message(job), {"role": "user", "content": user}],
            SECTIONS_SCHEMA,
            stage,
            lambda a: apply(a)[1],
        )
    except LLMFormatError as exc:
        log.warning("stage %s: no usable answer (%s); the paper stays as it is", stage, exc.message)
        return None
    if problems or not answer["sections"]:
        return None
    summary = " ".join(str(answer.get("summary") or "").split())
    sections = [canonical_or_none(n) or n for n in answer["sections"]]
    return Proposal.create(
        job.folder,
        "latex/template.tex",
        apply(answer)[0],
        f"{description}: {', '.join(sections)}" + (f" ({summary})" if summary else ""),
        stage,
    )
