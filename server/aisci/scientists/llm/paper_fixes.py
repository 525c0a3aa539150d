"""Stage 7 for the LLM scientist: fixes from the paper build's diagnostics.

``propose_paper_fix(client, job, diagnostics, feedback)``: the diagnostics (at most
``MAX_DIAGNOSTICS``) with their source lines, a consistency mismatch with the nearest true
result, and the sections they lie in -> ``{"sections": {name: latex}}`` -> one Proposal
(latex_answers.py). None when no diagnostic lies in a section the model may edit, or when the
answer stays unusable. Calls are recorded under the stage "writeup_fix".
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from aisci.core.diagnostics import Diagnostic
from aisci.core.proposals import Proposal
from aisci.core.scientist import PaperJob
from aisci.errors import AisciError
from aisci.paper.consistency import check_consistency
from aisci.paper.prechecks import LineIndex
from aisci.paper.sections import _span, get_section, present_sections

from .latex_answers import feedback_note, sections_proposal
from .paper_material import material
from .prompts import render

if TYPE_CHECKING:
    from aisci.llm import LLMClient
    from aisci.paper.consistency import Mismatch

log = logging.getLogger(__name__)
MAX_DIAGNOSTICS = 12


def propose_paper_fix(
    client: LLMClient, job: PaperJob, diagnostics: list[Diagnostic], feedback: str | None
) -> Proposal | None:
    problems, sections = describe_diagnostics(job, diagnostics)
    if not sections:
        log.warning(
            "no diagnostic of %s lies in a section the model may edit; nothing to fix", job.tex
        )
        return None
    tex = job.tex.read_text(encoding="utf-8")
    needs = ("figures",) if "Results" in sections else ()
    shown = "\n\n".join(f"### {s}\n{get_section(tex, s).strip()}" for s in sections)
    user = render(
        "writeup_fix",
        problems=problems,
        material=material(job, needs),
        sections=shown,
        feedback=feedback_note(feedback),
    )
    return sections_proposal(client, job, user, "writeup_fix", "fix the build's problems in")


def section_at(tex: str, line: int) -> str | None:
    """The section whose body holds ``line`` (after the last one: the last one; the preamble: None)."""
    index = LineIndex(tex)
    spans = sorted(
        (index.line(_span(tex, s)[0]), index.line(_span(tex, s)[1]), s)
        for s in present_sections(tex)
    )
    found = None
    for first, last, name in spans:
        if first <= line <= last:
            return name
        if first <= line and name != "Title":
            found = name
    return found if found and line > index.line(tex.find("\\begin{document}")) else None


def _nearest_results(job: PaperJob) -> dict[int, list[Mismatch]]:
    try:
        report = check_consistency(job.folder, job.tex)
    except AisciError:
        return {}
    by_line: dict[int, list[Mismatch]] = {}
    for m in report.mismatches:
        by_line.setdefault(m.line, []).append(m)
    return by_line


def describe_diagnostics(job: PaperJob, diagnostics: Sequence[Diagnostic]) -> tuple[str, list[str]]:
    """(the problems as the prompt shows them, the sections they lie in)."""
    tex = job.tex.read_text(encoding="utf-8")
    lines = tex.split("\n")
    nearest = _nearest_results(job) if any(d.source == "consistency" for d in diagnostics) else {}
    blocks, sections = [], []
    for d in list(diagnostics)[:MAX_DIAGNOSTICS]:
        head = str(d)
        for m in nearest.get(d.line or 0, []):
            if m.message in d.message:
                continue  # the build's message is the checker's: it says claim and closest value
            if m.text in d.message and m.why:  # a sentinel: no closest value helps there
                head += f"\n  {m.text} {m.why}"
            elif m.text in d.message and m.nearest:
                head += f"\n  it reads as {m.claim}; nearest true result: {m.nearest}"
        if d.file == job.tex.name and d.line and 0 < d.line <= len(lines):
            section = section_at(tex, d.line)
            if section and section not in sections:
                sections.append(section)
            span = range(max(1, d.line - 1), min(len(lines), d.line + 1) + 1)
            head += f"\n  in {section or 'the preamble'}:\n" + "\n".join(
                f"  {n:>4}{'>' if n == d.line else ' '}| {lines[n - 1]}" for n in span
            )
        blocks.append(head)
    if len(diagnostics) > MAX_DIAGNOSTICS:
        blocks.append(f"(and {len(diagnostics) - MAX_DIAGNOSTICS} more)")
    return "\n\n".join(blocks), sections
