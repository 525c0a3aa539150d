"""Stage 9 for the LLM scientist: the revision of the paper after its review.

``propose_improvement(client, job, review, feedback)``: the review in brief (decision,
scores, weaknesses, questions, limitations), the results, figures and keys, and every section
-> ``{"sections": {name: latex}}`` -> one Proposal (latex_answers.py); None when the answer
stays unusable. Calls are recorded under the stage "improvement".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aisci.core.proposals import Proposal
from aisci.core.scientist import PaperJob
from aisci.paper.sections import get_section, present_sections

from .latex_answers import feedback_note, sections_proposal
from .paper_material import material
from .prompts import render

if TYPE_CHECKING:
    from aisci.llm import LLMClient


def propose_improvement(
    client: LLMClient, job: PaperJob, review: dict[str, Any], feedback: str | None
) -> Proposal | None:
    tex = job.tex.read_text(encoding="utf-8")
    paper = "\n\n".join(f"### {s}\n{get_section(tex, s).strip()}" for s in present_sections(tex))
    user = render(
        "improve_paper",
        review=review_brief(review),
        material=material(job, ("figures",)),
        paper=paper,
        feedback=feedback_note(feedback),
    )
    return sections_proposal(client, job, user, "improvement", "revise after the review")


def review_brief(review: dict[str, Any]) -> str:
    scores = ", ".join(
        f"{k} {review[k]}"
        for k in ("Overall", "Soundness", "Presentation", "Contribution", "Clarity")
        if k in review
    )
    lines = [f"Decision: {review.get('Decision', '?')}; {scores}"]
    for field in ("Weaknesses", "Questions", "Limitations"):
        value = review.get(field) or []
        items = value if isinstance(value, list) else [value]
        lines += [f"{field}:"] + [f"- {' '.join(str(v).split())}" for v in items if str(v).strip()]
    return "\n".join(lines)
