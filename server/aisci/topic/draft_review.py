"""The drafted template as one folder proposal: accepted, edited or rejected before it is a template.

Contract:
- ``review_winner(ctx, dest, topic, record)`` runs once a node has won (``record.winner``) and
  before any file of it is in the template folder ``dest``. It asks ``ctx.reviewer`` (the
  terminal's prompt, the editor's folder diff; under ``full`` autonomy everything is accepted)
  with one ``Proposal.for_folder`` holding every text file the template will get (the
  winner's candidate, ``drafting/node_<i>/<name>/``, and ``topic.md``, the topic as it is
  kept with the template; each new, so its original is "").
- Accepted: the candidate is copied into ``dest`` (links refused) and each file the person
  edited is written with their text; the node's ``review`` says ``accepted`` or which files
  were ``edited``. An edited template is checked again (not run): problems the edit made are
  a warning naming each, kept as the person wrote it. Returns the record and True.
- Rejected: nothing is copied; the node becomes ``rejected`` with the person's reason as its
  error and the record has no winner, so a resume does not take it. The drafting loop then
  asks the model for a debug step of it (draft.py), the reason in place of a failure: the
  reason goes back to the model as it does for any rejected edit. Returns the record and False.
- A stop while the question waits (a cancel, a killed process) leaves the winner in the record
  and no files in ``dest``: running the command again asks again.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from aisci.core.context import Context
from aisci.core.editing import ask
from aisci.core.events import Log
from aisci.core.new_template import TOPIC_FILE
from aisci.core.proposals import Proposal, accepted_files
from aisci.execution import safefs
from aisci.topic.draft_candidate import candidate_problems
from aisci.topic.draft_record import DraftRecord, node_folder, save_record
from aisci.topic.spec import Topic

STAGE = "drafting"
TEXT_LIMIT = 4 << 20  # bytes of one file of a candidate, read for the proposal


def candidate_texts(candidate: Path) -> dict[str, str]:
    """Every UTF-8 file of a candidate template, by its path inside it (links refused)."""
    texts: dict[str, str] = {}
    pending = [""]
    while pending:
        rel = pending.pop()
        for name, kind in safefs.list_dir(candidate / rel, root=candidate):
            path = f"{rel}/{name}" if rel else name
            if kind == "dir":
                pending.append(path)
            elif kind == "file":
                try:
                    texts[path] = safefs.read_text(
                        candidate / path, root=candidate, limit=TEXT_LIMIT
                    )
                except UnicodeDecodeError:
                    continue  # not text (none is written today): copied as it is, not shown
    return texts


def rejection_error(reason: str | None) -> str:
    """What a rejected node's debug step tells the model instead of a failure."""
    said = (
        f"saying: {reason.strip()}"
        if reason and reason.strip()
        else "without a reason; try a different way of studying the same question"
    )
    return (
        "It passed the template check and ran at smoke scale, but the researcher who reviewed "
        f"the drafted template rejected it, {said}"
    )


def review_winner(
    ctx: Context, dest: Path, topic: Topic, record: DraftRecord
) -> tuple[DraftRecord, bool]:
    winner = record.node(record.winner or 0)
    candidate = node_folder(dest, winner.id) / dest.name
    written = candidate_texts(candidate)
    # Kept with the template, and so with every idea folder and paper made from it.
    texts = {**written, TOPIC_FILE: topic.path.read_text(encoding="utf-8")}
    proposal = Proposal.for_folder(
        dest.parent,
        dest.name,
        texts,
        f"the template {winner.label()} drafted from {topic.path.name}: it passed the check "
        f"and ran at smoke scale ({len(texts)} files, all new)",
        STAGE,
    )
    decision = ask(ctx, proposal, "The drafting")
    accepted = accepted_files(proposal, decision)
    if accepted is None:
        node = replace(
            winner, status="rejected", error=rejection_error(decision.reason), review="rejected"
        )
        record = replace(record.with_node(node), winner=None)
        save_record(dest, record)
        _log(ctx, dest, f"{winner.label()} rejected by the researcher; the model is asked again")
        return record, False
    safefs.copy_tree(candidate, dest, links="refuse")
    for file, text in accepted.items():
        if written.get(file) != text:
            safefs.write_atomic(dest / file, text, root=dest)
    edited = sorted(f for f, text in accepted.items() if text != texts[f])
    review = "edited: " + ", ".join(edited) if edited else "accepted"
    record = record.with_node(replace(winner, review=review))
    save_record(dest, record)
    problems = candidate_problems(dest) if edited else []
    if problems:  # the person's text is kept as written; what it broke is said at once
        ctx.reporter.emit(
            Log(
                f"{dest.name}: the template as edited has {len(problems)} problem(s): "
                + "; ".join(problems)
                + f". Fix them, then: aisci template check {dest}",
                "warning",
                str(dest),
            )
        )
    return record, True


def _log(ctx: Context, dest: Path, message: str) -> None:
    ctx.reporter.emit(Log(f"{dest.name}: {message}", "info", str(dest)))
