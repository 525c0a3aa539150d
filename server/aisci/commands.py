"""What each ``aisci`` command does, once its flags are parsed (see cli.py)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from aisci.errors import ConfigError


def _results_lock(path: Path, command: str, *, whole: bool = False, named: bool = False):
    """The inter-process lock of a command on its folder (core/locks.py): ``whole`` locks
    results/<template> itself; ``named``, an idea folder the user named; otherwise one folder
    or file inside results/<template>."""
    from aisci.core import locks

    lock = (
        locks.lock_template_folder
        if whole
        else locks.lock_idea_folder
        if named
        else locks.lock_in_template_folder
    )
    return lock(path, f"aisci {command}")


def cmd_template(args: argparse.Namespace) -> int:
    if args.template_command == "check":
        return _template_check(args.dir)
    if args.template_command == "knobs":
        return _template_knobs(resolve_template(args.template), yes=args.yes, force=args.force)
    return _template_new(args.name, args.dir)


def _template_check(folder: Path) -> int:
    from aisci.core.template import check_template

    problems = check_template(folder)
    errors = [p for p in problems if p.is_error]
    for problem in problems:
        print(problem)
    if errors:
        print(
            f"{folder}: {len(errors)} error{'s' * (len(errors) != 1)}"
            + (f", {len(problems) - len(errors)} warning(s)" if len(problems) > len(errors) else "")
            + ". Fix the files named above and run the check again."
        )
        return 1
    print(
        f"{folder}: the template is valid"
        + (f" ({len(problems)} warning(s))" if problems else "")
        + "."
    )
    return 0


def _template_knobs(folder: Path, *, yes: bool, force: bool, ask=input) -> int:
    """Propose knobs.json from experiment.py, show it, and write it when the user accepts."""
    from aisci.core.knobs import propose_knobs, write_knobs

    experiment = folder / "experiment.py"
    if not experiment.is_file():
        raise ConfigError(
            f"Cannot propose knobs for {folder}: it has no experiment.py.",
            "Give a template folder (see docs/templates.md).",
        )
    if (folder / "knobs.json").exists() and not force:
        raise ConfigError(
            f"{folder / 'knobs.json'} already exists; it was left as it is.",
            "Edit it by hand, or pass --force to replace it with a new proposal.",
        )
    proposals = propose_knobs(experiment)
    if not proposals:
        print(
            f"{experiment}: no positive numeric constant or argparse default that the experiment reads; "
            "nothing to propose. Write knobs.json by hand (docs/templates.md)."
        )
        return 1
    print(f"Proposed knobs for {folder.resolve().name} (from {experiment}):")
    for i, p in enumerate(proposals, 1):
        what = p.target if p.kind == "constant" else f"{p.target} (argparse default)"
        print(
            f"  {i}. {what}  line {p.line}: {p.value!r} -> values {list(p.values)}  {p.description}"
        )
    if not yes:
        if not sys.stdin.isatty():
            raise ConfigError(
                "Cannot ask whether to write knobs.json: stdin is not a terminal.",
                "Pass --yes to write every proposed knob, or run it in a terminal.",
            )
        answer = (
            ask("Write knobs.json? [y]es, the numbers to keep (e.g. 1 3), or [n]o: ")
            .strip()
            .lower()
        )
        if answer in ("", "n", "no"):
            print("Nothing written.")
            return 1
        if answer not in ("y", "yes"):
            try:
                keep = {int(n) for n in answer.replace(",", " ").split()}
            except ValueError:
                raise ConfigError(
                    f"Cannot read the answer {answer!r}: expected y, n, or knob numbers.",
                    "Run the command again.",
                ) from None
            proposals = [p for i, p in enumerate(proposals, 1) if i in keep]
    path = write_knobs(folder, proposals)
    print(
        f"Wrote {path} ({len(proposals)} knob(s)). Edit its values as you like; then: "
        f"aisci template check {folder}"
    )
    return 0


def _template_new(name: str, parent: Path) -> int:
    from aisci.core.new_template import create_template

    dest = create_template(name, parent)
    print(
        f"Created {dest}. Next: aisci template check {dest} && aisci baseline {dest} --scale smoke"
    )
    return 0


def cmd_baseline(args: argparse.Namespace) -> int:
    from aisci.core.baseline import default_scale, run_baseline, scale_words
    from aisci.core.folders import baseline_folder
    from aisci.core.template import load_template
    from aisci.terminal import TerminalReporter, results_table

    template = load_template(args.template)
    scale = args.scale or default_scale()
    _note_scales(template, scale)
    executor = open_executor(args)
    try:
        applied = scale if template.has_scales else None
        with _results_lock(baseline_folder(args.results, template.name, applied), "baseline"):
            outcome = run_baseline(
                template,
                args.results,
                scale=scale,
                timeout_s=args.timeout,
                sandbox=args.sandbox,
                gpu=args.gpu,
                force=args.force,
                reporter=TerminalReporter(),
                executor=executor,
            )
    finally:
        executor.close()
    how = (
        "reused (finished earlier; --force runs it again)"
        if outcome.reused
        else f"ran in {outcome.duration_s:.1f} s"
    )
    print(f"Baseline of {template.name} {scale_words(applied)}: {how}, sandbox {outcome.sandbox}.")
    print(f"Folder: {outcome.folder}")
    print()
    print(results_table(outcome.final_info))
    print()
    print("Figures:")
    for figure in outcome.figures:
        print(f"  {outcome.folder / figure}")
    return 0


def open_executor(args: argparse.Namespace):
    """The executor the flags ask for, connected (``--executor``, ``--ray-address``, ...)."""
    from aisci.execution.executor import ExecutorSettings, make_executor
    from aisci.execution.sandbox import resolve

    if getattr(args, "executor", "local") == "local":
        resolve(args.sandbox)  # no isolation here: stop before any work, saying what to install
    return make_executor(
        ExecutorSettings(
            kind=getattr(args, "executor", "local"),
            ray_address=getattr(args, "ray_address", "auto"),
            shared_results=getattr(args, "shared_results", False),
            run_cpus=getattr(args, "run_cpus", None),
            run_gpus=getattr(args, "run_gpus", None),
        )
    )


def cmd_doctor(args: argparse.Namespace) -> int:
    from aisci.doctor import run_checks

    failed = 0
    for check in run_checks(
        offline=args.offline,
        sandbox=args.sandbox,
        ray_address=args.ray_address if args.executor == "ray" else None,
    ):
        print(check.line())
        failed += check.status == "FAIL"
    if failed:
        print(f"{failed} check(s) failed; each line above says how to fix it.")
        return 1
    return 0


def _note_scales(template, scale: str) -> None:
    from aisci.core.template_env import no_scales_note

    if not template.has_scales:
        print(f"note: {no_scales_note(template.name, scale)}", file=sys.stderr)


# The original's --experiment names for templates that ship here under another name.
ORIGINAL_TEMPLATES = {
    "nanoGPT": (
        "nanogpt",
        "the original's nanoGPT (three character/word data sets, GPU-sized) is our nanogpt "
        "template: character-level Shakespeare; --scale picks its size",
    ),
    "nanoGPT_lite": (
        "nanogpt",
        "the original's nanoGPT_lite is our nanogpt template: character-level "
        "Shakespeare; --scale cpu or smoke plays the part of _lite",
    ),
}


def resolve_template(value: str | Path) -> Path:
    """A template folder, or the name of one under ./templates (the original's --experiment)."""
    path = Path(value)
    if path.is_dir():
        return path
    named = Path("templates") / str(value)
    if named.is_dir():
        return named
    if str(value) in ORIGINAL_TEMPLATES:
        name, note = ORIGINAL_TEMPLATES[str(value)]
        if (Path("templates") / name).is_dir():
            print(f"note: {note}.", file=sys.stderr)
            return Path("templates") / name
    raise ConfigError(
        f"Template {value} not found: it is neither a folder nor a name under ./templates.",
        "Give the template's folder, e.g. --template templates/grokking.",
    )


def make_context(args: argparse.Namespace):
    from aisci.core.baseline import check_scale, default_scale
    from aisci.core.context import Context
    from aisci.core.proposals import AcceptAll
    from aisci.core.settings import Settings
    from aisci.llm.aliases import resolve_model
    from aisci.terminal import TerminalReporter, TerminalReviewer

    scale = getattr(args, "scale", None)
    model, note = resolve_model(args.model)
    if note:
        print(f"note: {note}.", file=sys.stderr)
    # Flags only some commands have; a command without one gets the Settings default.
    optional = {
        "results": "results",
        "timeout": "timeout_s",
        "api_key_env": "api_key_env",
        "executor": "executor",
        "ray_address": "ray_address",
        "num_ideas": "num_ideas",
        "reflections": "num_reflections",
        "num_reviews": "num_reviews",
        "rounds": "novelty_rounds",
        "autonomy": "autonomy",
        "max_runs": "max_runs",
        "max_iters": "max_iters",
        "improvement": "improvement",
        "parallel": "parallel",
        "search": "search",
        "max_nodes": "max_nodes",
        "debug_depth": "debug_depth",
        "seeds": "seeds",
    }
    settings = Settings(
        scale=check_scale(scale or default_scale()),
        sandbox=args.sandbox,
        scientist=args.scientist,
        model=model,
        api_base=args.api_base,
        max_cost_usd=args.max_cost,
        record=args.record,
        replay=args.replay,
        engine=args.engine,
        gpus=tuple(g for g in getattr(args, "gpus", "").split(",") if g)
        or ((args.gpu,) if getattr(args, "gpu", None) else ()),
        **{name: getattr(args, flag) for flag, name in optional.items() if hasattr(args, flag)},
    ).validate()
    if settings.autonomy == "review-edits" and not sys.stdin.isatty():
        # Found out now, not at the first proposal after the model calls were paid for.
        raise ConfigError(
            "Cannot use --autonomy review-edits: stdin is not a terminal, so nobody can answer "
            "the accept / edit / reject prompts.",
            "Run the command in a terminal, or use --autonomy full (every edit is applied and "
            "shown in the run's run_i.py).",
        )
    reviewer = TerminalReviewer() if settings.autonomy == "review-edits" else AcceptAll()
    # Live bars redraw the terminal and would write over the accept / edit / reject prompt.
    live = False if settings.autonomy == "review-edits" else None
    return Context(settings=settings, reporter=TerminalReporter(live=live), reviewer=reviewer)


def _template_and_scientist(args: argparse.Namespace):
    from aisci.core.template import load_template
    from aisci.scientists import make_scientist

    ctx = make_context(args)
    template = load_template(resolve_template(args.template))
    return template, make_scientist(template, ctx), ctx


def _print_cost(scientist) -> None:
    """The model spending of the command that just ran (the sweep scientist spends nothing)."""
    session = getattr(scientist, "session", None)
    if session is not None:
        print(session.summary(), file=sys.stderr)


def cmd_launch(args: argparse.Namespace) -> int:
    from aisci.cycle import launch

    template, scientist, ctx = _template_and_scientist(args)
    _note_scales(template, ctx.settings.scale)
    ctx.settings = ctx.settings.with_(writeup=args.writeup == "latex")
    ctx.executor = open_executor(
        args
    )  # a cluster that cannot be reached stops here, before any model call
    try:
        with _results_lock(Path(ctx.settings.results) / template.name, "launch", whole=True):
            outcome = launch(
                template,
                scientist,
                ctx,
                skip_idea_generation=args.skip_idea_generation,
                skip_novelty_check=args.skip_novelty_check,
                resume=args.resume,
            )
    finally:
        ctx.executor.close()
        _print_cost(scientist)
    print(
        f"Launch of {template.name}: {sum(i.ok for i in outcome.ideas)} of {len(outcome.ideas)} idea(s) finished."
    )
    for idea in outcome.ideas:
        print(f"  {'ok    ' if idea.ok else 'FAILED'} {idea.idea}: {idea.message}")
        if idea.folder:
            print(f"         {idea.folder}")
            for name in (f"{idea.folder.name.split('_', 2)[-1]}.pdf", "review.txt"):
                if (idea.folder / name).exists():
                    print(f"         {idea.folder / name}")
    return 0 if outcome.ok else 1


def cmd_ideas(args: argparse.Namespace) -> int:
    from aisci.core.ideation import generate_ideas, ideas_path

    template, scientist, ctx = _template_and_scientist(args)
    try:
        with _results_lock(ideas_path(ctx.settings.results, template), "ideas"):
            ideas = generate_ideas(template, scientist, ctx, args.num_ideas)
    finally:
        _print_cost(scientist)
    for idea in ideas:
        print(
            f"{idea.name}: {idea.title}  (interestingness {idea.interestingness}, feasibility "
            f"{idea.feasibility}, novelty {idea.novelty})"
        )
    print(f"{len(ideas)} new idea(s) in {ideas_path(ctx.settings.results, template)}")
    return 0


def cmd_novelty(args: argparse.Namespace) -> int:
    from aisci.core.ideation import check_novelty, ideas_path

    template, scientist, ctx = _template_and_scientist(args)
    try:
        with _results_lock(ideas_path(ctx.settings.results, template), "novelty"):
            checked = check_novelty(template, scientist, ctx)
    finally:
        _print_cost(scientist)
    for idea in checked:
        verdict = idea.extra.get("novelty_check", {})
        print(f"{idea.name}: {verdict.get('label', 'unchecked')} - {verdict.get('reason', '')}")
    return 0


def cmd_lsp(args: argparse.Namespace) -> int:
    from aisci.lsp.server import main as serve

    serve(tcp_port=args.tcp)
    return 0


def _idea_folder(args: argparse.Namespace):
    """An idea folder holds a copy of its template: the scientist is made from that copy."""
    from aisci.core.state import State
    from aisci.core.template import load_template
    from aisci.scientists import make_scientist

    folder = args.folder.resolve() if hasattr(args, "folder") else args.paper.resolve()
    if not (folder / "idea.json").is_file():
        raise ConfigError(
            f"{folder} is not an idea folder (it has no idea.json).",
            "Give a folder made by aisci launch: results/<template>/<stamp>_<name>.",
        )
    ctx = make_context(args)
    scale = State.load(folder).get("scale")
    if scale:
        ctx.settings = ctx.settings.with_(scale=scale)
    template = load_template(folder)
    return folder, make_scientist(template, ctx), ctx


def cmd_writeup(args: argparse.Namespace) -> int:
    from aisci.paper.stages import build_paper, write_paper

    folder, scientist, ctx = _idea_folder(args)
    try:
        with _results_lock(folder, "writeup", named=True):
            write_paper(folder, scientist, ctx, section=args.section)
            outcome = build_paper(folder, scientist, ctx)
    finally:
        _print_cost(scientist)
    print(f"{folder / 'latex' / 'template.tex'}: {outcome.message}")
    return 0 if outcome.ok else 1


def cmd_check(args: argparse.Namespace) -> int:
    from aisci.paper.consistency import check_consistency, format_report

    folder = args.folder.resolve()
    with _results_lock(folder, "check", named=True):
        report = check_consistency(folder)
    print(format_report(report))
    return 0 if not report.mismatches else 1


def cmd_review(args: argparse.Namespace) -> int:
    from aisci.paper.review import pdf_to_text
    from aisci.paper.stages import save_review

    if args.paper.suffix.lower() == ".pdf":
        ctx = make_context(args)
        if ctx.settings.scientist_kind != "llm":
            raise ConfigError(
                "Reviewing a PDF needs a model: the checklist review works only on an idea folder.",
                "Add --model NAME (e.g. --model gpt-4o).",
            )
        from aisci.scientists.llm import LLMScientist

        text = pdf_to_text(args.paper)
        scientist = LLMScientist(None, ctx)
        try:
            reviews = [scientist.review_paper(None, text, ctx) for _ in range(args.num_reviews)]
        finally:
            _print_cost(scientist)
        # Beside the PDF, named after it: a folder of PDFs keeps one review per paper.
        stem = args.paper.resolve().with_name(args.paper.stem + ".review")
        save_review(stem, reviews, args.paper.stem, args.paper.name)
        print(stem.with_name(stem.name + ".txt").read_text(encoding="utf-8"))
        print(f"Written: {stem}.json and {stem}.txt", file=sys.stderr)
        return 0
    from aisci.paper.stages import review_paper

    folder, scientist, ctx = _idea_folder(args)
    with _results_lock(folder, "review", named=True):
        outcome = review_paper(folder, scientist, ctx)
    print((folder / "review.txt").read_text(encoding="utf-8"))
    return 0 if outcome.ok else 1
