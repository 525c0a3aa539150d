"""The one path every AI edit takes: propose, show, let a person decide, apply what was accepted.

Under ``full`` autonomy the reviewer accepts everything; under ``review-edits`` each proposal
waits for accept / edit / reject. A rejection's reason goes back to the scientist, which may
propose something else, at most ``MAX_REJECTIONS`` times in a row.
"""

from __future__ import annotations

from collections.abc import Callable

from aisci.core.context import Context
from aisci.core.events import Log, ProposalDecided, ProposalReady
from aisci.core.proposals import Decision, Proposal, apply

MAX_REJECTIONS = 3


def ask(ctx: Context, proposal: Proposal, what: str = "The work") -> Decision:
    """The reviewer's decision on ``proposal``, announced before and after to the front end;
    a cancel while it waited raises ``Cancelled(what)``."""
    ctx.reporter.emit(
        ProposalReady(
            proposal.id,
            proposal.folder,
            proposal.file,
            proposal.description,
            proposal.stage,
            proposal.diff,
        )
    )
    decision: Decision = ctx.reviewer.review(proposal)
    ctx.reporter.emit(
        ProposalDecided(
            proposal.id, proposal.folder, proposal.file, decision.action, decision.reason
        )
    )
    ctx.check_cancelled(what)
    return decision


def reviewed_edit(
    ctx: Context, make: Callable[[str | None], Proposal | None]
) -> tuple[Proposal, str] | None:
    """Ask ``make(feedback)`` for proposals until one is accepted; return it with the text
    written, or None when the scientist has nothing to propose or every proposal was rejected."""
    feedback: str | None = None
    for _ in range(MAX_REJECTIONS):
        ctx.check_cancelled()
        proposal = make(feedback)
        if proposal is None:
            return None
        if proposal.changes_nothing:
            ctx.reporter.emit(
                Log(
                    f"the proposed edit of {proposal.file} changes nothing",
                    "warning",
                    proposal.folder,
                )
            )
            return None
        decision = ask(ctx, proposal)
        written = apply(proposal, decision)
        if written is not None:
            return proposal, written
        feedback = (
            decision.reason
            or "The researcher rejected this change without a reason; propose a different one."
        )
    ctx.reporter.emit(
        Log(f"{MAX_REJECTIONS} proposals in a row were rejected; moving on", "warning")
    )
    return None
