"""The paper's commands: ``aisci writeup``, ``check``, ``reproduce`` and ``review`` (of an idea folder or a PDF)."""

from __future__ import annotations

import argparse
import sys

from aisci.commands.context import make_context, open_executor, results_lock
from aisci.commands.targets import idea_folder, ledger_beside, print_cost
from aisci.core.context import Context
from aisci.core.settings import Settings
from aisci.errors import ConfigError
from aisci.llm.answer_store import working_in
from aisci.paper.consistency import check_consistency, format_report
from aisci.paper.reproduce import DEFAULT_TOLERANCE, format_table, reproduce
from aisci.paper.review import pdf_to_text
from aisci.paper.stages import build_paper, review_paper, save_review, write_paper
from aisci.scientists.llm import LLMScientist
from aisci.terminal import TerminalReporter


def cmd_writeup(args: argparse.Namespace) -> int:

    folder, scientist, ctx = idea_folder(args)
    try:
        with results_lock(folder, "writeup", named=True), working_in(folder):
            write_paper(folder, scientist, ctx, section=args.section)
            outcome = build_paper(folder, scientist, ctx)
    finally:
        print_cost(scientist)
    print(f"{folder / 'latex' / 'template.tex'}: {outcome.message}")
    return 0 if outcome.ok else 1


def cmd_check(args: argparse.Namespace) -> int:
    folder = args.folder.resolve()
    with results_lock(folder, "check", named=True):
        report = check_consistency(folder)
    print(format_report(report))
    return 0 if not report.mismatches else 1


def cmd_reproduce(args: argparse.Namespace) -> int:
    folder = args.folder.resolve()
    if not (folder / "idea.json").is_file():
        raise ConfigError(
            f"{folder} is not an idea folder (it has no idea.json).",
            "Give a folder made by aisci launch: results/<template>/<stamp>_<name>.",
        )
    executor = open_executor(args)
    settings = Settings(timeout_s=args.timeout, sandbox=args.sandbox).validate()
    ctx = Context(settings, TerminalReporter(), gpu=args.gpu, executor=executor)
    tolerance = DEFAULT_TOLERANCE if args.tolerance is None else args.tolerance
    try:
        with results_lock(folder, "reproduce", named=True):
            report = reproduce(folder, ctx, only=args.runs, tolerance=tolerance)
    finally:
        executor.close()
    print(format_table(report))
    return 0 if report.ok else 1


def cmd_review(args: argparse.Namespace) -> int:

    if args.paper.suffix.lower() == ".pdf":
        ctx = make_context(args)
        if ctx.settings.scientist_kind != "llm":
            raise ConfigError(
                "Reviewing a PDF needs a model: the checklist review works only on an idea folder.",
                "Add --model NAME (e.g. --model gpt-4o).",
            )

        text = pdf_to_text(args.paper, sandbox=ctx.settings.sandbox)
        scientist = LLMScientist(None, ctx)
        ledger_beside(scientist, args.paper)
        try:
            reviews = [scientist.review_paper(None, text, ctx) for _ in range(args.num_reviews)]
        finally:
            print_cost(scientist)
        # Beside the PDF, named after it: a folder of PDFs keeps one review per paper.
        stem = args.paper.resolve().with_name(args.paper.stem + ".review")
        save_review(stem, reviews, args.paper.stem, args.paper.name)
        print(stem.with_name(stem.name + ".txt").read_text(encoding="utf-8"))
        print(f"Written: {stem}.json and {stem}.txt", file=sys.stderr)
        return 0

    folder, scientist, ctx = idea_folder(args)
    with results_lock(folder, "review", named=True), working_in(folder):
        outcome = review_paper(folder, scientist, ctx)
    print((folder / "review.txt").read_text(encoding="utf-8"))
    return 0 if outcome.ok else 1
