"""``aisci template check|knobs|new|list|copy|draft``: a template's problems, its knobs, a new
template; the shipped ones (list, copy) are commands/shipped.py's. ``check`` and ``new
--topic`` also take a topic file (NAME.md, topic/spec.py)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from aisci.commands.shipped import template_copy, template_list
from aisci.commands.targets import resolve_template
from aisci.commands.topic_draft import template_draft
from aisci.core import shipped
from aisci.core.knobs import propose_knobs, write_knobs
from aisci.core.new_template import create_template
from aisci.core.template import check_template
from aisci.errors import ConfigError
from aisci.problems import Problem
from aisci.topic.spec import read_topic, write_example


def cmd_template(args: argparse.Namespace) -> int:
    if args.template_command == "check":
        if args.dir.suffix == ".md" and not args.dir.is_dir():
            return _topic_check(args.dir)
        return _template_check(resolve_template(args.dir, must_exist=False))
    if args.template_command == "knobs":
        return template_knobs(resolve_template(args.template), yes=args.yes, force=args.force)
    if args.template_command == "list":
        return template_list(as_json=args.json)
    if args.template_command == "copy":
        return template_copy(args.name, args.dest, _template_check)
    if args.template_command == "draft":
        return template_draft(args)
    if args.topic:
        return _topic_new(args.name, args.dir or Path("."))
    return _template_new(args.name, args.dir or Path("templates"))


def _template_check(folder: Path) -> int:
    return _print_check(folder, check_template(folder), "template", "files")


def _topic_check(path: Path) -> int:
    topic, problems = read_topic(path)
    code = _print_check(path, problems, "topic", "lines")
    if topic is not None:
        print(f"Next: aisci template draft {path} --model MODEL")
    return code


def _print_check(where: Path, problems: list[Problem], what: str, fix: str) -> int:
    """Each problem, then the verdict; 1 when there are errors."""
    errors = [p for p in problems if p.is_error]
    for problem in problems:
        print(problem)
    if errors:
        print(
            f"{where}: {len(errors)} error{'s' * (len(errors) != 1)}"
            + (f", {len(problems) - len(errors)} warning(s)" if len(problems) > len(errors) else "")
            + f". Fix the {fix} named above and run the check again."
        )
        return 1
    print(
        f"{where}: the {what} is valid"
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
            f"{experiment}: no positive numeric constant, argparse default, keyword argument or local "
            "that the experiment reads; "
            "nothing to propose. Write knobs.json by hand (docs/templates.md)."
        )
        return 1
    print(f"Proposed knobs for {folder.resolve().name} (from {experiment}):")
    for i, p in enumerate(proposals, 1):
        print(
            f"  {i}. {p.label}  {p.where}: {p.value!r} -> values {list(p.values)}  {p.description}"
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


def _topic_new(name: str, folder: Path) -> int:
    path = write_example(folder, name)
    print(
        f"Wrote {path}, an example topic: edit its question, metric, budget and data. Next: "
        f"aisci template check {path}, then aisci template draft {path} --model MODEL"
    )
    return 0
