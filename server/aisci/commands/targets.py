"""What a command works on: a template (by folder or name), its scientist, an idea folder.

Contract: ``resolve_template`` finds a template folder, or the name of one under ./templates
(the original's ``--experiment`` names included, with a note on stderr), else a shipped
template of that name (core/shipped.py; a note on stderr says which);
``template_and_scientist`` and ``idea_folder`` load what a command's flags name with the
scientist that decides for it (an idea folder's from the copy of the template it holds);
``note_scales`` and ``print_cost`` write the notes on stderr that go with them.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from aisci.commands.context import make_context
from aisci.core import shipped
from aisci.core.state import State
from aisci.core.template import load_template
from aisci.core.template_env import no_scales_note
from aisci.errors import ConfigError
from aisci.llm import Ledger
from aisci.scientists import make_scientist

# The original's --experiment names for templates that ship here under another name.
ORIGINAL_TEMPLATES = {
    "nanoGPT": (
        "nanogpt",
        "the original's nanoGPT (three character/word data sets, GPU-sized) is our nanogpt "
        "template: character-level Shakespeare; --scale picks its size",
    ),
    "nanoGPT_lite": (
        "nanogpt",
        "the original's nanoGPT_lite is our nanogpt template: character-level "
        "Shakespeare; --scale cpu or smoke plays the part of _lite",
    ),
}


def resolve_template(value: str | Path, *, must_exist: bool = True) -> Path:
    """A template folder, or the name of one under ./templates (the original's --experiment),
    else the shipped template of that name (said on stderr). A folder always wins, so a copy
    the researcher made is never shadowed by the one aisci ships. ``must_exist=False`` returns
    an unknown value as a path, for the template check to say what is wrong with it."""
    path = Path(value)
    if path.is_dir():
        return path
    named = Path("templates") / str(value)
    if named.is_dir():
        return named
    name = str(value)
    if name in ORIGINAL_TEMPLATES:
        name, note = ORIGINAL_TEMPLATES[name]
        print(f"note: {note}.", file=sys.stderr)
        if (Path("templates") / name).is_dir():
            return Path("templates") / name
    folder = shipped.find(name)
    if folder is not None:
        print(
            f"note: using the shipped template {name} ({folder}): there is no folder {value} "
            f"here; to change it, copy it: aisci template copy {name}",
            file=sys.stderr,
        )
        return folder
    if not must_exist:
        return path
    raise ConfigError(
        f"Template {value} not found: it is neither a folder, nor a name under ./templates, nor "
        "a shipped template.",
        "Give the template's folder, e.g. --template templates/grokking, or the name of a shipped "
        f"one: {', '.join(shipped.NAMES)}.",
    )


def template_and_scientist(args: argparse.Namespace):

    ctx = make_context(args)
    template = load_template(resolve_template(args.template))
    return template, make_scientist(template, ctx), ctx


def idea_folder(args: argparse.Namespace):
    """An idea folder holds a copy of its template: the scientist is made from that copy."""

    folder = args.folder.resolve() if hasattr(args, "folder") else args.paper.resolve()
    if not (folder / "idea.json").is_file():
        raise ConfigError(
            f"{folder} is not an idea folder (it has no idea.json).",
            "Give a folder made by aisci launch: results/<template>/<stamp>_<name>.",
        )
    ctx = make_context(args)
    scale = State.load(folder).get("scale")
    if scale:
        ctx.settings = ctx.settings.with_(scale=scale)
    # Spending lands beside the idea, in results/<template>/cost.json (and, while the command
    # works in the folder, its own cost.json), not in ./results/<idea folder name>/.
    template = replace(load_template(folder), name=folder.parent.name)
    ctx.settings = ctx.settings.with_(results=folder.parent.parent)
    return folder, make_scientist(template, ctx), ctx


def ledger_beside(scientist, path: Path) -> Path:
    """Keep the scientist's spending in ``<stem>.cost.json`` beside ``path`` (a PDF reviewed
    outside any results folder), and no paid answers: a review asked again is a new review."""
    target = path.resolve().with_name(path.stem + ".cost.json")
    session = getattr(scientist, "session", None)
    if session is not None:
        session.ledger = Ledger.load(target)
        session.ledger.parent = session.command_ledger
        scientist.client.set_home(session.ledger, answers=None)
    return target


def note_scales(template, scale: str) -> None:
    if not template.has_scales:
        print(f"note: {no_scales_note(template.name, scale)}", file=sys.stderr)


def print_cost(scientist) -> None:
    """The model spending of the command that just ran (the sweep scientist spends nothing)."""
    session = getattr(scientist, "session", None)
    if session is not None:
        print(session.summary(), file=sys.stderr)
