"""The command that runs no stage: ``aisci doctor`` (this machine). ``aisci lsp`` goes from
the command line (cli/__init__.py) to the language server (lsp/main.py) without this package."""

from __future__ import annotations

import argparse

from aisci.doctor import run_checks


def cmd_doctor(args: argparse.Namespace) -> int:
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
