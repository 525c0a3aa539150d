"""The ``aisci`` commands and their own flags: the parser ``main`` reads the command line with.

Contract: ``build_parser()`` holds one subparser per command (``args.command``, and
``args.template_command`` under ``template``); commands/ has a ``cmd_<command>`` for each.
The flags several commands share come from cli/flags.py, and every flag that sets a ``Settings``
field from its declaration in core/settings.py (``add_setting``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from aisci.cli.flags import (
    TEMPLATE_HELP,
    add_executor_flags,
    add_model_flags,
    add_run_flags,
    add_setting,
    add_template_flags,
)
from aisci.cli.values import NON_NEGATIVE_FLOAT, POSITIVE_INT, run_names
from aisci.versions import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aisci", description="An AI Scientist for templates of research code."
    )
    parser.add_argument("--version", action="version", version=f"aisci {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    template = sub.add_parser(
        "template", help="check or create a template, or list and copy the shipped ones"
    )
    tsub = template.add_subparsers(dest="template_command", metavar="ACTION")
    check = tsub.add_parser(
        "check", help="report every problem of a template folder, or of a topic file (NAME.md)"
    )
    check.add_argument("dir", type=Path, help=f"{TEMPLATE_HELP}; or a topic file ending in .md")
    knobs = tsub.add_parser(
        "knobs",
        help="propose knobs.json from experiment.py's numeric constants and "
        "argparse defaults, and write it when accepted",
    )
    knobs.add_argument("template", help=TEMPLATE_HELP)
    knobs.add_argument(
        "--yes", action="store_true", help="write every proposed knob without asking"
    )
    knobs.add_argument("--force", action="store_true", help="replace an existing knobs.json")
    new = tsub.add_parser(
        "new",
        help="scaffold a template that passes the check and runs, or (--topic) a topic file "
        "to draft one from",
    )
    new.add_argument("name")
    new.add_argument(
        "--dir",
        type=Path,
        default=None,
        help="where to create it (default ./templates; with --topic, the current folder)",
    )
    new.add_argument(
        "--topic",
        action="store_true",
        help="write NAME.md, an example topic (question, metric, budget, data) to edit, "
        "instead of a template folder (docs/topics.md)",
    )
    listing = tsub.add_parser(
        "list",
        help="the templates that ship with aisci: what each studies, its scales, its data",
    )
    listing.add_argument("--json", action="store_true", help="print one JSON object instead")
    copy = tsub.add_parser(
        "copy", help="copy a shipped template into a folder of your own, then check the copy"
    )
    copy.add_argument("name", help="a shipped template (aisci template list)")
    copy.add_argument(
        "dest", nargs="?", type=Path, default=None, help="the new folder (default ./templates/NAME)"
    )
    draft = tsub.add_parser(
        "draft",
        help="a model writes a template from a topic file, runs it at smoke scale and debugs "
        "it until it runs (docs/topics.md)",
    )
    draft.add_argument("topic", type=Path, help="the topic file (aisci template new NAME --topic)")
    draft.add_argument(
        "--dir",
        type=Path,
        default=Path("templates"),
        help="where to create it (default ./templates)",
    )
    draft.add_argument("--name", help="the template's name (default: from the topic's title)")
    draft.add_argument(
        "--max-drafts",
        type=POSITIVE_INT,
        default=6,
        metavar="N",
        help="drafts and debug steps in all before it stops (default %(default)s)",
    )
    for name in ("model", "api_base", "api_key_env", "scientist", "retry_budget_s"):
        add_setting(draft, name)
    for name in ("structured_output", "max_cost_usd", "timeout_s", "sandbox", "autonomy"):
        add_setting(draft, name)
    add_setting(draft, "parallel", group="draft")

    baseline = sub.add_parser("baseline", help="run a template's baseline (run_0) and its plots")
    baseline.add_argument("template", type=Path, help=TEMPLATE_HELP)
    baseline.add_argument(
        "--force", action="store_true", help="run again even if a finished baseline exists"
    )
    add_run_flags(baseline)

    launch = sub.add_parser(
        "launch",
        help="the whole cycle: baseline, ideas, novelty, experiments, plots, paper, review",
    )
    add_template_flags(launch, topic=True)
    launch.add_argument(
        "--skip-idea-generation",
        action="store_true",
        help="use the ideas already in results/<template>/ideas.json (or the template's ideas.json)",
    )
    launch.add_argument(
        "--skip-novelty-check", action="store_true", help="run ideas without a novelty verdict"
    )
    for name in ("writeup", "parallel", "gpus", "improvement", "max_runs", "max_iters"):
        add_setting(launch, name)
    for name in ("search", "max_nodes", "debug_depth", "seeds"):
        add_setting(launch, name)
    launch.add_argument(
        "--resume",
        action="store_true",
        help="continue the last launch of this template where it stopped",
    )
    add_setting(launch, "autonomy")

    ideas = sub.add_parser("ideas", help="generate ideas for a template")
    add_template_flags(ideas)

    novelty = sub.add_parser(
        "novelty", help="check the novelty of a template's ideas against the literature"
    )
    add_template_flags(novelty)
    add_setting(novelty, "novelty_rounds")

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

    reproduce = sub.add_parser(
        "reproduce",
        help="re-run the runs the paper's numbers come from, from their recorded code, and "
        "compare each stated number with its reproduced value",
    )
    reproduce.add_argument("folder", type=Path, help="an idea folder")
    reproduce.add_argument(
        "--runs",
        type=run_names,
        default=(),
        metavar="RUNS",
        help="re-run only these runs, comma-separated (e.g. run_1,run_3); numbers that need "
        "another run read 'not re-run'",
    )
    reproduce.add_argument(
        "--tolerance",
        type=NON_NEGATIVE_FLOAT,
        default=None,
        metavar="X",
        help="relative difference allowed where no recorded stderr over seeds gives one "
        "(default 1e-6: a seeded run at the same scale is deterministic)",
    )
    for name in ("timeout_s", "sandbox"):
        add_setting(reproduce, name)
    reproduce.add_argument("--gpu", default=None, help="GPU index for CUDA_VISIBLE_DEVICES")
    add_executor_flags(reproduce)

    review = sub.add_parser(
        "review", help="review an idea folder's paper, or any PDF (with --model)"
    )
    review.add_argument("paper", type=Path, help="an idea folder, or a PDF file")
    add_setting(review, "num_reviews")
    add_model_flags(review)

    lsp = sub.add_parser(
        "lsp", help="run the language server (stdio; the editor extension starts it)"
    )
    lsp.add_argument(
        "--tcp", type=int, metavar="PORT", help="listen on 127.0.0.1:PORT instead of stdio"
    )

    data = sub.add_parser(
        "data",
        help="prepare the data sets the shipped templates read, into the data folder "
        "(AISCI_DATA_DIR, default ~/.cache/aisci/data)",
    )
    data.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help="shipped templates whose data to prepare (default: every one with a prepare.py)",
    )

    doctor = sub.add_parser(
        "doctor", help="check this machine: packages, TeX, sandbox, API keys, literature APIs"
    )
    doctor.add_argument("--offline", action="store_true", help="do not contact the literature APIs")
    # What doctor measures, with the choices and defaults that runs get.
    for name in ("sandbox", "executor", "ray_address"):
        add_setting(doctor, name, group="doctor")
    return parser
