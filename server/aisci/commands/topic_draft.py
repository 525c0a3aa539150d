"""``aisci template draft TOPIC.md --model M`` and the first step of ``aisci launch --topic``:
the drafting of a template from a topic (topic/draft.py), with what the terminal prints before
and after it."""

from __future__ import annotations

import argparse
from pathlib import Path

from aisci.commands.context import make_context
from aisci.core.template import check_template
from aisci.topic.draft import DEFAULT_MAX_DRAFTS, draft_template, require_model
from aisci.topic.draft_record import FOLDER
from aisci.topic.spec import load_topic


def template_draft(args: argparse.Namespace) -> int:
    folder = _draft(args, args.dir, args.name, args.max_drafts)
    print(
        f"Read its experiment.py first (a model wrote it). Next: aisci baseline {folder} "
        "--scale smoke, then aisci launch --template " + str(folder)
    )
    return 0


def draft_for_launch(args: argparse.Namespace) -> Path:
    """``aisci launch --topic``: the template drafted from the topic into ./templates/ (or the
    one an earlier drafting there made, which is reused), for the launch to go on with. The
    model drafts whichever scientist the launch then uses: ``--scientist sweep`` sweeps the
    drafted template's knobs without a model."""
    folder = _draft(args, Path("templates"), None, DEFAULT_MAX_DRAFTS)
    print(f"Launching {folder} (drafted by a model: read its experiment.py).")
    return folder


def _draft(
    args: argparse.Namespace,
    parent: Path,
    name: str | None,
    max_drafts: int,
) -> Path:
    ctx = make_context(args)
    require_model(ctx.settings)  # before the topic is read: the first thing to fix
    topic = load_topic(args.topic)
    outcome = draft_template(topic, ctx, parent=parent, name=name, max_drafts=max_drafts)
    folder, record = outcome.folder, outcome.record
    if outcome.reused:
        print(f"{folder} was drafted earlier ({outcome.winner.label()}); nothing was asked.")
    else:
        print(
            f"Drafted {folder} from {topic.path.name}: {outcome.winner.label()} passed after "
            f"{len(record.nodes)} node(s); the record is in {folder / FOLDER}."
        )
    warnings = [p for p in check_template(folder) if not p.is_error]
    for problem in warnings:
        print(f"  {problem}")
    return folder
