"""Stages 6, 7 and 9 for the LLM scientist: drafting the paper, its citations, fixes from the
build's diagnostics, and the revision after a review (the review itself: reviewing.py).

Contract (module functions taking the scientist first; ``LLMScientist`` delegates to them):
- ``propose_section(sci, job, section, feedback, ctx)``: the model writes one section's body
  (``{"latex": ...}``) from the idea, the results table (every run's means, 4 significant
  digits), notes.txt, the figures, the other sections in brief and the BibTeX keys, as each
  section needs them. Returns a ``Proposal`` of ``latex/template.tex`` (stage "writeup"), or
  None for a section the template lacks. Unusable LaTeX after the re-asks raises ``AisciError``.
- ``propose_refinement(...)``: one critical pass per section (``{"changed", "latex"}``);
  None when unchanged or when the answer stays unusable (the draft is kept).
- ``find_citations(sci, job, ctx) -> str``: at most ``CITE_ROUNDS`` searches; in each call the
  model picks papers of the last search by number and gives the next query (null = enough).
  Returns the picked papers' BibTeX. No literature source answering the first search raises
  ``AisciError`` (the stage writes the paper without new citations and notes why).
- ``propose_paper_fix(sci, job, errors, feedback, ctx)``: the diagnostics with their source
  lines (a consistency mismatch with the nearest true result) -> ``{"sections": {name: latex}}``
  -> one Proposal; None when no diagnostic lies in a section or the answer stays unusable.
- ``propose_improvement(sci, job, review, feedback, ctx)``: revise from the review, same form.
Every answer is JSON validated by the client, then checked as LaTeX (``latex_problems``:
balanced braces and environments, no document frame, only listed keys and existing figures,
figure labels referred to) and re-asked with the problems at most ``LATEX_REASKS`` times.
Calls are recorded under the stages "writeup", "citations", "writeup_fix" and "improvement".
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

from aisci.core.proposals import Proposal
from aisci.errors import AisciError
from aisci.llm import LLMFormatError
from aisci.paper.bib import parse_bib
from aisci.paper.prechecks import LineIndex
from aisci.paper.prose import fmt
from aisci.paper.sections import (
    _span,
    canonical_or_none,
    get_section,
    present_sections,
    set_section,
)

from .latex_check import latex_problems, repaired
from .material import compact_source, describe_idea, search_material
from .prompts import load_prompts, render

log = logging.getLogger(__name__)
LATEX_REASKS = 2
CITE_ROUNDS = 3  # searches per paper; the model may stop earlier
CITE_LIMIT = 8  # papers shown per search
NOTES_CHARS = 3000
OUTLINE_CHARS = 240  # of each other section, in "the paper so far"
MAX_DIAGNOSTICS = 12
# What each section's prompt shows besides the idea and the paper so far: tokens are paid per call.
NEEDS = {
    "Title": (),
    "Abstract": ("results", "notes"),
    "Introduction": ("results", "notes", "keys"),
    "Background": ("task", "keys"),
    "Method": ("task", "notes", "keys"),
    "Experimental Setup": ("task", "code", "results", "notes", "keys"),
    "Results": ("results", "notes", "figures", "keys"),
    "Conclusion": ("results", "notes", "keys"),
    "Related Work": ("keys",),
}
_PLACEHOLDER = re.compile(r"\b[A-Z][A-Z ]* HERE\b")


# -- material -------------------------------------------------------------------------------
def _final_info(folder: Path, run: str) -> dict:
    from aisci.errors import AisciError
    from aisci.execution.runner import read_results_json

    try:
        return read_results_json(folder, run)
    except (OSError, ValueError, AisciError):
        return {}


def results_table(job) -> str:
    """Every metric's mean (± standard error when there is one) for the baseline and each run."""
    runs = ["run_0", *(r.run for r in job.runs)]
    what = {
        "run_0": "baseline (the template as it is)",
        **{r.run: " ".join(r.description.split()) for r in job.runs},
    }
    rows: dict[str, dict[str, str]] = {}
    for run in runs:
        for dataset, data in _final_info(job.folder, run).items():
            errs = (data or {}).get("stderrs") or {}
            for metric, value in ((data or {}).get("means") or {}).items():
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    continue
                err = errs.get(metric)
                cell = fmt(value) + (
                    f" ± {fmt(err)}" if isinstance(err, (int, float)) and err else ""
                )
                rows.setdefault(f"{dataset}/{metric}", {})[run] = cell
    lines = [
        "Runs: " + "; ".join(f"{run} = {what[run]}" for run in runs),
        "",
        "| metric | " + " | ".join(runs) + " |",
    ]
    lines += [
        f"| {name} | " + " | ".join(cells.get(run, "--") for run in runs) + " |"
        for name, cells in rows.items()
    ]
    return "\n".join(lines)


def _notes(job) -> str:
    path = job.folder / "notes.txt"
    if not path.is_file():
        return ""
    # The idea, the means and the figures are shown elsewhere; the notes add what each run was.
    text = path.read_text(encoding="utf-8").split("\n## Figure ", 1)[0]
    kept = [
        line
        for line in text.splitlines()
        if not line.startswith(("Results: ", "# Title:", "# Experiment description:"))
    ]
    text = "\n".join(kept).strip()
    return text if len(text) <= NOTES_CHARS else text[:NOTES_CHARS].rsplit("\n", 1)[0] + "\n..."


def _figures(job) -> dict[str, str]:
    return {f: d for f, d in sorted(job.figures.items()) if (job.folder / f).is_file()}


def bib_keys(job) -> dict[str, str]:
    """BibTeX key -> "title (year)" of every entry of references.bib."""
    if not job.bib.is_file():
        return {}
    parsed = parse_bib(job.bib.read_text(encoding="utf-8", errors="replace"))
    return {
        e.key: f"{' '.join((e.get('title') or '?').replace('{', '').replace('}', '').split())} "
        f"({e.get('year') or 'n.d.'})"
        for e in parsed.entries
    }


def material(job, needs) -> str:
    """The blocks a prompt shows, each under its heading."""
    blocks = []
    if "task" in needs and job.task:
        blocks.append(f"## The task\n{job.task.strip()}")
    if "code" in needs and (job.folder / "experiment.py").is_file():
        code = compact_source(
            (job.folder / "experiment.py").read_text(encoding="utf-8"), max_chars=6000
        )
        blocks.append(
            f"## experiment.py as of the last run (the runs list what each changed)\n```python\n{code}\n```"
        )
    if "results" in needs:
        blocks.append(
            f"## Results (means over seeds, from each run's final_info.json)\n{results_table(job)}"
        )
        search = search_material(job.folder)
        if search:
            blocks.append(
                "## The search (from tree.json; describe it as recorded, keeping each "
                f"`% aisci: not-a-result` mark on the line that counts nodes)\n{search}"
            )
    if "notes" in needs and _notes(job):
        blocks.append(f"## Notes from the experiments\n{_notes(job)}")
    if "figures" in needs:
        figures = _figures(job)
        blocks.append(
            "## Figures (file: what it shows)\n"
            + ("\n".join(f"- {f}: {d}" for f, d in figures.items()) or "none")
        )
    if "keys" in needs:
        keys = bib_keys(job)
        blocks.append(
            "## BibTeX keys you may cite\n"
            + ("\n".join(f"- {k}: {t}" for k, t in keys.items()) or "none")
        )
    return "".join(f"\n{b}\n" for b in blocks)


def is_drafted(body: str) -> bool:
    return bool(body.strip()) and not _PLACEHOLDER.search(body)


def outline(tex: str, skip: str | None = None, chars: int = OUTLINE_CHARS) -> str:
    """Every other section in brief: its first ``chars`` characters, or "(not written yet)"."""
    lines = []
    for name in present_sections(tex):
        if name == skip:
            continue
        body = get_section(tex, name)
        short = " ".join(body.split())
        short = short if len(short) <= chars else short[:chars].rsplit(" ", 1)[0] + " ..."
        lines.append(f"- {name}: {short if is_drafted(body) else '(not written yet)'}")
    return "\n".join(lines)


def _guide(section: str) -> str:
    for line in load_prompts()["writeup_guide"].splitlines():
        name, _, text = line.partition(":")
        if name.strip() == section:
            return text.strip()
    return ""


def _feedback(feedback: str | None) -> str:
    return (
        f"\n\nA researcher rejected your previous proposal: {feedback}\nTake this into account."
        if feedback
        else ""
    )


def _ask(sci, messages: list[dict], schema: dict, stage: str, check) -> tuple[dict, list[str]]:
    """A JSON answer whose LaTeX passes ``check``; (last answer, its problems) when none did."""
    conversation = list(messages)
    answer, problems = {}, []
    for _ in range(LATEX_REASKS + 1):
        answer = repaired(sci.client.complete_json(conversation, schema, stage=stage))
        problems = check(answer)
        if not problems:
            return answer, []
        log.info("stage %s: LaTeX problems (%s); re-asking", stage, "; ".join(problems))
        conversation += [
            {"role": "assistant", "content": json.dumps(answer, ensure_ascii=False)},
            {"role": "user", "content": render("writeup_problems", problems="; ".join(problems))},
        ]
    return answer, problems


def _system() -> dict:
    return {"role": "system", "content": render("writeup_system")}


LATEX_SCHEMA = {
    "type": "object",
    "required": ["latex"],
    "properties": {"latex": {"type": "string"}},
}
REFINE_SCHEMA = {
    "type": "object",
    "required": ["changed", "latex"],
    "properties": {"changed": {"type": "boolean"}, "latex": {"type": "string"}},
}
SECTIONS_SCHEMA = {
    "type": "object",
    "required": ["sections"],
    "properties": {
        "sections": {"type": "object", "additionalProperties": {"type": "string"}},
        "summary": {"type": "string"},
    },
}


# -- stage 6: sections ----------------------------------------------------------------------
def propose_section(sci, job, section: str, feedback: str | None, ctx) -> Proposal | None:
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
        feedback=_feedback(feedback),
    )

    def check(answer):
        return latex_problems(
            answer["latex"],
            section,
            set_section(tex, section, answer["latex"]),
            keys,
            job.tex.parent,
        )

    answer, problems = _ask(
        sci, [_system(), {"role": "user", "content": user}], LATEX_SCHEMA, "writeup", check
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


def propose_refinement(sci, job, section: str, feedback: str | None, ctx) -> Proposal | None:
    tex = job.tex.read_text(encoding="utf-8")
    if (
        section == "Title"
        or section not in present_sections(tex)
        or not is_drafted(get_section(tex, section))
    ):
        return None  # a title needs no second pass; a missing or unwritten section has nothing to refine
    keys = bib_keys(job)
    needs = tuple(n for n in NEEDS.get(section, ()) if n in ("results", "figures", "keys"))
    user = render(
        "writeup_refine",
        outline=outline(tex, section),
        material=material(job, needs),
        section=section,
        body=get_section(tex, section).strip(),
        feedback=_feedback(feedback),
    )

    def check(answer):
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
        answer, problems = _ask(
            sci, [_system(), {"role": "user", "content": user}], REFINE_SCHEMA, "writeup", check
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


def _sections_proposal(sci, job, user: str, stage: str, description: str) -> Proposal | None:
    """Ask for ``{"sections": {...}}`` and turn an answer that checks into one Proposal."""
    tex = job.tex.read_text(encoding="utf-8")
    keys = bib_keys(job)
    present = present_sections(tex)

    def apply(answer) -> tuple[str, list[str]]:
        new, problems = tex, []
        for name, body in answer["sections"].items():
            section = canonical_or_none(name)
            if section not in present:
                problems.append(
                    f"there is no section named {name!r}; use one of: {', '.join(present)}"
                )
            else:
                new = set_section(new, section, body)
        for name, body in answer["sections"].items():
            if canonical_or_none(name) in present:
                problems += [
                    f"{name}: {p}"
                    for p in latex_problems(
                        body, canonical_or_none(name), new, keys, job.tex.parent
                    )
                ]
        return new, problems

    try:
        answer, problems = _ask(
            sci,
            [_system(), {"role": "user", "content": user}],
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
    return Proposal.create(
        job.folder,
        "latex/template.tex",
        apply(answer)[0],
        f"{description}: {', '.join(canonical_or_none(n) for n in answer['sections'])}"
        + (f" ({summary})" if summary else ""),
        stage,
    )


# -- stage 7: fixes from the build's diagnostics ---------------------------------------------
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


def _nearest_results(job) -> dict[int, list]:
    from aisci.paper.consistency import check_consistency

    try:
        report = check_consistency(job.folder, job.tex)
    except AisciError:
        return {}
    by_line: dict[int, list] = {}
    for m in report.mismatches:
        by_line.setdefault(m.line, []).append(m)
    return by_line


def describe_diagnostics(job, diagnostics) -> tuple[str, list[str]]:
    """(the problems as the prompt shows them, the sections they lie in)."""
    tex = job.tex.read_text(encoding="utf-8")
    lines = tex.split("\n")
    nearest = _nearest_results(job) if any(d.source == "consistency" for d in diagnostics) else {}
    blocks, sections = [], []
    for d in list(diagnostics)[:MAX_DIAGNOSTICS]:
        head = str(d)
        for m in nearest.get(d.line or 0, []):
            if m.text in d.message and m.nearest:
                head += f"\n  nearest true result: {m.nearest}"
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


def propose_paper_fix(sci, job, diagnostics, feedback: str | None, ctx) -> Proposal | None:
    problems, sections = describe_diagnostics(job, diagnostics)
    if not sections:
        log.warning(
            "no diagnostic of %s lies in a section the model may edit; nothing to fix", job.tex
        )
        return None
    tex = job.tex.read_text(encoding="utf-8")
    needs = ("results", "keys") + (("figures",) if "Results" in sections else ())
    shown = "\n\n".join(f"### {s}\n{get_section(tex, s).strip()}" for s in sections)
    user = render(
        "writeup_fix",
        problems=problems,
        material=material(job, needs),
        sections=shown,
        feedback=_feedback(feedback),
    )
    return _sections_proposal(sci, job, user, "writeup_fix", "fix the build's problems in")


# -- stage 9: the improvement after the review ----------------------------------------------
def review_brief(review: dict) -> str:
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


def propose_improvement(sci, job, review: dict, feedback: str | None, ctx) -> Proposal | None:
    tex = job.tex.read_text(encoding="utf-8")
    paper = "\n\n".join(f"### {s}\n{get_section(tex, s).strip()}" for s in present_sections(tex))
    user = render(
        "improve_paper",
        review=review_brief(review),
        material=material(job, ("results", "figures", "keys")),
        paper=paper,
        feedback=_feedback(feedback),
    )
    return _sections_proposal(sci, job, user, "improvement", "revise after the review")


__all__ = [
    "latex_problems",
    "propose_improvement",
    "propose_paper_fix",
    "propose_refinement",
    "propose_section",
    "results_table",
]
