"""Proposals under review-edits: the editor decides each AI edit (docs/lsp.md §5).

Contract: ``EditorReviewer.review`` runs in the job's worker thread. It sends the request
``aisci/reviewProposal`` through the bridge and blocks until the client answers or the job is
cancelled (then the request is withdrawn with ``$/cancelRequest`` and ``Cancelled`` is
raised, which the stage records as a stop, not a failure). The answer is validated here, at
the edge: ``{"action": "accept"}``, ``{"action": "edit", "text": str}`` or
``{"action": "reject", "reason"?: str}``; anything else fails the stage with a message. A
folder proposal (a drafted template) also sends ``files``: ``[{file, uri, original,
proposed}]``, each relative to the proposed folder (``file``); its edit answers
``{"action": "edit", "files": [{file, text}]}`` with the files the person changed.
"""

from __future__ import annotations

import concurrent.futures
import itertools
import logging
from typing import TYPE_CHECKING, Any

from aisci.core.context import Cancelled
from aisci.core.proposals import Decision, Proposal
from aisci.errors import AisciError
from aisci.lsp.uris import path_to_uri

if TYPE_CHECKING:
    from aisci.lsp.jobs import Bridge, Job

log = logging.getLogger(__name__)
METHOD = "aisci/reviewProposal"
_ids = itertools.count(1)


def parse_answer(answer: Any, proposal: Proposal) -> Decision:
    if hasattr(answer, "_asdict"):  # pygls's default converter makes namedtuples of JSON objects
        answer = answer._asdict()
    where = f"The editor's answer to the proposed edit {proposal.id} of {proposal.file}"
    hint = (
        'Answer aisci/reviewProposal with {"action": "accept"}, {"action": "edit", "text": "..."} or '
        '{"action": "reject", "reason": "..."}.'
    )
    if not isinstance(answer, dict):
        raise AisciError(f"{where} is not an object (found {answer!r}).", hint)
    action = answer.get("action")
    if action == "accept":
        return Decision("accept")
    if action == "edit" and proposal.files:
        return Decision("edit", files=_edited_files(answer.get("files"), proposal, where))
    if action == "edit":
        text = answer.get("text")
        if not isinstance(text, str):
            raise AisciError(f'{where} has action "edit" without the edited "text".', hint)
        return Decision("edit", text=text)
    if action == "reject":
        reason = answer.get("reason")
        return Decision(
            "reject", reason=reason if isinstance(reason, str) and reason.strip() else None
        )
    raise AisciError(f"{where} has an unknown action {action!r}.", hint)


def _edited_files(found: Any, proposal: Proposal, where: str) -> dict[str, str]:
    """A folder edit's ``files``: a list of ``{file, text}``, each a file of the proposal (a list,
    not an object keyed by file: pygls would rename keys such as "experiment.py")."""
    known = {f.file for f in proposal.files}
    items = [i._asdict() if hasattr(i, "_asdict") else i for i in found or ()]
    files: dict[str, str] = {
        i["file"]: i["text"]
        for i in items
        if isinstance(i, dict) and isinstance(i.get("file"), str) and isinstance(i.get("text"), str)
    }
    if not isinstance(found, (list, tuple)) or not files or len(files) != len(items):
        problem = 'without "files", a list of {"file", "text"} of the files the person changed'
    elif not set(files) <= known:
        problem = f"with files the proposal does not hold: {sorted(set(files) - known)}"
    else:
        return files
    raise AisciError(
        f'{where} has action "edit" {problem} (its files: {", ".join(sorted(known))}).',
        'Answer a folder proposal\'s edit with {"action": "edit", "files": [{"file": "FILE", '
        '"text": "..."}]}.',
    )


class EditorReviewer:
    def __init__(self, bridge: Bridge, job: Job) -> None:
        self.bridge = bridge
        self.job = job

    def review(self, proposal: Proposal) -> Decision:
        if self.job.cancel.is_set():
            raise Cancelled("The review of a proposed edit")
        msg_id = f"aisci-review-{next(_ids)}"
        params: dict[str, Any] = {
            "id": proposal.id,
            "folder": proposal.folder,
            "file": proposal.file,
            "uri": path_to_uri(proposal.path),
            "description": proposal.description,
            "stage": proposal.stage,
            "original": proposal.original,
            "proposed": proposal.proposed,
            "diff": proposal.diff,
            "job": self.job.id,
        }
        if proposal.files:
            params["files"] = [
                {
                    "file": f.file,
                    "uri": path_to_uri(proposal.path / f.file),
                    "original": f.original,
                    "proposed": f.proposed,
                }
                for f in proposal.files
            ]
        answer = self.bridge.request(METHOD, params, msg_id)

        def withdraw() -> None:
            answer.cancel()
            self.bridge.withdraw(msg_id)

        remove = self.job.on_cancel(withdraw)
        try:
            result = answer.result()
        except concurrent.futures.CancelledError:
            raise Cancelled("The review of a proposed edit") from None
        except Exception as e:  # an error response of the client
            raise AisciError(
                f"The editor did not review the proposed edit {proposal.id} of {proposal.file}: {e}.",
                "The editor must answer aisci/reviewProposal under review-edits autonomy; "
                "or set aiScientist.autonomy to full.",
            ) from None
        finally:
            remove()
        return parse_answer(result, proposal)
