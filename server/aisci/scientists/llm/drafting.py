r"""Stage 6 for the LLM scientist: the first draft of each section of the paper.

``propose_section(client, job, section, feedback)``: the model writes one section's body
(``{"latex": ...}``) from the idea, the material the section needs (paper_material.py: the
results table with its macros, notes.txt, the figures, the other sections in brief, the
BibTeX keys) and the guide line for that section. A results macro that names no recorded value
is a problem the model is asked to fix; ``\_`` inside a macro's arguments is made ``_``. Returns a ``Proposal`` of ``latex/template.tex`` (stage
"writeup"), or None for a section the template lacks. LaTeX still unusable after the re-asks
(latex_answers.py) raises ``AisciError``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from aisci.core.proposals import Proposal
from aisci.core.scientist import PaperJob
from aisci.errors import AisciError
from aisci.paper.results_literals import unescaped_calls, unknown_calls
from aisci.paper.results_macros import results
from aisci.paper.sections import present_sections, set_section

from .latex_answers import LATEX_REASKS, ask, feedback_note, system_message
from .latex_check import latex_problems
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
    found = results(job.folder)
    user = render(
        "writeup_section",
        material=material(job, NEEDS.get(section, ())),
        outline=outline(tex, section) or "(nothing yet)",
        section=section,
        guide=_guide(section),
        feedback=feedback_note(feedback),
    )

    def check(answer: dict[str, Any]) -> list[str]:
        body = unescaped_calls(answer["latex"])
        problems = latex_problems(
            body, section, set_section(tex, section, body), keys, job.tex.parent
        )
        unknown = unknown_calls(body, found)
        if unknown:
            problems.append(
                "these results macros name no recorded value (use only the runs, data sets and "
                f"metrics of the results table, as written there): {', '.join(unknown)}"
            )
        return problems

    answer, problems = ask(
        client,
        [system_message(job), {"role": "user", "content": user}],
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
        set_section(tex, section, unescaped_calls(answer["latex"])),
        f"draft {section}",
        "writeup",
    )
