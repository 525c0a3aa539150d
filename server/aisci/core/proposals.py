"""Proposals: every edit a scientist wants to make, as a value a person can review.

A ``Proposal`` holds the whole current and proposed text of one file inside a folder, so a
front end can show a diff and the pipeline can apply exactly what was accepted. Under
``review-edits`` autonomy a ``ProposalReviewer`` (the terminal's prompt, the editor's diff view)
answers each with a ``Decision``: accept, accept an edited text, or reject with a reason that
goes back to the scientist.
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from aisci.core.atomic import write_text_atomic
from aisci.errors import AisciError

_ids = itertools.count(1)


@dataclass(frozen=True)
class Proposal:
    folder: str
    file: str  # relative to folder, e.g. "experiment.py"
    original: str
    proposed: str
    description: str  # why, in a sentence (shown with the diff)
    stage: str  # "experiments", "plots", "writeup", ...
    id: str = ""

    @classmethod
    def create(
        cls, folder: Path, file: str, proposed: str, description: str, stage: str
    ) -> Proposal:
        path = safe_path(folder, file)
        original = path.read_text(encoding="utf-8") if path.exists() else ""
        return cls(str(folder), file, original, proposed, description, stage, id=f"p{next(_ids)}")

    @property
    def path(self) -> Path:
        return safe_path(Path(self.folder), self.file)

    @property
    def diff(self) -> str:
        return "".join(
            difflib.unified_diff(
                self.original.splitlines(keepends=True),
                self.proposed.splitlines(keepends=True),
                fromfile=f"a/{self.file}",
                tofile=f"b/{self.file}",
            )
        )

    @property
    def changes_nothing(self) -> bool:
        return self.original == self.proposed


@dataclass(frozen=True)
class Decision:
    action: str  # "accept", "edit" (accept this text instead) or "reject"
    text: str | None = None  # the edited text, for "edit"
    reason: str | None = None  # for "reject": told to the scientist

    @property
    def accepted(self) -> bool:
        return self.action in ("accept", "edit")


class ProposalReviewer(Protocol):
    def review(self, proposal: Proposal) -> Decision: ...


class AcceptAll:
    """``full`` autonomy: every proposal is applied as it is."""

    def review(self, proposal: Proposal) -> Decision:
        return Decision("accept")


def safe_path(folder: Path, file: str) -> Path:
    """``folder/file``, refusing any path that leaves the folder."""
    root = Path(folder).resolve()
    path = (root / file).resolve()
    if root != path and root not in path.parents:
        raise AisciError(
            f"Refused an edit of {file}: it lies outside the folder {root}.",
            "Edits may only touch files inside the idea folder.",
        )
    return path


def apply(proposal: Proposal, decision: Decision) -> str | None:
    """Write what was accepted; returns the text written, or None when rejected."""
    if not decision.accepted:
        return None
    text = (
        decision.text
        if decision.action == "edit" and decision.text is not None
        else proposal.proposed
    )
    path = proposal.path
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    if current != proposal.original:
        raise AisciError(
            f"{proposal.file} changed while its proposed edit was waiting for review.",
            "Review the proposal again against the file as it is now.",
        )
    write_text_atomic(path, text)
    return text


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
