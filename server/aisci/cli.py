"""The terminal front end: ``aisci <command>``.

Each command parses its flags, calls one stage of the core, and renders the outcome. Errors
that people cause or meet (``AisciError``) are shown as one paragraph, without a traceback
unless ``--debug`` is given; the exit status is 1 for a failure and 2 for a usage error.
"""

from __future__ import annotations

import argparse
import errno
import logging
import math
import sys
from pathlib import Path

from aisci import __version__
from aisci.core.settings import (
    AUTONOMY,
    ENGINES,
    EXECUTORS,
    SANDBOXES,
    SCALES,
    SCIENTISTS,
    SEARCHES,
    Settings,
)
from aisci.errors import AisciError

log = logging.getLogger("aisci")
# Every flag that sets a Settings value takes its default and choices from core/settings.py.
DEFAULT = Settings()


def _parallel(value: str) -> int:
    """Ideas at once; 0 is the original's default ("sequential"), the same as 1."""
    try:
        count = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, found {value!r}") from None
    if count < 0:
        raise argparse.ArgumentTypeError(
            f"must be 0 (sequential, as in the original) or more, found {count}"
        )
    return max(1, count)


def _number(kind, *, zero_allowed: bool):
    """An argparse type: a finite number above zero, or 0 or more (nan, inf and the rest are
    usage errors)."""

    def parse(value: str):
        try:
            number = kind(value)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected a {'whole ' if kind is int else ''}number, found {value!r}"
            ) from None
        if zero_allowed and (not math.isfinite(number) or number < 0):
            raise argparse.ArgumentTypeError(f"must be 0 or more, found {value}")
        if not zero_allowed and (not math.isfinite(number) or number <= 0):
            raise argparse.ArgumentTypeError(f"must be a finite number above 0, found {value}")
        return number

    parse.__name__ = f"{'non-negative' if zero_allowed else 'positive'} {kind.__name__}"
    return parse


POSITIVE_FLOAT, POSITIVE_INT = _number(float, zero_allowed=False), _number(int, zero_allowed=False)
NON_NEGATIVE_INT, NON_NEGATIVE_FLOAT = (
    _number(int, zero_allowed=True),
    _number(float, zero_allowed=True),
)


def _add_run_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--scale",
        choices=SCALES,
        help="size of the study (AISCI_SCALE): smoke < 1 min on a CPU, cpu minutes, full the "
        "paper-scale study; default: full with an NVIDIA GPU, else cpu",
    )
    p.add_argument(
        "--results",
        type=Path,
        default=DEFAULT.results,
        help="results folder (default: ./%(default)s)",
    )
    p.add_argument(
        "--timeout",
        type=POSITIVE_FLOAT,
        default=DEFAULT.timeout_s,
        help="wall-clock limit of one run in seconds (default %(default)g)",
    )
    p.add_argument(
        "--sandbox",
        choices=SANDBOXES,
        default=DEFAULT.sandbox,
        help="isolation of experiment code: auto/bwrap (the bubblewrap sandbox; stops if it cannot start) or none (no isolation, only when named)",
    )
    p.add_argument("--gpu", default=None, help="GPU index for CUDA_VISIBLE_DEVICES")
    _add_executor_flags(p)


def _add_executor_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--executor",
        choices=EXECUTORS,
        default=DEFAULT.executor,
        help="where runs execute: local (this machine) or ray (a Ray cluster; pip install 'aisci[ray]')",
    )
    p.add_argument(
        "--ray-address",
        default=DEFAULT.ray_address,
        help="the Ray cluster: auto (the one this machine belongs to), local (a private one), or HOST:PORT",
    )
    p.add_argument(
        "--shared-results",
        action="store_true",
        help="the results folder is on a file system every Ray node sees at the same path: runs write in place",
    )
    p.add_argument(
        "--run-cpus",
        type=NON_NEGATIVE_FLOAT,
        default=None,
        help="CPUs one run reserves on the cluster (default: the template's aisci.json, else 1)",
    )
    p.add_argument(
        "--run-gpus",
        type=NON_NEGATIVE_FLOAT,
        default=None,
        help="GPUs one run reserves on the cluster (default: the template's aisci.json, else 0)",
    )


def _add_model_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", help="any litellm model string (see aisci launch --help)")
    p.add_argument("--api-base", help="base URL of an OpenAI-compatible server")
    p.add_argument(
        "--api-key-env",
        metavar="NAME",
        help="environment variable whose key is sent to --api-base "
        "(without it a custom server gets no key)",
    )
    p.add_argument(
        "--scientist",
        choices=SCIENTISTS,
        default=DEFAULT.scientist,
        help="llm (a model) or sweep (no model); auto = llm when --model is given",
    )
    p.add_argument(
        "--engine",
        choices=ENGINES,
        default=DEFAULT.engine,
        help="first literature source for citations",
    )
    p.add_argument(
        "--max-cost",
        type=POSITIVE_FLOAT,
        default=DEFAULT.max_cost_usd,
        help="hard cap on model spending in USD",
    )
    p.add_argument("--record", type=Path, help="write every model request and answer to this file")
    p.add_argument(
        "--replay", type=Path, help="answer model requests from a file written by --record"
    )
    p.add_argument("--sandbox", choices=SANDBOXES, default=DEFAULT.sandbox, help=argparse.SUPPRESS)


def _add_template_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--template",
        "--experiment",
        dest="template",
        required=True,
        help="template folder, or the name of one under ./templates (--experiment is the original's name)",
    )
    p.add_argument(
        "--model",
        help="any litellm model string, e.g. gpt-4o, anthropic/claude-sonnet-4-5, "
        "ollama/llama3, openai/NAME with --api-base",
    )
    p.add_argument(
        "--api-base", help="base URL of an OpenAI-compatible server (vLLM, llama.cpp, LM Studio)"
    )
    p.add_argument(
        "--api-key-env",
        metavar="NAME",
        help="environment variable whose key is sent to --api-base "
        "(without it a custom server gets no key)",
    )
    p.add_argument(
        "--scientist",
        choices=SCIENTISTS,
        default=DEFAULT.scientist,
        help="who decides: llm (a model), sweep (no model: one-factor sweeps of the knobs); "
        "auto = llm when --model is given, else sweep",
    )
    p.add_argument(
        "--num-ideas",
        type=POSITIVE_INT,
        default=DEFAULT.num_ideas,
        help="new ideas to generate (default %(default)s)",
    )
    p.add_argument(
        "--reflections",
        type=NON_NEGATIVE_INT,
        default=DEFAULT.num_reflections,
        help="refinement rounds per idea (default %(default)s; 0: none)",
    )
    p.add_argument(
        "--engine",
        choices=ENGINES,
        default=DEFAULT.engine,
        help="first literature source; the others are fallbacks (default %(default)s)",
    )
    p.add_argument(
        "--max-cost",
        type=POSITIVE_FLOAT,
        default=DEFAULT.max_cost_usd,
        help="hard cap on model spending in USD",
    )
    p.add_argument("--record", type=Path, help="write every model request and answer to this file")
    p.add_argument(
        "--replay", type=Path, help="answer model requests from a file written by --record"
    )
    _add_run_flags(p)


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
    _add_run_flags(baseline)

    launch = sub.add_parser(
        "launch",
        help="the whole cycle: baseline, ideas, novelty, experiments, plots, paper, review",
    )
    _add_template_flags(launch)
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
        type=_parallel,
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
    _add_template_flags(ideas)

    novelty = sub.add_parser(
        "novelty", help="check the novelty of a template's ideas against the literature"
    )
    _add_template_flags(novelty)
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
    _add_model_flags(writeup)

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
    _add_model_flags(review)

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


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if args.command is None:
        parser.print_help()
        return 2
    if args.command == "template" and args.template_command is None:
        parser.parse_args(["template", "--help"])
    from aisci import commands

    handler = getattr(commands, f"cmd_{args.command}")
    try:
        return handler(args)
    except AisciError as e:
        if args.debug:
            raise
        print(f"error: {e.message}", file=sys.stderr)
        if e.hint:
            print(e.hint, file=sys.stderr)
        return 1
    except OSError as e:
        if args.debug or e.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise
        why = "the file system is read-only" if e.errno == errno.EROFS else "permission denied"
        print(f"error: Cannot write {e.filename or 'a file'}: {why}.", file=sys.stderr)
        print("Make the folder writable, or give another one (--results PATH).", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(
            "interrupted: the state of each folder was saved; run the same command again to continue.",
            file=sys.stderr,
        )
        return 130
