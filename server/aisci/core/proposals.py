"""Proposals: every edit a scientist wants to make, as a value a person can review.

A ``Proposal`` holds the whole current and proposed text of one file inside a folder, so a
front end can show a diff and the pipeline can apply exactly what was accepted. Under
``review-edits`` autonomy a ``ProposalReviewer`` (the terminal's prompt, the editor's diff view)
answers each with a ``Decision``: accept, accept an edited text, or reject with a reason that
goes back to the scientist.

A folder proposal (``Proposal.for_folder``: a template drafted from a topic) is one proposal of
several files: ``file`` names the folder inside ``folder``, ``files`` holds each file's current
("" for a new one) and proposed text, relative to that folder, and one ``Decision`` answers
for all of them (an "edit" carries the changed files' texts in ``files``; ``accepted_files``
says what is to be written).
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
class ProposedFile:
    """One file of a folder proposal, relative to the proposed folder."""

    file: str
    original: str
    proposed: str


@dataclass(frozen=True)
class Proposal:
    folder: str
    file: str  # relative to folder, e.g. "experiment.py"
    original: str
    proposed: str
    description: str  # why, in a sentence (shown with the diff)
    stage: str  # "experiments", "plots", "writeup", ...
    id: str = ""
    files: tuple[ProposedFile, ...] = ()  # a folder proposal's files (``file`` is the folder)

    @classmethod
    def create(
        cls, folder: Path, file: str, proposed: str, description: str, stage: str
    ) -> Proposal:
        path = safe_path(folder, file)
        original = path.read_text(encoding="utf-8") if path.exists() else ""
        return cls(str(folder), file, original, proposed, description, stage, id=f"p{next(_ids)}")

    @classmethod
    def for_folder(
        cls, folder: Path, name: str, texts: dict[str, str], description: str, stage: str
    ) -> Proposal:
        """One proposal of every file of ``folder/name`` in ``texts`` (relative paths)."""
        root = safe_path(folder, name)
        files = []
        for file in sorted(texts):
            path = safe_path(root, file)
            original = path.read_text(encoding="utf-8") if path.is_file() else ""
            files.append(ProposedFile(file, original, texts[file]))
        return cls(
            str(folder), name, "", "", description, stage, id=f"p{next(_ids)}", files=tuple(files)
        )

    @property
    def path(self) -> Path:
        return safe_path(Path(self.folder), self.file)

    @property
    def diff(self) -> str:
        if self.files:
            return "".join(
                unified_diff(f"{self.file}/{f.file}", f.original, f.proposed) for f in self.files
            )
        return unified_diff(self.file, self.original, self.proposed)

    @property
    def changes_nothing(self) -> bool:
        if self.files:
            return all(f.original == f.proposed for f in self.files)
        return self.original == self.proposed


def unified_diff(name: str, original: str, proposed: str) -> str:
    """The diff of one file (``a/NAME``, ``b/NAME``) as every front end shows an edit: a
    proposal, aider's edit, a search node's code, a drafting's debug step."""
    return "".join(
        difflib.unified_diff(
            original.splitlines(keepends=True),
            proposed.splitlines(keepends=True),
            fromfile=f"a/{name}",
            tofile=f"b/{name}",
        )
    )


@dataclass(frozen=True)
class Decision:
    action: str  # "accept", "edit" (accept this text instead) or "reject"
    text: str | None = None  # the edited text, for "edit"
    reason: str | None = None  # for "reject": told to the scientist
    files: dict[str, str] | None = None  # a folder proposal's "edit": each changed file's text

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


def accepted_files(proposal: Proposal, decision: Decision) -> dict[str, str] | None:
    """A folder proposal's files as accepted (a person's edit where there is one), or None when
    it was rejected. An edit of a file the proposal does not hold is refused."""
    if not decision.accepted:
        return None
    texts = {f.file: f.proposed for f in proposal.files}
    edited = decision.files or {}
    unknown = sorted(set(edited) - set(texts))
    if unknown:
        raise AisciError(
            f"The accepted edit of {proposal.file} changes {', '.join(unknown)}, which the "
            "proposal does not hold.",
            f"Edit only the proposed files: {', '.join(sorted(texts))}.",
        )
    return {**texts, **edited}


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
