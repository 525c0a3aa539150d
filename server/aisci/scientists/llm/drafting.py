"""Stage 6 for the LLM scientist: the first draft of each section of the paper.

``propose_section(client, job, section, feedback)``: the model writes one section's body
(``{"latex": ...}``) from the idea, the material the section needs (paper_material.py: the
results table, notes.txt, the figures, the other sections in brief, the BibTeX keys) and the
guide line for that section. Returns a ``Proposal`` of ``latex/template.tex`` (stage
"writeup"), or None for a section the template lacks. LaTeX still unusable after the re-asks
(latex_answers.py) raises ``AisciError``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from aisci.core.proposals import Proposal
from aisci.core.scientist import PaperJob
from aisci.errors import AisciError
from aisci.paper.sections import present_sections, set_section

from .latex_answers import LATEX_REASKS, ask, feedback_note, system_message
from .latex_check import latex_problems
from .material import describe_idea
from .paper_material import NEEDS, bib_keys, material, outline
from .prompts import load_prompts, render

if TYPE_CHECKING:
    from aisci.llm import LLMClient

log = logging.getLogger(__name__)

LATEX_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["latex"],
    "properties": {"latex": {"type": "string"}},
}


def _guide(section: str) -> str:
    for line in load_prompts()["writeup_guide"].splitlines():
        name, _, text = line.partition(":")
        if name.strip() == section:
            return text.strip()
    return ""


def propose_section(
    client: LLMClient, job: PaperJob, section: str, feedback: str | None
) -> Proposal | None:
    tex = job.tex.read_text(encoding="utf-8")
    if section not in present_sections(tex):
        log.warning("%s has no %s section; it is left out", job.tex, section)
        return None
    keys = bib_keys(job)
    user = render(
        "writeup_section",
        idea=describe_idea(job.idea),
        material=material(job, NEEDS.get(section, ())),
        outline=outline(tex, section) or "(nothing yet)",
        section=section,
        guide=_guide(section),
        feedback=feedback_note(feedback),
    )

    def check(answer: dict[str, Any]) -> list[str]:
        return latex_problems(
            answer["latex"],
            section,
            set_section(tex, section, answer["latex"]),
            keys,
            job.tex.parent,
        )

    answer, problems = ask(
        client,
        [system_message(), {"role": "user", "content": user}],
        LATEX_SCHEMA,
        "writeup",
        check,
    )
    if problems:
        raise AisciError(
            f"The model's draft of the {section} section of {job.idea.name} is not usable LaTeX after "
            f"{LATEX_REASKS + 1} answers: {'; '.join(problems)}.",
            f"Write it again (aisci writeup --section '{section}'), or choose a stronger model.",
        )
    return Proposal.create(
        job.folder,
        "latex/template.tex",
        set_section(tex, section, answer["latex"]),
        f"draft {section}",
        "writeup",
    )
