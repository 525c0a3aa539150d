"""``aisci template check|knobs|new|list|copy``: a template's problems, its knobs, a new
template; the shipped ones (list, copy) are commands/shipped.py's."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from aisci.commands.shipped import template_copy, template_list
from aisci.commands.targets import resolve_template
from aisci.core import shipped
from aisci.core.knobs import propose_knobs, write_knobs
from aisci.core.new_template import create_template
from aisci.core.template import check_template
from aisci.errors import ConfigError


def cmd_template(args: argparse.Namespace) -> int:
    if args.template_command == "check":
        return _template_check(resolve_template(args.dir, must_exist=False))
    if args.template_command == "knobs":
        return template_knobs(resolve_template(args.template), yes=args.yes, force=args.force)
    if args.template_command == "list":
        return template_list(as_json=args.json)
    if args.template_command == "copy":
        return template_copy(args.name, args.dest, _template_check)
    return _template_new(args.name, args.dir)


def _template_check(folder: Path) -> int:
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


def template_knobs(folder: Path, *, yes: bool, force: bool, ask=input) -> int:
    """Propose knobs.json from experiment.py, show it, and write it when the user accepts."""
    if shipped.in_package(folder):
        raise ConfigError(
            f"Cannot write knobs.json into {folder}: it is the shipped template inside the "
            "installed aisci package.",
            f"Copy it first (aisci template copy {folder.name}), then propose knobs for the copy.",
        )
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
    dest = create_template(name, parent)
    print(
        f"Created {dest}. Next: aisci template check {dest} && aisci baseline {dest} --scale smoke"
    )
    return 0
