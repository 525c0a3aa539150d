"""What a code edit produced, as values: the proposed texts, their diffs, the model's answer.

``ProposedEdit`` is the outcome of a dry run: nothing on disk changed. ``AppliedEdit`` is the
same outcome after the changed files were written. Both carry every changed file's whole new
text (``proposed``), the text it replaces (``originals``), a unified diff per file, the model's
replies, token usage, and ``error``: the reason, in words a model can act on, when aider could
not turn the answer into edits (a SEARCH block that never matched, a reply cut short).

``to_proposals`` turns a ``ProposedEdit`` into ``aisci.core.proposals.Proposal`` values, one per
changed file, so a person can review each diff and the pipeline applies exactly what was
accepted.

Failures that are not the model's to fix are exceptions (all ``AisciError``s):
``EditRefused`` (an edit named a file outside the folder or outside the allowed list),
``EditFailed`` (the model could not be reached or kept failing).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from aisci.core.proposals import Proposal, safe_path
from aisci.errors import AisciError


class EditRefused(AisciError):
    """The model asked to edit a file it may not touch; nothing was written."""

    def __init__(self, message: str, hint: str | None, files: tuple[str, ...]):
        super().__init__(message, hint)
        self.files = files


class EditFailed(AisciError):
    """The model call behind an edit failed (unreachable, refused key, kept erroring)."""


@dataclass(frozen=True)
class Usage:
    requests: int = 0  # chat requests sent (first answer + reflections + retries)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = None  # None when the model has no known price
    cached_prompt_tokens: int = 0  # of prompt_tokens, served from the provider's prompt cache
    # Answers replayed from the idea folder's kept answers (a resume): not sent, not paid, and
    # not in the counts above.
    replayed: int = 0
    replayed_prompt_tokens: int = 0
    replayed_completion_tokens: int = 0


@dataclass(frozen=True)
class ProposedEdit:
    folder: str
    files: tuple[str, ...]  # the files the edit was allowed to change (folder-relative)
    instruction: str
    originals: dict[str, str]  # file -> text before the edit, for every allowed file
    proposed: dict[str, str]  # file -> whole new text, for every *changed* file
    diffs: dict[str, str]  # file -> unified diff (a/file, b/file), changed files only
    reply: str = ""  # the model's last answer (its explanation and edit blocks)
    replies: tuple[str, ...] = ()  # every answer, reflections included
    usage: Usage = field(default_factory=Usage)
    error: str | None = None  # why (some) edits could not be made; feed it to the model
    log: tuple[str, ...] = ()  # what aider said while working (for the log channel)

    @property
    def changed_files(self) -> tuple[str, ...]:
        return tuple(sorted(self.proposed))

    @property
    def ok(self) -> bool:
        """No error. (An answer that changed nothing is ok but has no ``changed_files``.)"""
        return self.error is None

    @property
    def diff(self) -> str:
        """All files' diffs, one after the other."""
        return "".join(self.diffs[f] for f in self.changed_files)

    def summary(self, limit: int = 300) -> str:
        """The model's explanation in a sentence or two (for a proposal's description)."""
        return describe(self.reply, limit) or self.instruction.strip()[:limit]

    def proposals(self, stage: str, description: str | None = None) -> list[Proposal]:
        return to_proposals(self, stage, description)


@dataclass(frozen=True)
class AppliedEdit(ProposedEdit):
    written: tuple[str, ...] = ()  # files written to disk (empty when ``error`` is set)


def to_proposals(edit: ProposedEdit, stage: str, description: str | None = None) -> list[Proposal]:
    """One ``Proposal`` per changed file, checked against the file as it is now on disk."""
    folder = Path(edit.folder)
    text = description or edit.summary()
    proposals = []
    for file in edit.changed_files:
        path = safe_path(folder, file)
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != edit.originals.get(file, ""):
            # A proposal built on a stale original would silently undo the newer change.
            raise AisciError(
                f"{file} changed after its edit was proposed: the proposal no longer fits it.",
                "Propose the edit again against the file as it is now.",
            )
        proposals.append(Proposal.create(folder, file, edit.proposed[file], text, stage))
    return proposals


_BLOCK_START = re.compile(r"^(```|<{5,9} SEARCH|\S+\.\w+\s*$)", re.MULTILINE)


def describe(reply: str, limit: int = 300) -> str:
    """The prose before the first edit block, squeezed to one line and cut at ``limit``."""
    match = _BLOCK_START.search(reply)
    prose = reply[: match.start()] if match else reply
    prose = " ".join(prose.split())
    if len(prose) <= limit:
        return prose
    cut = prose[:limit]
    end = cut.rfind(". ")
    return cut[: end + 1] if end > limit // 3 else cut.rstrip() + "…"
