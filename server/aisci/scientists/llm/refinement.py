"""Stage 6's second pass for the LLM scientist: one critical re-reading of each drafted section.

``propose_refinement(client, job, section, feedback)``: the model reads the section with the
rest of the paper in brief and the results, figures and keys it may use, and answers
``{"changed", "latex"}``. None when it changed nothing, when the section is the title, missing
or not drafted yet, or when its LaTeX stays unusable after the re-asks: the draft is kept.
"""

from __future__ import annotations

import logging
from typing import Any

from aisci.core.proposals import Proposal
from aisci.core.scientist import PaperJob
from aisci.llm import LLMClient, LLMFormatError
from aisci.paper.sections import get_section, present_sections, set_section

from .latex_answers import ask, feedback_note, system_message
from .latex_check import latex_problems
from .paper_material import NEEDS, bib_keys, is_drafted, material, outline
from .prompts import render

log = logging.getLogger(__name__)

REFINE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["changed", "latex"],
    "properties": {"changed": {"type": "boolean"}, "latex": {"type": "string"}},
}


def propose_refinement(
    client: LLMClient, job: PaperJob, section: str, feedback: str | None
) -> Proposal | None:
    tex = job.tex.read_text(encoding="utf-8")
    if (
        section == "Title"
        or section not in present_sections(tex)
        or not is_drafted(get_section(tex, section))
    ):
        return None  # a title needs no second pass; a missing or unwritten section has nothing to refine
    keys = bib_keys(job)
    needs = tuple(n for n in NEEDS.get(section, ()) if n == "figures")
    user = render(
        "writeup_refine",
        outline=outline(tex, section),
        material=material(job, needs),
        section=section,
        body=get_section(tex, section).strip(),
        feedback=feedback_note(feedback),
    )

    def check(answer: dict[str, Any]) -> list[str]:
        if not answer["changed"]:
            return []
        return latex_problems(
            answer["latex"],
            section,
            set_section(tex, section, answer["latex"]),
            keys,
            job.tex.parent,
        )

    try:
        answer, problems = ask(
            client,
            [system_message(job), {"role": "user", "content": user}],
            REFINE_SCHEMA,
            "writeup",
            check,
        )
    except LLMFormatError as exc:
        log.warning(
            "refinement of %s gave no usable answer (%s); the draft stays", section, exc.message
        )
        return None
    if (
        problems
        or not answer["changed"]
        or answer["latex"].strip() == get_section(tex, section).strip()
    ):
        return None
    return Proposal.create(
        job.folder,
        "latex/template.tex",
        set_section(tex, section, answer["latex"]),
        f"refine {section}",
        "writeup",
    )
