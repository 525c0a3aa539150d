"""The commands that run no stage: ``aisci doctor`` (this machine) and ``aisci lsp``."""

from __future__ import annotations

import argparse


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


def cmd_lsp(args: argparse.Namespace) -> int:
    from aisci.lsp.main import main as serve

    serve(tcp_port=args.tcp)
    return 0
