"""The answers of the quick commands (docs/lsp.md §2, "Queries") and the shapes of the ``aisci/*``
notifications (§3), each declared once, as types.

Contract: each query in lsp/queries.py returns one of these frozen dataclasses; ``to_wire``
turns it into the JSON the client receives (commands.execute calls it once, for every quick
command), naming each field in camelCase (``duration_s`` -> ``durationS``). A field typed
``X | None`` is always sent, possibly as null; a field whose type includes ``Omit`` (default
``OMIT``) is left out when it holds ``OMIT`` — the only fields the extension must treat as
optional. ``schema(cls)`` is the JSON schema of a type, derived from the same annotations:
tests/lsp/conftest.py validates every answer the LSP tests receive against it, and
tests/lsp/test_wire.py checks vscode-extension/src/protocol.ts's interfaces against it.
The notifications are declared and checked the same way (``NOTIFICATIONS``); their senders
do not build them from these types yet.
This module imports nothing of aisci.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from dataclasses import dataclass, field
from typing import Any


class Omit(enum.Enum):
    """The marker of a field the server leaves out of the answer (not null: absent)."""

    OMIT = "omit"


OMIT = Omit.OMIT

# A value read from a record on disk and passed on as it is (a search node, a metric).
Json = Any


# -- aisci.listTemplates ------------------------------------------------------------------------
@dataclass(frozen=True)
class TemplateInfo:
    name: str
    path: str
    ok: bool
    errors: int
    warnings: int
    knobs: list[str | None]  # a knob without a name (the template's check says so) is null
    baseline: dict[str, str]  # scale (or "whole study") -> its finished baseline folder


@dataclass(frozen=True)
class TemplatesResult:
    templates: list[TemplateInfo]


# -- aisci.listIdeas ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Verdict:
    label: str | None
    reason: str | None
    kind: str | None  # "model" (judged against papers) or "unchecked"
    local_only: bool | None
    queries: list[str]
    papers: list[dict[str, Json]]  # the novelty check's papers as it saved them


@dataclass(frozen=True)
class IdeaInfo:
    name: str | None  # a seed without "Name" (the template's check says so) is still listed
    title: str | None
    experiment: str | None
    interestingness: float | None
    feasibility: float | None
    novelty: float | None
    novel: bool | None
    folder: str | None
    # Left out for a seed idea (never checked); null for an idea not checked yet.
    verdict: Verdict | Omit | None = OMIT


@dataclass(frozen=True)
class IdeasResult:
    template: str
    path: str
    ideas: list[IdeaInfo]
    seeds: list[IdeaInfo]


# -- aisci.listRuns -----------------------------------------------------------------------------
# {dataset: {metric: number}} as in final_info.json; a flat {metric: number} is tolerated.
Means = dict[str, dict[str, float] | float]


@dataclass(frozen=True)
class RunInfo:
    run: str
    status: str | None  # "done", "failed", or the state the record holds for a run not finished
    description: str
    means: Means
    duration_s: float | None
    error: str | None
    stderr: str
    where: str | None  # the cluster node it ran on; null for a run on this machine


@dataclass(frozen=True)
class FolderRuns:
    folder: str
    idea: str
    running: str | None  # the job that holds the folder
    runs: list[RunInfo]


@dataclass(frozen=True)
class TemplateRuns:
    template: str
    folders: list[FolderRuns]


# -- aisci.getTree ------------------------------------------------------------------------------
@dataclass(frozen=True)
class TreeResult:
    folder: str
    search: str | None  # null: the folder has no tree.json
    metric: dict[str, Json] | None
    settings: dict[str, Json]
    # Each node as tree.json records it, plus "code" and "parentCode" (paths or null).
    nodes: list[dict[str, Json]]
    best: int | None
    best_path: list[int]
    confirmation: dict[str, Json] | None
    notes: list[str]


# -- aisci.listPapers ---------------------------------------------------------------------------
@dataclass(frozen=True)
class PaperInfo:
    folder: str
    idea: str
    template: str
    title: str | None
    pdf: str | None
    review: str | None  # the review file's path
    kind: str | None  # "model" (scores and a decision) or "checklist" (not judged)
    verdict: str | None  # "Accept, overall 6/10", or "checks 5/5 passed, not judged"
    scores: dict[str, float | None]
    decision: str | None


@dataclass(frozen=True)
class PapersResult:
    papers: list[PaperInfo]


# -- aisci.getCost ------------------------------------------------------------------------------
@dataclass(frozen=True)
class LedgerCost:
    path: str
    total_usd: float | None  # null when no call had a price
    unknown: bool  # some call's price is unknown: the total is a lower bound


@dataclass(frozen=True)
class CostInfo:
    total_usd: float | None
    unknown: bool
    by_stage: dict[str, float | None]
    tokens_in: int
    tokens_out: int
    max_cost_usd: float | None
    ledgers: list[LedgerCost] = field(default_factory=list)


# -- aisci.renderText, aisci.checkTemplateName ---------------------------------------------------
@dataclass(frozen=True)
class RenderedText:
    text: str


@dataclass(frozen=True)
class TemplateNameCheck:
    name: str
    problem: str | None  # null: the CLI would create it; else its message


# The answer type of each query command; a union where the arguments choose the shape.
ANSWERS: dict[str, Any] = {
    "aisci.listTemplates": TemplatesResult,
    "aisci.listIdeas": IdeasResult,
    "aisci.listRuns": FolderRuns | TemplateRuns,
    "aisci.getTree": TreeResult,
    "aisci.listPapers": PapersResult,
    "aisci.getCost": CostInfo,
    "aisci.renderText": RenderedText,
    "aisci.checkTemplateName": TemplateNameCheck,
}


# -- the aisci/* notifications (docs/lsp.md §3) ----------------------------------------------------
# Declared here and checked (every notification the LSP tests record is validated, and the ones
# protocol.ts declares are compared with it); their senders (lsp/reporter.py, jobs.py,
# preview.py, external_changes.py) still build the dicts themselves.
@dataclass(frozen=True)
class JobStarted:
    job: str
    command: str
    folder: str | None
    token: str | None  # null: the client has no work-done progress


@dataclass(frozen=True)
class JobFinished:
    job: str
    command: str
    ok: bool
    cancelled: bool
    message: str  # "done", "failed" or "cancelled"


@dataclass(frozen=True)
class StageChanged:
    stage: str
    folder: str | None
    state: str  # "started", "finished" or "failed"
    message: str
    outputs: dict[str, Json]
    job: str


@dataclass(frozen=True)
class LogMessage:
    level: str
    message: str
    folder: str | None
    job: str


@dataclass(frozen=True)
class RunPlaced:
    folder: str
    run: str
    where: str


@dataclass(frozen=True)
class RunFinished:
    folder: str
    run: str
    ok: bool
    duration_s: float | None
    exit_code: int | None
    message: str
    means: Means
    source: str  # "job", or "watcher" for a run another process finished
    where: str | Omit | None = OMIT  # left out by the watcher, which does not know


@dataclass(frozen=True)
class IdeasChanged:
    template: str
    path: str
    source: str


@dataclass(frozen=True)
class ProposalReady:
    id: str
    folder: str
    file: str
    uri: str
    description: str
    stage: str
    diff: str
    job: str


@dataclass(frozen=True)
class ProposalDecided:
    id: str
    folder: str
    file: str
    action: str
    reason: str | None


@dataclass(frozen=True)
class PreviewReady:
    folder: str
    tex: str
    pdf: str | None
    ok: bool
    diagnostics: int
    errors: int
    duration_s: float | None
    # Sent by the preview's own build (null when it worked); left out after a paper stage.
    error: str | Omit | None = OMIT


@dataclass(frozen=True)
class CostUpdated:
    total_usd: float | None
    unknown: bool
    by_stage: dict[str, float | None]
    tokens_in: int
    tokens_out: int
    folder: str | None
    session_total_usd: float | None
    session_unknown: bool


@dataclass(frozen=True)
class TreeChanged:
    folder: str


NOTIFICATIONS: dict[str, Any] = {
    "aisci/jobStarted": JobStarted,
    "aisci/jobFinished": JobFinished,
    "aisci/stageChanged": StageChanged,
    "aisci/log": LogMessage,
    "aisci/runPlaced": RunPlaced,
    "aisci/runFinished": RunFinished,
    "aisci/ideasChanged": IdeasChanged,
    "aisci/proposalReady": ProposalReady,
    "aisci/proposalDecided": ProposalDecided,
    "aisci/previewReady": PreviewReady,
    "aisci/costUpdated": CostUpdated,
    "aisci/treeChanged": TreeChanged,
}


def camel(name: str) -> str:
    """``duration_s`` -> ``durationS``: the wire's name of a field."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def to_wire(value: Any) -> Any:
    """The JSON of an answer: dataclasses become objects with camelCase keys, ``OMIT`` fields
    are left out; anything else (a dict a command built itself) passes through."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            camel(f.name): to_wire(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if getattr(value, f.name) is not OMIT
        }
    if isinstance(value, dict):
        return {k: to_wire(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_wire(v) for v in value]
    return value


_SCALARS: dict[Any, dict[str, Any]] = {
    str: {"type": "string"},
    int: {"type": "integer"},
    float: {"type": "number"},
    bool: {"type": "boolean"},
    type(None): {"type": "null"},
}


def schema(tp: Any) -> dict[str, Any]:
    """The JSON schema of a wire type: a dataclass is a closed object (nothing undeclared),
    its required keys every field that is not ``Omit``-able. Supports exactly the annotations
    above (scalars, None, Any, list, dict with str keys, unions, dataclasses)."""
    if tp is Any:
        return {}
    if tp in _SCALARS:
        return dict(_SCALARS[tp])
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        hints = typing.get_type_hints(tp)
        properties, required = {}, []
        for f in dataclasses.fields(tp):
            options = _union(hints[f.name])
            if Omit not in options:
                required.append(camel(f.name))
            properties[camel(f.name)] = _any_of([o for o in options if o is not Omit])
        return {
            "type": "object",
            "properties": properties,
            "required": required,
            "additionalProperties": False,
        }
    origin, params = typing.get_origin(tp), typing.get_args(tp)
    if origin is list:
        return {"type": "array", "items": schema(params[0])}
    if origin is dict and params[0] is str:
        return {"type": "object", "additionalProperties": schema(params[1])}
    if origin in (typing.Union, types.UnionType):
        return _any_of(list(params))
    raise TypeError(f"wire.schema does not support {tp!r}; declare the field with a simpler type.")


def _union(tp: Any) -> list[Any]:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return list(typing.get_args(tp))
    return [tp]


def _any_of(options: list[Any]) -> dict[str, Any]:
    return schema(options[0]) if len(options) == 1 else {"anyOf": [schema(o) for o in options]}
