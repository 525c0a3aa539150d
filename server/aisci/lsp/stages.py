"""The plans of the long commands: which path each locks and which core stage it calls.

Contract: each function takes (server, Args), validates on the event loop (bad arguments
raise -32602 before anything is locked) and returns a ``Plan`` whose ``work(ctx)`` runs in the
job's thread and returns the command's result type (lsp/wire/results.py), which ``_plan``
turns into the JSON of docs/lsp.md §2; each is declared by ``@command``
(lsp/registry.py) with its id and the keys it takes. The stages themselves (the scientists,
cycle.py, paper/, core's stage modules) are imported inside ``work``, each marked
``# deferred:``: loaded at start they would add about a fifth to the server's start.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from aisci.core import template as core_template
from aisci.core.folders import baseline_folder
from aisci.core.template import load_template
from aisci.core.template_env import applied_scale
from aisci.errors import AisciError
from aisci.lsp import locate, pdf_record, wire
from aisci.lsp.args import Args
from aisci.lsp.queries import review_summary
from aisci.lsp.registry import Plan, command

if TYPE_CHECKING:  # the server starts without loading the stages
    from aisci.core.context import Context
    from aisci.core.scientist import Scientist
    from aisci.core.template import Template

    # lsp/server.py loads this module (through lsp/commands.py): a real import would be a cycle.
    from aisci.lsp.server import AisciServer
    from aisci.paper.stages import StageOutcome

Work = Callable[["Context"], wire.LongResult]  # a long command's work, in the job's thread
Stage = Callable[[Path, "Scientist", "Context"], wire.LongResult]  # a stage on an idea folder


def _plan(lock: Path, folder: Path, title: str, work: Work) -> Plan:
    # The result's JSON is made here, once, from its wire type: the command's response, whose
    # ok is also aisci/jobFinished's.
    return Plan(Path(lock), Path(folder), title, lambda ctx: wire.to_wire(work(ctx)))


def _template(path: Path) -> Template:
    return load_template(path)


def _scientist(template: Template, ctx: Context) -> Scientist:
    # deferred: stages load on first use: +70 ms (+20 %) at the server's start, measured
    from aisci.scientists import make_scientist

    return make_scientist(template, ctx)


def _results_of(server: AisciServer, template_path: Path) -> Path:
    return server.results_of(template_path) / template_path.name


# -- template commands ---------------------------------------------------------------------
@command("aisci.checkTemplate", keys=("template",), long=False)
def check_template(server: AisciServer, args: Args) -> wire.TemplateCheck:
    template = args.template(must_exist=False)
    problems = core_template.check_template(template)
    server.diagnostics.template_problems(template, problems)
    return wire.TemplateCheck(
        ok=not any(p.is_error for p in problems),
        template=str(template),
        problems=[
            wire.TemplateProblem(p.file, p.line, p.severity, p.message, p.field) for p in problems
        ],
    )


@command("aisci.runBaseline", keys=("template", "force"), long=True)
def run_baseline(server: AisciServer, args: Args) -> Plan:
    template_path, force = args.template(), args.flag("force")

    scale = applied_scale(template_path, server.settings_for(args).scale)
    lock = baseline_folder(server.results_of(template_path), template_path.name, scale)

    def work(ctx: Context) -> wire.BaselineResult:
        # deferred: stages load on first use: +70 ms (+20 %) at the server's start, measured
        from aisci.core.baseline import baseline_for

        out = baseline_for(_template(template_path), ctx, force=force)
        return wire.BaselineResult(
            ok=True,
            folder=str(out.folder),
            means=out.final_info.means(),
            figures=[str(out.folder / f) for f in out.figures],
            duration_s=round(out.duration_s, 3),
            sandbox=out.sandbox,
            reused=out.reused,
        )

    return _plan(lock, lock, f"Baseline of {template_path.name}", work)


@command("aisci.generateIdeas", keys=("template",), long=True)
def generate_ideas(server: AisciServer, args: Args) -> Plan:
    template_path = args.template()
    lock = _results_of(server, template_path) / "ideas.json"

    def work(ctx: Context) -> wire.IdeasGenerated:
        # deferred: stages load on first use: +70 ms (+20 %) at the server's start, measured
        from aisci.core.ideation import generate_ideas as generate
        from aisci.core.ideation import ideas_path

        template = _template(template_path)
        ideas = generate(template, _scientist(template, ctx), ctx, ctx.settings.num_ideas)
        path = ideas_path(ctx.settings.results, template)
        return wire.IdeasGenerated(ok=True, path=str(path), ideas=[i.name for i in ideas])

    return _plan(lock, lock.parent, f"Ideas for {template_path.name}", work)


@command("aisci.checkNovelty", keys=("template", "ideas"), long=True)
def check_novelty(server: AisciServer, args: Args) -> Plan:
    template_path, names = args.template(), args.names("ideas")
    lock = _results_of(server, template_path) / "ideas.json"

    def work(ctx: Context) -> wire.NoveltyChecked:
        # deferred: stages load on first use: +70 ms (+20 %) at the server's start, measured
        from aisci.core.ideation import check_novelty as check
        from aisci.core.ideation import ideas_path

        template = _template(template_path)
        ideas = check(template, _scientist(template, ctx), ctx, names)
        checks = [i.extra.get("novelty_check") or {} for i in ideas]
        return wire.NoveltyChecked(
            ok=True,
            path=str(ideas_path(ctx.settings.results, template)),
            ideas=[
                wire.NoveltyVerdict(i.name, i.novel, c.get("label"), c.get("reason"))
                for i, c in zip(ideas, checks, strict=True)
            ],
        )

    return _plan(lock, lock.parent, f"Novelty of {template_path.name}'s ideas", work)


@command(
    "aisci.launch",
    keys=("template", "skipIdeaGeneration", "skipNoveltyCheck", "resume", "writeup", "improvement"),
    long=True,
)
def launch(server: AisciServer, args: Args) -> Plan:
    template_path = args.template()
    options = {
        "skip_idea_generation": args.flag("skipIdeaGeneration"),
        "skip_novelty_check": args.flag("skipNoveltyCheck"),
        "resume": args.flag("resume"),
    }
    paper = {
        "writeup": args.flag("writeup") if args.has("writeup") else True,
        "improvement": args.flag("improvement"),
    }
    lock = _results_of(server, template_path)

    def work(ctx: Context) -> wire.LaunchResult:
        # deferred: stages load on first use: +70 ms (+20 %) at the server's start, measured
        from aisci.cycle import launch as run

        ctx.settings = ctx.settings.with_(**paper)
        template = _template(template_path)
        outcome = run(template, _scientist(template, ctx), ctx, **options)
        return wire.LaunchResult(
            ok=outcome.ok,
            template=outcome.template,
            ideas=[
                wire.LaunchedIdea(i.idea, str(i.folder) if i.folder else None, i.ok, i.message)
                for i in outcome.ideas
            ],
        )

    return _plan(lock, lock, f"Launch of {template_path.name}", work)


# -- idea-folder commands ------------------------------------------------------------------
# The keys of a command on an idea folder: {folder}, or {template, idea} (see _folder_plan).
FOLDER_OR_IDEA = ("folder", "template", "idea")


def _folder_plan(
    server: AisciServer, args: Args, title: str, stage: Stage, *, create: bool = False
) -> Plan:
    """A command on an idea folder, given as {folder} or as {template, idea}."""
    if args.has("folder"):
        folder = args.folder()

        def work(ctx: Context) -> wire.LongResult:
            # deferred: stages load on first use: +70 ms (+20 %) at the server's start, measured
            from aisci.llm.answer_store import working_in

            _name, template_path = locate.template_of_folder(folder)
            template = _template(template_path)
            with working_in(folder):  # its paid answers and cost are kept in the idea folder
                return stage(folder, _scientist(template, ctx), ctx)

        return _plan(folder, folder, f"{title}: {folder.name}", work)
    if not (args.has("template") and args.has("idea")):
        raise args.fail(
            'give {"folder": "/abs/idea/folder"} or {"template": "/abs/templates/NAME", "idea": "NAME"}.'
        )
    template_path, idea = args.template(), args.text("idea")
    lock = _results_of(server, template_path)

    def work_by_idea(ctx: Context) -> wire.LongResult:
        # deferred: stages load on first use: +70 ms (+20 %) at the server's start, measured
        from aisci.llm.answer_store import working_in

        template = _template(template_path)
        folder = locate.folder_of_idea(ctx.settings.results, template.name, idea)
        if folder is None:
            if not create:
                raise AisciError(
                    f"Idea {idea} of {template.name} has no folder yet: its experiments never ran.",
                    "Run its experiments first (the Run experiments lens).",
                )
            # deferred: stages load on first use: +70 ms (+20 %) at the server's start, measured
            from aisci.cycle import new_idea_folder

            folder = new_idea_folder(template, idea, ctx)
        with working_in(folder):
            return stage(folder, _scientist(template, ctx), ctx)

    return _plan(lock, lock, f"{title}: {idea}", work_by_idea)


@command("aisci.runExperiments", keys=FOLDER_OR_IDEA, long=True)
def run_experiments(server: AisciServer, args: Args) -> Plan:
    def stage(folder: Path, scientist: Scientist, ctx: Context) -> wire.ExperimentsResult:
        # deferred: stages load on first use: +70 ms (+20 %) at the server's start, measured
        from aisci.core.experiments import run_experiments as run

        out = run(folder, scientist, ctx)
        return wire.ExperimentsResult(
            ok=out.ok,
            folder=str(out.folder),
            message=out.message,
            runs=[wire.RunOutcome(r.run, r.description, r.means, r.error) for r in out.runs],
        )

    return _folder_plan(server, args, "Experiments", stage, create=True)


@command("aisci.makePlots", keys=FOLDER_OR_IDEA, long=True)
def make_plots(server: AisciServer, args: Args) -> Plan:
    def stage(folder: Path, scientist: Scientist, ctx: Context) -> wire.PlotsResult:
        # deferred: stages load on first use: +70 ms (+20 %) at the server's start, measured
        from aisci.core.plots import make_plots as plots

        out = plots(folder, scientist, ctx)
        return wire.PlotsResult(
            ok=out.ok,
            folder=str(out.folder),
            message=out.message,
            figures=[str(Path(out.folder) / f) for f in out.figures],
        )

    return _folder_plan(server, args, "Plots", stage)


def _reviewed(folder: Path, outcome: StageOutcome) -> wire.ReviewResult:
    """A review stage's outcome with the review it saved (review_improved.json, else
    review.json); the review's fields are null when neither can be read."""
    for stem in ("review_improved", "review"):
        try:
            saved = json.loads((folder / f"{stem}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        review = saved.get("review") if isinstance(saved, dict) else None
        if isinstance(review, dict):
            summary = review_summary(review)
            return wire.ReviewResult(
                outcome.ok,
                outcome.message,
                str(folder),
                review,
                summary["kind"],
                summary["verdict"],
                summary["decision"],
            )
    return wire.ReviewResult(outcome.ok, outcome.message, str(folder), None, None, None, None)


@command("aisci.draftPaper", keys=(*FOLDER_OR_IDEA, "section"), long=True)
def draft_paper(server: AisciServer, args: Args) -> Plan:
    section = args.text("section", required=False)

    def stage(folder: Path, scientist: Scientist, ctx: Context) -> wire.DraftResult:
        # deferred: stages load on first use: +70 ms (+20 %) at the server's start, measured
        from aisci.paper import stages as paper_stages

        out = paper_stages.write_paper(folder, scientist, ctx, section=section)
        tex = folder / "latex" / "template.tex"
        if tex.is_file():  # the new draft in the preview, once this command lets go of the folder
            server.preview.schedule(tex)
        return wire.DraftResult(out.ok, out.message, str(folder), str(tex))

    return _folder_plan(server, args, "Draft " + (section or "the paper"), stage)


@command("aisci.buildPaper", keys=FOLDER_OR_IDEA, long=True)
def build_paper(server: AisciServer, args: Args) -> Plan:
    def stage(folder: Path, scientist: Scientist, ctx: Context) -> wire.BuildResult:
        # deferred: stages load on first use: +70 ms (+20 %) at the server's start, measured
        from aisci.paper import stages as paper_stages

        server.preview.yield_to_job(folder / "latex")
        try:
            out = paper_stages.build_paper(folder, scientist, ctx)
        except AisciError as e:  # no TeX: the preview says so too, and the Problems panel
            server.preview.announce(folder, error=e.message)
            raise
        counts = server.diagnostics.saved_paper_diagnostics(folder)
        tex = folder / "latex" / "template.tex"
        if tex.is_file():  # the build's own checks leave out the style lint
            # deferred: stages load on first use: +70 ms (+20 %) at the server's start, measured
            from aisci.paper.chktex import run_chktex

            server.diagnostics.core_diagnostics(
                "chktex", tex.parent, run_chktex(tex, sandbox=ctx.settings.sandbox)
            )
        record = pdf_record.of_idea(folder)
        if not out.ok or counts["errors"]:  # the preview's banner and its PDF of record
            server.preview.announce(folder)
        log = folder / "latex" / "template.log"
        return wire.BuildResult(
            ok=out.ok,
            message=out.message,
            folder=str(folder),
            pdf=str(record.pdf) if record else None,
            diagnostics=counts["diagnostics"],
            errors=counts["errors"],
            log=str(log) if log.is_file() else None,
        )

    return _folder_plan(server, args, "Build the paper", stage)


@command("aisci.checkConsistency", keys=FOLDER_OR_IDEA, long=True)
def check_consistency(server: AisciServer, args: Args) -> Plan:
    def stage(folder: Path, scientist: Scientist, ctx: Context) -> wire.ConsistencyResult:
        # deferred: stages load on first use: +70 ms (+20 %) at the server's start, measured
        from aisci.paper.consistency import check_consistency as check

        report = check(folder)
        latex = folder / "latex"
        server.diagnostics.core_diagnostics("consistency", latex, report.diagnostics())
        return wire.ConsistencyResult(
            ok=report.ok,
            folder=str(folder),
            checked=report.checked,
            notes=list(report.notes),
            mismatches=[
                wire.Mismatch(str(latex / report.tex), m.line, m.message) for m in report.mismatches
            ],
        )

    return _folder_plan(server, args, "Check the paper's numbers", stage)


@command("aisci.reproduce", keys=(*FOLDER_OR_IDEA, "runs", "tolerance"), long=True)
def reproduce(server: AisciServer, args: Args) -> Plan:
    """{folder} or {template, idea}, and optionally {runs: ["run_1", ...], tolerance: 1e-6}."""
    runs, tolerance = args.values.get("runs") or [], args.values.get("tolerance")
    if not isinstance(runs, list) or not all(
        isinstance(r, str) and r.startswith("run_") and r[4:].isdigit() for r in runs
    ):
        raise args.fail(f'"runs" must be a list of run names such as "run_1", found {runs!r}.')
    if tolerance is not None and (
        isinstance(tolerance, bool)
        or not isinstance(tolerance, (int, float))
        or not 0 <= tolerance < float("inf")
    ):
        raise args.fail(f'"tolerance" must be a number, 0 or more, found {tolerance!r}.')
    only = tuple(runs)

    def stage(folder: Path, scientist: Scientist, ctx: Context) -> wire.ReproduceResult:
        # deferred: stages load on first use: +70 ms (+20 %) at the server's start, measured
        from aisci.paper import reproduce as repro

        given = repro.DEFAULT_TOLERANCE if tolerance is None else tolerance
        report = repro.reproduce(folder, ctx, only=only, tolerance=given)
        return wire.ReproduceResult(
            ok=report.ok,
            message=report.summary(),
            folder=str(report.folder),
            report=str(report.folder / repro.REPORT),
            reran=list(report.reran),
            failed=list(report.failed),
            numbers=[
                wire.ReproducedNumber(
                    r.text, r.line, r.source, r.original, r.reproduced, r.status, list(r.runs)
                )
                for r in report.rows
            ],
        )

    return _folder_plan(server, args, "Reproduce the paper's results", stage)


@command("aisci.review", keys=FOLDER_OR_IDEA, long=True)
def review(server: AisciServer, args: Args) -> Plan:
    def stage(folder: Path, scientist: Scientist, ctx: Context) -> wire.ReviewResult:
        # deferred: stages load on first use: +70 ms (+20 %) at the server's start, measured
        from aisci.paper import stages as paper_stages

        return _reviewed(folder, paper_stages.review_paper(folder, scientist, ctx))

    return _folder_plan(server, args, "Review", stage)


@command("aisci.improve", keys=FOLDER_OR_IDEA, long=True)
def improve(server: AisciServer, args: Args) -> Plan:
    def stage(folder: Path, scientist: Scientist, ctx: Context) -> wire.ReviewResult:
        # deferred: stages load on first use: +70 ms (+20 %) at the server's start, measured
        from aisci.paper import stages as paper_stages

        return _reviewed(folder, paper_stages.improve_paper(folder, scientist, ctx))

    return _folder_plan(server, args, "Improve", stage)
