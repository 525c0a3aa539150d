"""The ``aisci`` commands and their own flags: the parser ``main`` reads the command line with.

Contract: ``build_parser()`` holds one subparser per command (``args.command``, and
``args.template_command`` under ``template``); commands/ has a ``cmd_<command>`` for each.
The flags several commands share come from cli/flags.py.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from aisci import __version__
from aisci.cli.flags import DEFAULT, add_model_flags, add_run_flags, add_template_flags
from aisci.cli.values import NON_NEGATIVE_INT, POSITIVE_INT, parallel_count
from aisci.core.settings import AUTONOMY, EXECUTORS, SANDBOXES, SEARCHES


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aisci", description="An AI Scientist for templates of research code."
    )
    parser.add_argument("--version", action="version", version=f"aisci {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    template = sub.add_parser("template", help="check or create a template")
    tsub = template.add_subparsers(dest="template_command", metavar="ACTION")
    check = tsub.add_parser("check", help="report every problem of a template folder")
    check.add_argument("dir", type=Path)
    knobs = tsub.add_parser(
        "knobs",
        help="propose knobs.json from experiment.py's numeric constants and "
        "argparse defaults, and write it when accepted",
    )
    knobs.add_argument("template", help="a template folder, or the name of one under ./templates")
    knobs.add_argument(
        "--yes", action="store_true", help="write every proposed knob without asking"
    )
    knobs.add_argument("--force", action="store_true", help="replace an existing knobs.json")
    new = tsub.add_parser("new", help="scaffold a template that passes the check and runs")
    new.add_argument("name")
    new.add_argument(
        "--dir",
        type=Path,
        default=Path("templates"),
        help="where to create it (default ./templates)",
    )

    baseline = sub.add_parser("baseline", help="run a template's baseline (run_0) and its plots")
    baseline.add_argument("template", type=Path)
    baseline.add_argument(
        "--force", action="store_true", help="run again even if a finished baseline exists"
    )
    add_run_flags(baseline)

    launch = sub.add_parser(
        "launch",
        help="the whole cycle: baseline, ideas, novelty, experiments, plots, paper, review",
    )
    add_template_flags(launch)
    launch.add_argument(
        "--skip-idea-generation",
        action="store_true",
        help="use the ideas already in results/<template>/ideas.json (or the template's ideas.json)",
    )
    launch.add_argument(
        "--skip-novelty-check", action="store_true", help="run ideas without a novelty verdict"
    )
    launch.add_argument(
        "--writeup",
        choices=("latex", "none"),
        default="latex",
        help="write the paper (default latex)",
    )
    launch.add_argument(
        "--parallel",
        type=parallel_count,
        default=DEFAULT.parallel,
        help="ideas at once (default %(default)s; 0 = sequential, the original's default)",
    )
    launch.add_argument(
        "--gpus", default="", help="comma-separated GPU indices, one per parallel idea"
    )
    launch.add_argument(
        "--improvement",
        action="store_true",
        help="revise the paper from its review and review again",
    )
    launch.add_argument(
        "--max-runs",
        type=POSITIVE_INT,
        default=DEFAULT.max_runs,
        help="experiment runs per idea (default %(default)s)",
    )
    launch.add_argument(
        "--max-iters",
        type=POSITIVE_INT,
        default=DEFAULT.max_iters,
        help="fixes of a failing run (default %(default)s)",
    )
    launch.add_argument(
        "--search",
        choices=SEARCHES,
        default=DEFAULT.search,
        help="linear: the original's loop of runs; tree: best-first search over variants, "
        "confirmed over seeds (docs/search.md)",
    )
    launch.add_argument(
        "--max-nodes",
        type=POSITIVE_INT,
        default=DEFAULT.max_nodes,
        help="tree: variants that run (default %(default)s)",
    )
    launch.add_argument(
        "--debug-depth",
        type=NON_NEGATIVE_INT,
        default=DEFAULT.debug_depth,
        help="tree: debugging steps in a row below a failed variant (default %(default)s)",
    )
    launch.add_argument(
        "--seeds",
        type=NON_NEGATIVE_INT,
        default=DEFAULT.seeds,
        help="tree: re-runs of the best variant with AISCI_SEED=1..N (default %(default)s; 0: none)",
    )
    launch.add_argument(
        "--resume",
        action="store_true",
        help="continue the last launch of this template where it stopped",
    )
    launch.add_argument(
        "--autonomy",
        choices=AUTONOMY,
        default=DEFAULT.autonomy,
        help="full: apply every AI edit; review-edits: show each diff and ask accept / edit / reject",
    )

    ideas = sub.add_parser("ideas", help="generate ideas for a template")
    add_template_flags(ideas)

    novelty = sub.add_parser(
        "novelty", help="check the novelty of a template's ideas against the literature"
    )
    add_template_flags(novelty)
    novelty.add_argument(
        "--rounds",
        type=POSITIVE_INT,
        default=DEFAULT.novelty_rounds,
        help="search rounds per idea (default %(default)s)",
    )

    writeup = sub.add_parser(
        "writeup", help="draft the paper of an idea folder (all sections or one), then build it"
    )
    writeup.add_argument(
        "folder", type=Path, help="an idea folder (results/<template>/<stamp>_<name>)"
    )
    writeup.add_argument(
        "--section",
        help="draft only this section (Title, Abstract, Introduction, Background, "
        "Method, Experimental Setup, Results, Conclusion, Related Work)",
    )
    add_model_flags(writeup)

    check = sub.add_parser(
        "check", help="check that every number the paper states matches a run's results"
    )
    check.add_argument("folder", type=Path, help="an idea folder")

    review = sub.add_parser(
        "review", help="review an idea folder's paper, or any PDF (with --model)"
    )
    review.add_argument("paper", type=Path, help="an idea folder, or a PDF file")
    review.add_argument(
        "--num-reviews",
        type=POSITIVE_INT,
        default=DEFAULT.num_reviews,
        help="ensemble size; the meta-review averages (default %(default)s)",
    )
    add_model_flags(review)

    lsp = sub.add_parser(
        "lsp", help="run the language server (stdio; the editor extension starts it)"
    )
    lsp.add_argument(
        "--tcp", type=int, metavar="PORT", help="listen on 127.0.0.1:PORT instead of stdio"
    )

    doctor = sub.add_parser(
        "doctor", help="check this machine: packages, TeX, sandbox, API keys, literature APIs"
    )
    doctor.add_argument("--offline", action="store_true", help="do not contact the literature APIs")
    doctor.add_argument(
        "--sandbox",
        choices=SANDBOXES,
        default=DEFAULT.sandbox,
        help="the boundary to measure (default %(default)s, what runs get)",
    )
    doctor.add_argument(
        "--executor",
        choices=EXECUTORS,
        default=DEFAULT.executor,
        help="ray: also list the cluster's nodes and what each has",
    )
    doctor.add_argument(
        "--ray-address", default=DEFAULT.ray_address, help="the Ray cluster (as for launch)"
    )
    return parser
