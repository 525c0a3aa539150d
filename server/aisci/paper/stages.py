"""Stages 6-9 for one idea folder: write the paper, build it, review it, improve it.

Each is resumable like the rest: ``writeup.<Section>`` steps record drafted sections, ``build``
the last build (with its diagnostics in ``latex/diagnostics.json``), ``review`` and
``improvement`` their outputs. Every draft is a Proposal of ``latex/template.tex``, reviewed
like a code edit. A line disclosing that the paper was generated with aisci stays in it.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from aisci.core.atomic import write_json_atomic, write_text_atomic
from aisci.core.context import Context
from aisci.core.diagnostics import Diagnostic
from aisci.core.editing import reviewed_edit
from aisci.core.events import Log, PreviewReady, StageFinished, StageStarted
from aisci.core.experiments import load_idea, require_finished_runs
from aisci.core.new_template import DRAFTED_NOTE, drafted_from_topic
from aisci.core.proposals import Proposal, text_hash
from aisci.core.records import IdeaStage
from aisci.core.scientist import PaperJob, Refines, Scientist
from aisci.core.state import State
from aisci.core.template_env import applied_scale
from aisci.errors import AisciError
from aisci.paper.bib import merge_into_file
from aisci.paper.build import compile_paper, tex_available
from aisci.paper.consistency import check_consistency
from aisci.paper.prechecks import run_prechecks
from aisci.paper.results_literals import (
    MEASURED_MARKS,
    as_macros,
    literal_diagnostics,
    resolved,
)
from aisci.paper.results_macros import ensure_results_input, results, write_results_tex
from aisci.paper.review import (
    meta_review,
    pdf_to_text,
    render_review,
    review_kind,
    review_line,
    review_problems,
)
from aisci.paper.sections import SECTIONS, canonical
from aisci.paper.textify import latex_to_text

DISCLOSURE = r"\aiscidisclosure"
DISCLOSURE_TEXT = "This paper was generated with aisci"


@dataclass(frozen=True)
class StageOutcome:
    ok: bool
    message: str


def paper_job(folder: Path, ctx: Context) -> PaperJob:
    folder = Path(folder).resolve()
    state = State.load(folder)
    runs = tuple(require_finished_runs(folder))
    plots = state.step("plots") or {}
    prompt = json.loads((folder / "prompt.json").read_text(encoding="utf-8"))
    # A template without scales ran its whole study: the paper names no scale for it.
    scale = applied_scale(folder, ctx.settings.scale)
    task = prompt.get("task_description", "")
    if drafted_from_topic(folder):
        task = f"{task} {DRAFTED_NOTE}".strip()
    return PaperJob(
        folder,
        load_idea(folder),
        runs,
        dict(plots.get("descriptions") or {}),
        state.get("template", ""),
        task,
        scale,
    )


def ensure_disclosure(text: str) -> str:
    if DISCLOSURE in text or DISCLOSURE_TEXT in text:
        return text
    line = (
        "\\noindent\\textit{"
        + DISCLOSURE_TEXT
        + ", an automated research assistant; its experiments were "
        "run and its numbers measured by the software.}\n"
    )
    return (
        text.replace("\\maketitle", "\\maketitle\n" + line, 1)
        if "\\maketitle" in text
        else text.replace("\\begin{document}", "\\begin{document}\n" + line, 1)
    )


def prepare_results(job: PaperJob) -> None:
    """Write latex/results.tex from the runs and make sure the paper inputs it."""
    write_results_tex(job.folder)
    text = job.tex.read_text(encoding="utf-8")
    if ensure_results_input(text, job.tex.parent) != text:
        write_text_atomic(job.tex, ensure_results_input(text, job.tex.parent))


def _literals_as_macros(job: PaperJob, ctx: Context) -> None:
    """Propose the paper with each literal number that is one recorded value as its macro."""

    def convert(feedback: str | None) -> Proposal | None:
        if feedback is not None:
            return None  # the researcher keeps the digits: nothing else to propose
        text = job.tex.read_text(encoding="utf-8")
        new, done = as_macros(text, results(job.folder))
        if not done:
            return None
        return Proposal.create(
            job.folder,
            "latex/template.tex",
            new,
            f"state {len(done)} number(s) through their results macros",
            "writeup",
        )

    reviewed_edit(ctx, convert)


def write_paper(
    folder: Path, scientist: Scientist, ctx: Context, section: str | None = None
) -> StageOutcome:
    job = paper_job(folder, ctx)
    state = State.load(job.folder)
    if section is None and state.is_done("writeup"):
        return StageOutcome(True, "written earlier")
    prepare_results(job)
    # SECTIONS ends with Related Work: it is written once the citations are in.
    wanted = [canonical(section)] if section else list(SECTIONS)
    ctx.reporter.emit(StageStarted("writeup", str(job.folder), ", ".join(wanted)))
    for name in wanted:
        ctx.check_cancelled("The write-up")
        if name == "Related Work" and not state.is_done("citations"):
            _add_citations(job, scientist, ctx, state)
        if section is None and state.is_done(f"writeup.{name}"):
            continue

        def draft(feedback: str | None, name: str = name) -> Proposal | None:
            return scientist.propose_section(job, name, feedback, ctx)

        accepted = reviewed_edit(ctx, draft)
        state.record(f"writeup.{name}", drafted=accepted is not None)
    if (
        section is None
        and isinstance(scientist, Refines)
        and not state.is_done("writeup.refinement")
    ):
        for name in SECTIONS:
            ctx.check_cancelled("The write-up")

            def refine(feedback: str | None, name: str = name) -> Proposal | None:
                return scientist.propose_refinement(job, name, feedback, ctx)

            reviewed_edit(ctx, refine)
        state.record("writeup.refinement")
    _literals_as_macros(job, ctx)
    text = job.tex.read_text(encoding="utf-8")
    if ensure_disclosure(text) != text:
        write_text_atomic(job.tex, ensure_disclosure(text))
    if section is None:
        state.record("writeup")
    ctx.reporter.emit(StageFinished("writeup", str(job.folder)))
    return StageOutcome(True, f"{len(wanted)} section(s) drafted")


def _add_citations(job: PaperJob, scientist: Scientist, ctx: Context, state: State) -> None:
    try:
        bibtex = scientist.find_citations(job, ctx)
    except AisciError as e:
        # A literature source down must not stop the paper: it is written without new citations.
        state.record("citations", added=0, note=f"no new citations: {e.message}")
        ctx.reporter.emit(
            Log(
                f"the paper is written without new citations: {e.message}",
                "warning",
                str(job.folder),
            )
        )
        return
    merged = merge_into_file(job.bib, bibtex) if bibtex.strip() else None
    notes = list(getattr(merged, "notes", []) or [])
    state.record("citations", added=len(getattr(merged, "added", []) or []), notes=notes)


def build_paper(folder: Path, scientist: Scientist, ctx: Context) -> StageOutcome:
    """Build with latexmk; pre-checks, LaTeX log, chktex and the consistency check become
    diagnostics; the scientist fixes them for a capped number of rounds."""

    job = paper_job(folder, ctx)
    state = State.load(job.folder)
    if (
        state.is_done("build")
        and (state.step("build") or {}).get("tex_hash") == _hash(job.tex)
        and job.pdf.exists()
    ):
        return StageOutcome(True, "built earlier")
    missing_tex = tex_available()
    if missing_tex:
        raise AisciError(
            # The message already says how to install TeX; a build (not only a launch) ends here.
            f"Cannot build the paper: {missing_tex}",
            "Once TeX is installed, run the same command again.",
        )
    ctx.reporter.emit(StageStarted("build", str(job.folder)))
    prepare_results(job)
    for round_ in range(ctx.settings.writeup_fix_rounds + 1):
        ctx.check_cancelled("The paper build")
        pre = list(run_prechecks(job.tex)) + literal_diagnostics(job.folder, job.tex)
        result = compile_paper(
            job.tex.parent,
            timeout_s=180,
            output_pdf=job.pdf,
            cancel=ctx.cancel,
            sandbox=ctx.settings.sandbox,
        )
        report = check_consistency(job.folder, job.tex)
        diagnostics = pre + list(result.diagnostics) + list(report.diagnostics())
        _save_diagnostics(job, diagnostics)
        errors = [d for d in diagnostics if d.severity == "error"]
        if result.ok:
            ctx.reporter.emit(PreviewReady(str(job.folder), str(job.pdf)))
        if result.ok and not errors:
            break
        if round_ == ctx.settings.writeup_fix_rounds:
            break

        def fix(feedback: str | None, errors: list[Diagnostic] = errors) -> Proposal | None:
            return scientist.propose_paper_fix(job, errors, feedback, ctx)

        accepted = reviewed_edit(ctx, fix)
        if accepted is None:
            break
    missing = sorted(
        {
            m.group(1)
            for d in pre
            if (m := re.match(r"citation key `([^`]+)` has no entry", d.message))
        }
    )
    summary = (
        f"built {job.pdf.name} in {result.duration_s:.1f} s" if result.ok else "the build failed"
    ) + f"; {len(errors)} error(s), {len(diagnostics) - len(errors)} warning(s)"
    state.record(
        "build",
        status="done" if result.ok else "failed",
        pdf=str(job.pdf) if job.pdf.exists() else None,
        pdf_ok=result.ok,
        summary=summary,
        errors=len(errors),
        missing_citations=missing,
        consistency_mismatches=len(report.mismatches),
        numbers_checked=report.checked,
        unmatched_numbers=[f"{m.text} (template.tex:{m.line})" for m in report.mismatches],
        tex_hash=_hash(job.tex),
        boundary={"sandbox": result.sandbox, "user": result.tex_user},
    )
    ctx.reporter.emit(
        StageFinished("build", str(job.folder), ok=result.ok and not errors, message=summary)
    )
    # A paper with diagnostics left is still a paper: the review reads it and says so.
    return StageOutcome(result.ok or job.pdf.exists(), summary)


def _save_diagnostics(job: PaperJob, diagnostics) -> None:
    write_json_atomic(job.folder / "latex" / "diagnostics.json", [asdict(d) for d in diagnostics])


def _hash(path: Path) -> str:
    return text_hash(path.read_text(encoding="utf-8")) if path.exists() else ""


def review_paper(
    folder: Path, scientist: Scientist, ctx: Context, *, step: str = "review"
) -> StageOutcome:
    job = paper_job(folder, ctx)
    state = State.load(job.folder)
    if state.is_done(step):
        return StageOutcome(True, "reviewed earlier")
    build = state.step("build") or {}
    if build.get("pdf_ok"):
        # The results macros read as the numbers they print, as in the PDF, marked: the
        # reviewer can tell a measured value from a number the writer typed.
        tex = job.tex.read_text(encoding="utf-8", errors="replace")
        text = latex_to_text(resolved(tex, results(job.folder), MEASURED_MARKS))
    elif job.pdf.exists():
        ctx.reporter.emit(
            Log("the last build failed; reviewing the last good PDF", "warning", str(job.folder))
        )
        text = pdf_to_text(job.pdf, sandbox=ctx.settings.sandbox)
    else:
        raise AisciError(
            f"Cannot review {job.idea.name}: the paper never built, so there is no PDF.",
            f"See the diagnostics in {job.folder / 'latex' / 'diagnostics.json'}, fix the LaTeX, "
            "and build again.",
        )
    ctx.reporter.emit(StageStarted(step, str(job.folder)))
    reviews = [scientist.review_paper(job, text, ctx)]
    if review_kind(reviews[0]) == "checklist":
        if ctx.settings.num_reviews > 1:
            # The same checks give the same answer: an ensemble of checklists says nothing more.
            ctx.reporter.emit(
                Log(
                    "a checklist review needs no ensemble: one checklist, not "
                    f"{ctx.settings.num_reviews}",
                    "info",
                    str(job.folder),
                )
            )
    else:
        reviews += [
            scientist.review_paper(job, text, ctx)
            for _ in range(max(1, ctx.settings.num_reviews) - 1)
        ]
    review = save_review(
        job.folder / ("review" if step == "review" else "review_improved"),
        reviews,
        job.idea.title,
        job.idea.name,
    )
    line = review_line(review)
    kind = review_kind(review)
    if kind == "checklist":
        state.record(
            step,
            kind=kind,
            checks_passed=review["Passed"],
            checks_total=review["Total"],
            verdict=line,
        )
    else:
        state.record(
            step,
            overall=review["Overall"],
            decision=review["Decision"],
            kind=review.get("Kind", "model"),
        )
    ctx.reporter.emit(StageFinished(step, str(job.folder), message=line))
    return StageOutcome(True, line)


def save_review(stem: Path, reviews: list[dict], title: str, name: str) -> dict:
    """Check every review against its form, write ``<stem>.json`` (with ``kind``: "model" or
    "checklist") and ``<stem>.txt``; return the (meta-)review."""
    for one in reviews:
        problems = review_problems(one)
        if problems:
            raise AisciError(
                f"The review of {name} is not in the NeurIPS form: {'; '.join(problems)}.",
                "Run the review again (a different model may follow the form better).",
            )
    review = meta_review(reviews)
    write_json_atomic(
        stem.with_name(stem.name + ".json"),
        {"kind": review_kind(review), "review": review, "reviews": reviews},
    )
    write_text_atomic(stem.with_name(stem.name + ".txt"), render_review(review, title))
    return review


def improve_paper(folder: Path, scientist: Scientist, ctx: Context) -> StageOutcome:
    job = paper_job(folder, ctx)
    state = State.load(job.folder)
    if state.is_done("improvement"):
        return StageOutcome(True, "improved earlier")
    review = json.loads((job.folder / "review.json").read_text(encoding="utf-8"))["review"]
    ctx.reporter.emit(StageStarted("improvement", str(job.folder)))
    if not state.is_done("improvement.edit"):
        accepted = reviewed_edit(
            ctx, lambda feedback: scientist.propose_improvement(job, review, feedback, ctx)
        )
        state.record("improvement.edit", changed=accepted is not None)
    built = build_paper(job.folder, scientist, ctx)
    outcome = review_paper(job.folder, scientist, ctx, step="improvement.review")
    state.record("improvement", build=built.message, review=outcome.message)
    ctx.reporter.emit(StageFinished("improvement", str(job.folder), message=outcome.message))
    return outcome


def paper_stages(ctx: Context) -> list[tuple[str, IdeaStage]]:
    if not ctx.settings.writeup:
        return []
    stages: list[tuple[str, IdeaStage]] = [
        ("writeup", write_paper),
        ("build", build_paper),
        ("review", review_paper),
    ]
    if ctx.settings.improvement:
        stages.append(("improvement", improve_paper))
    return stages
