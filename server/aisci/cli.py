"""The terminal front end: ``aisci <command>``.

Each command parses its flags, calls one stage of the core, and renders the outcome. Errors
that people cause or meet (``AisciError``) are shown as one paragraph, without a traceback
unless ``--debug`` is given; the exit status is 1 for a failure and 2 for a usage error.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from aisci import __version__
from aisci.errors import AisciError

log = logging.getLogger("aisci")


def _add_run_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--scale", choices=("smoke", "cpu", "full"),
                   help="size of the study (AISCI_SCALE): smoke < 1 min on a CPU, cpu minutes, full the "
                        "paper-scale study; default: full with an NVIDIA GPU, else cpu")
    p.add_argument("--results", type=Path, default=Path("results"), help="results folder (default: ./results)")
    p.add_argument("--timeout", type=float, default=7200.0, help="wall-clock limit of one run in seconds (default 7200)")
    p.add_argument("--sandbox", choices=("auto", "bwrap", "none"), default="auto",
                   help="isolation of experiment code (default auto: bubblewrap when it works here)")
    p.add_argument("--gpu", default=None, help="GPU index for CUDA_VISIBLE_DEVICES")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aisci", description="An AI Scientist for templates of research code.")
    parser.add_argument("--version", action="version", version=f"aisci {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    template = sub.add_parser("template", help="check or create a template")
    tsub = template.add_subparsers(dest="template_command", metavar="ACTION")
    check = tsub.add_parser("check", help="report every problem of a template folder")
    check.add_argument("dir", type=Path)
    new = tsub.add_parser("new", help="scaffold a template that passes the check and runs")
    new.add_argument("name")
    new.add_argument("--dir", type=Path, default=Path("templates"), help="where to create it (default ./templates)")

    baseline = sub.add_parser("baseline", help="run a template's baseline (run_0) and its plots")
    baseline.add_argument("template", type=Path)
    baseline.add_argument("--force", action="store_true", help="run again even if a finished baseline exists")
    _add_run_flags(baseline)

    doctor = sub.add_parser("doctor", help="check this machine: packages, TeX, sandbox, API keys, literature APIs")
    doctor.add_argument("--offline", action="store_true", help="do not contact the literature APIs")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
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
    except KeyboardInterrupt:
        print("interrupted: the state of each folder was saved; run the same command again to continue.",
              file=sys.stderr)
        return 130
