"""The plans of the long commands: which path each locks and which core stage it calls.

Contract: each function takes (server, Args), validates on the event loop (bad arguments
raise -32602 before anything is locked) and returns a ``Plan`` whose ``work(ctx)`` runs in the
job's thread and returns the JSON result of docs/lsp.md §2; each is declared by ``@command``
(lsp/registry.py) with its id and the keys it takes. Everything heavy (templates,
scientists, stage modules) is imported inside ``work``, so the server starts fast.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aisci.lsp import locate
from aisci.lsp.args import Args
from aisci.lsp.registry import Plan, command

if TYPE_CHECKING:  # the server starts without loading the stages
    from aisci.core.scientist import Scientist


def _plan(lock: Path, folder: Path, title: str, work):
    return Plan(Path(lock), Path(folder), title, work)


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


def _template(path: Path):
    from aisci.core.template import load_template

    return load_template(path)


def _scientist(template, ctx) -> Scientist:
    from aisci.scientists import make_scientist

    return make_scientist(template, ctx)


def _results_of(server, template_path: Path) -> Path:
    return server.results / template_path.name


# -- template commands ---------------------------------------------------------------------
@command("aisci.checkTemplate", keys=("template",), long=False)
def check_template(server, args: Args) -> dict:
    from aisci.core.template import check_template as check

    template = args.template(must_exist=False)
    problems = check(template)
    server.diagnostics.template_problems(template, problems)
    return {
        "ok": not any(p.is_error for p in problems),
        "template": str(template),
        "problems": [
            {
                "file": p.file,
                "line": p.line,
                "severity": p.severity,
                "message": p.message,
                "field": p.field,
            }
            for p in problems
        ],
    }


@command("aisci.runBaseline", keys=("template", "force"), long=True)
def run_baseline(server, args: Args):
    template_path, force = args.template(), args.flag("force")
    from aisci.core.folders import baseline_folder
    from aisci.core.template_env import applied_scale

    scale = applied_scale(template_path, server.settings_for(args).scale)
    lock = baseline_folder(server.results, template_path.name, scale)

    def work(ctx) -> dict:
        from aisci.core.baseline import baseline_for

        out = baseline_for(_template(template_path), ctx, force=force)
        return {
            "ok": True,
            "folder": str(out.folder),
            "means": out.final_info.means(),
            "figures": [str(out.folder / f) for f in out.figures],
            "durationS": round(out.duration_s, 3),
            "sandbox": out.sandbox,
            "reused": out.reused,
        }

    return _plan(lock, lock, f"Baseline of {template_path.name}", work)


@command("aisci.generateIdeas", keys=("template",), long=True)
def generate_ideas(server, args: Args):
    template_path = args.template()
    lock = _results_of(server, template_path) / "ideas.json"

    def work(ctx) -> dict:
        from aisci.core.ideation import generate_ideas as generate
        from aisci.core.ideation import ideas_path

        template = _template(template_path)
        ideas = generate(template, _scientist(template, ctx), ctx, ctx.settings.num_ideas)
        return {
            "ok": True,
            "path": str(ideas_path(ctx.settings.results, template)),
            "ideas": [i.name for i in ideas],
        }

    return _plan(lock, lock.parent, f"Ideas for {template_path.name}", work)


@command("aisci.checkNovelty", keys=("template", "ideas"), long=True)
def check_novelty(server, args: Args):
    template_path, names = args.template(), args.names("ideas")
    lock = _results_of(server, template_path) / "ideas.json"

    def work(ctx) -> dict:
        from aisci.core.ideation import check_novelty as check
        from aisci.core.ideation import ideas_path

        template = _template(template_path)
        ideas = check(template, _scientist(template, ctx), ctx, names)
        return {
            "ok": True,
            "path": str(ideas_path(ctx.settings.results, template)),
            "ideas": [
                {
                    "name": i.name,
                    "novel": i.novel,
                    "label": (i.extra.get("novelty_check") or {}).get("label"),
                    "reason": (i.extra.get("novelty_check") or {}).get("reason"),
                }
                for i in ideas
            ],
        }

    return _plan(lock, lock.parent, f"Novelty of {template_path.name}'s ideas", work)


@command(
    "aisci.launch",
    keys=("template", "skipIdeaGeneration", "skipNoveltyCheck", "resume", "writeup", "improvement"),
    long=True,
)
def launch(server, args: Args):
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

    def work(ctx) -> dict:
        from aisci.cycle import launch as run

        ctx.settings = ctx.settings.with_(**paper)
        template = _template(template_path)
        outcome = run(template, _scientist(template, ctx), ctx, **options)
        return {
            "ok": outcome.ok,
            "template": outcome.template,
            "ideas": [
                {
                    "idea": i.idea,
                    "folder": str(i.folder) if i.folder else None,
                    "ok": i.ok,
                    "message": i.message,
                }
                for i in outcome.ideas
            ],
        }

    return _plan(lock, lock, f"Launch of {template_path.name}", work)


# -- idea-folder commands ------------------------------------------------------------------
# The keys of a command on an idea folder: {folder}, or {template, idea} (see _folder_plan).
FOLDER_OR_IDEA = ("folder", "template", "idea")


def _folder_plan(server, args: Args, title: str, stage, *, create: bool = False):
    """A command on an idea folder, given as {folder} or as {template, idea}."""
    if args.has("folder"):
        folder = args.folder()

        def work(ctx) -> dict:
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

    def work_by_idea(ctx) -> dict:
        from aisci.llm.answer_store import working_in

        template = _template(template_path)
        folder = locate.folder_of_idea(ctx.settings.results, template.name, idea)
        if folder is None:
            if not create:
                from aisci.errors import AisciError

                raise AisciError(
                    f"Idea {idea} of {template.name} has no folder yet: its experiments never ran.",
                    "Run its experiments first (the Run experiments lens).",
                )
            from aisci.cycle import new_idea_folder

            folder = new_idea_folder(template, idea, ctx)
        with working_in(folder):
            return stage(folder, _scientist(template, ctx), ctx)

    return _plan(lock, lock, f"{title}: {idea}", work_by_idea)


@command("aisci.runExperiments", keys=FOLDER_OR_IDEA, long=True)
def run_experiments(server, args: Args):
    def stage(folder: Path, scientist, ctx) -> dict:
        from aisci.core.experiments import run_experiments as run

        out = run(folder, scientist, ctx)
        return {
            "ok": out.ok,
            "folder": str(out.folder),
            "message": out.message,
            "runs": [
                {"run": r.run, "description": r.description, "means": r.means, "error": r.error}
                for r in out.runs
            ],
        }

    return _folder_plan(server, args, "Experiments", stage, create=True)


@command("aisci.makePlots", keys=FOLDER_OR_IDEA, long=True)
def make_plots(server, args: Args):
    def stage(folder: Path, scientist, ctx) -> dict:
        from aisci.core.plots import make_plots as plots

        out = plots(folder, scientist, ctx)
        return {
            "ok": out.ok,
            "folder": str(out.folder),
            "message": out.message,
            "figures": [str(Path(out.folder) / f) for f in out.figures],
        }

    return _folder_plan(server, args, "Plots", stage)


def _paper_result(folder: Path, outcome) -> dict:
    result = (
        {"ok": True, **_jsonable(outcome)}
        if dataclasses.is_dataclass(outcome)
        else ({"ok": True, **outcome} if isinstance(outcome, dict) else {"ok": True})
    )
    result["folder"] = str(folder)
    for stem in ("review_improved", "review"):
        path = folder / f"{stem}.json"
        if path.is_file():
            try:
                review = json.loads(path.read_text(encoding="utf-8")).get("review")
            except (OSError, ValueError, AttributeError):
                continue
            from aisci.lsp.queries import review_summary

            summary = review_summary(review if isinstance(review, dict) else {})
            result.setdefault("review", review)
            result.setdefault("decision", summary["decision"])
            result.setdefault("reviewKind", summary["kind"])
            result.setdefault("verdict", summary["verdict"])
            break
    return result


@command("aisci.draftPaper", keys=(*FOLDER_OR_IDEA, "section"), long=True)
def draft_paper(server, args: Args):
    section = args.text("section", required=False)

    def stage(folder: Path, scientist, ctx) -> dict:
        from aisci.paper import stages as paper_stages

        out = paper_stages.write_paper(folder, scientist, ctx, section=section)
        result = _paper_result(folder, out)
        for key in ("review", "decision", "reviewKind", "verdict"):
            result.pop(key, None)
        tex = folder / "latex" / "template.tex"
        if (
            tex.is_file()
        ):  # the new draft in the preview, once this command has let go of the folder
            server.preview.schedule(tex)
        return {**result, "tex": str(tex)}

    return _folder_plan(server, args, "Draft " + (section or "the paper"), stage)


@command("aisci.buildPaper", keys=FOLDER_OR_IDEA, long=True)
def build_paper(server, args: Args):
    def stage(folder: Path, scientist, ctx) -> dict:
        from aisci.paper import stages as paper_stages

        out = paper_stages.build_paper(folder, scientist, ctx)
        counts = server.diagnostics.saved_paper_diagnostics(folder)
        tex = folder / "latex" / "template.tex"
        if tex.is_file():  # the build's own checks leave out the style lint
            from aisci.paper.chktex import run_chktex

            server.diagnostics.core_diagnostics(
                "chktex", tex.parent, run_chktex(tex, sandbox=ctx.settings.sandbox)
            )
        pdfs = [
            p
            for p in (
                folder / f"{locate.idea_of_folder(folder)}.pdf",
                folder / "latex" / "template.pdf",
            )
            if p.is_file()
        ]
        result = _paper_result(folder, out)
        for key in ("review", "decision", "reviewKind", "verdict"):
            result.pop(key, None)
        log = folder / "latex" / "template.log"
        return {
            **result,
            "pdf": str(pdfs[0]) if pdfs else None,
            **counts,
            "log": str(log) if log.is_file() else None,
        }

    return _folder_plan(server, args, "Build the paper", stage)


@command("aisci.checkConsistency", keys=FOLDER_OR_IDEA, long=True)
def check_consistency(server, args: Args):
    def stage(folder: Path, scientist, ctx) -> dict:
        from aisci.paper.consistency import check_consistency as check

        report = check(folder)
        latex = folder / "latex"
        server.diagnostics.core_diagnostics("consistency", latex, report.diagnostics())
        return {
            "ok": report.ok,
            "folder": str(folder),
            "checked": report.checked,
            "notes": list(report.notes),
            "mismatches": [
                {"file": str(latex / report.tex), "line": m.line, "message": m.message}
                for m in report.mismatches
            ],
        }

    return _folder_plan(server, args, "Check the paper's numbers", stage)


@command("aisci.review", keys=FOLDER_OR_IDEA, long=True)
def review(server, args: Args):
    def stage(folder: Path, scientist, ctx) -> dict:
        from aisci.paper import stages as paper_stages

        return _paper_result(folder, paper_stages.review_paper(folder, scientist, ctx))

    return _folder_plan(server, args, "Review", stage)


@command("aisci.improve", keys=FOLDER_OR_IDEA, long=True)
def improve(server, args: Args):
    def stage(folder: Path, scientist, ctx) -> dict:
        from aisci.paper import stages as paper_stages

        return _paper_result(folder, paper_stages.improve_paper(folder, scientist, ctx))

    return _folder_plan(server, args, "Improve", stage)
