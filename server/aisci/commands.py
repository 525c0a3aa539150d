"""What each ``aisci`` command does, once its flags are parsed (see cli.py)."""

from __future__ import annotations

import argparse
import re
import shutil
from pathlib import Path

from aisci.errors import ConfigError


def cmd_template(args: argparse.Namespace) -> int:
    if args.template_command == "check":
        return _template_check(args.dir)
    return _template_new(args.name, args.dir)


def _template_check(folder: Path) -> int:
    from aisci.core.template import check_template

    problems = check_template(folder)
    errors = [p for p in problems if p.is_error]
    for problem in problems:
        print(problem)
    if errors:
        print(f"{folder}: {len(errors)} error{'s' * (len(errors) != 1)}"
              + (f", {len(problems) - len(errors)} warning(s)" if len(problems) > len(errors) else "")
              + ". Fix the files named above and run the check again.")
        return 1
    print(f"{folder}: the template is valid" + (f" ({len(problems)} warning(s))" if problems else "") + ".")
    return 0


def _template_new(name: str, parent: Path) -> int:
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise ConfigError(f"Cannot create template {name!r}: a template name must be snake_case "
                          "(lowercase letters, digits and _, starting with a letter).",
                          "For example: aisci template new my_study")
    dest = parent / name
    if dest.exists():
        raise ConfigError(f"Cannot create template {name}: {dest} already exists.",
                          "Choose another name, or remove the folder first.")
    scaffold = Path(__file__).parent / "core" / "scaffold"
    shutil.copytree(scaffold, dest, ignore=shutil.ignore_patterns("__pycache__"))
    readme = dest / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8").replace("{{name}}", name), encoding="utf-8")
    print(f"Created {dest}. Next: aisci template check {dest} && aisci baseline {dest} --scale smoke")
    return 0


def cmd_baseline(args: argparse.Namespace) -> int:
    from aisci.core.baseline import default_scale, run_baseline
    from aisci.core.template import load_template
    from aisci.terminal import TerminalReporter, results_table

    template = load_template(args.template)
    scale = args.scale or default_scale()
    outcome = run_baseline(template, args.results, scale=scale, timeout_s=args.timeout, sandbox=args.sandbox,
                           gpu=args.gpu, force=args.force, reporter=TerminalReporter())
    how = "reused (finished earlier; --force runs it again)" if outcome.reused else f"ran in {outcome.duration_s:.1f} s"
    print(f"Baseline of {template.name} at scale {scale}: {how}, sandbox {outcome.sandbox}.")
    print(f"Folder: {outcome.folder}")
    print()
    print(results_table(outcome.final_info))
    print()
    print("Figures:")
    for figure in outcome.figures:
        print(f"  {outcome.folder / figure}")
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from aisci.doctor import run_checks

    failed = 0
    for check in run_checks(offline=args.offline):
        print(check.line())
        failed += check.status == "FAIL"
    if failed:
        print(f"{failed} check(s) failed; each line above says how to fix it.")
        return 1
    return 0

