"""The research cycle's commands: ``aisci baseline``, ``launch``, ``ideas`` and ``novelty``.

Each loads its template (and scientist), takes the lock on its folder, runs its stage and
prints what came out; the exit status is 1 when the stage did not finish.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from aisci.commands.context import open_executor, results_lock
from aisci.commands.targets import (
    note_scales,
    print_cost,
    resolve_template,
    template_and_scientist,
)
from aisci.commands.topic_draft import draft_for_launch
from aisci.core.baseline import default_scale, run_baseline, scale_words
from aisci.core.folders import baseline_folder
from aisci.core.ideation import check_novelty, generate_ideas, ideas_path
from aisci.core.template import load_template
from aisci.cycle import launch
from aisci.terminal import TerminalReporter, results_table


def cmd_baseline(args: argparse.Namespace) -> int:

    template = load_template(resolve_template(args.template))
    scale = args.scale or default_scale()
    note_scales(template, scale)
    executor = open_executor(args)
    try:
        applied = scale if template.has_scales else None
        with results_lock(baseline_folder(args.results, template.name, applied), "baseline"):
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


def cmd_launch(args: argparse.Namespace) -> int:
    if args.topic is not None:
        args.template = str(draft_for_launch(args))
    template, scientist, ctx = template_and_scientist(args)
    note_scales(template, ctx.settings.scale)
    ctx.settings = ctx.settings.with_(writeup=args.writeup == "latex")
    # A cluster that cannot be reached stops here, before any model call.
    ctx.executor = open_executor(args)
    try:
        with results_lock(Path(ctx.settings.results) / template.name, "launch", whole=True):
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
        print_cost(scientist)
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
    template, scientist, ctx = template_and_scientist(args)
    try:
        with results_lock(ideas_path(ctx.settings.results, template), "ideas"):
            ideas = generate_ideas(template, scientist, ctx, args.num_ideas)
    finally:
        print_cost(scientist)
    for idea in ideas:
        print(
            f"{idea.name}: {idea.title}  (interestingness {idea.interestingness}, feasibility "
            f"{idea.feasibility}, novelty {idea.novelty})"
        )
    print(f"{len(ideas)} new idea(s) in {ideas_path(ctx.settings.results, template)}")
    return 0


def cmd_novelty(args: argparse.Namespace) -> int:
    template, scientist, ctx = template_and_scientist(args)
    try:
        with results_lock(ideas_path(ctx.settings.results, template), "novelty"):
            checked = check_novelty(template, scientist, ctx)
    finally:
        print_cost(scientist)
    for idea in checked:
        verdict = idea.extra.get("novelty_check", {})
        print(f"{idea.name}: {verdict.get('label', 'unchecked')} - {verdict.get('reason', '')}")
    return 0
