"""The answers of the quick commands (docs/lsp.md §2, "Queries", and the quick ``aisci.*``
commands): one frozen dataclass per answer, registered in ``ANSWERS`` by command id.

Each handler returns its type; commands.execute turns it into JSON with ``to_wire``, once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aisci.lsp.wire.base import OMIT, Json, Means, Omit


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


# -- aisci.checkTemplate ------------------------------------------------------------------------
@dataclass(frozen=True)
class TemplateProblem:
    file: str  # relative to the template folder
    line: int | None  # 1-based, when known
    severity: str  # "error" or "warning"
    message: str
    field: str | None  # the key or element, when there is one


@dataclass(frozen=True)
class TemplateCheck:
    ok: bool  # no problem is an error
    template: str
    problems: list[TemplateProblem]


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
    # {dataset: {metric: what the stand-in means}}: means that are a declared sentinel's
    # stand-in, not a measurement (core/sentinels.py), shown as "not reached"
    not_reached: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class FolderRuns:
    folder: str
    idea: str
    running: str | None  # the job that holds the folder
    runs: list[RunInfo]
    # The template's declared metric (aisci.json), which says which change is better; null: none
    metric: SearchMetric | None = None


@dataclass(frozen=True)
class TemplateRuns:
    template: str
    folders: list[FolderRuns]


# -- aisci.getTree ------------------------------------------------------------------------------
@dataclass(frozen=True)
class SearchMetric:
    name: str
    dataset: str | None  # null: the first dataset that reports the metric
    direction: str  # "max" or "min"
    source: str  # who chose it: the template's aisci.json, or the scientist and how


@dataclass(frozen=True)
class SearchNodeInfo:
    """A node of tree.json (core/search/tree.py ``Node.to_dict``, field for field, so a field
    added there fails here until it is declared), with its code's and its parent's paths."""

    id: int
    parent: int | None
    kind: str  # "root", "draft", "improve", "debug" or "seed"
    description: str
    status: str  # "pending", "running", "done", "failed", "pruned" or "duplicate"
    diff: str  # unified diff of experiment.py from the parent's code
    code_hash: str
    metric: float | None
    means: Means
    error: str | None
    note: str | None
    pinned: bool
    pruned: bool
    seed: int | None  # the AISCI_SEED of a seed node
    depth: int  # debug steps in a row
    duplicate_of: int | None  # the earlier node whose code this one repeated (not run)
    run: str | None  # run_<id>, null for a node that runs nothing
    code: str | None  # the absolute path of run_<id>.py; null when missing
    parent_code: str | None  # the parent's snapshot, null when missing


@dataclass(frozen=True)
class TreeResult:
    folder: str
    search: str | None  # "tree" or "linear"; null: the folder has no tree.json
    metric: SearchMetric | None
    settings: dict[str, Json]  # the search's limits and its rule, as tree.json records them
    nodes: list[SearchNodeInfo]
    best: int | None
    best_path: list[int]
    # The seeds' mean and spread as tree.json records them (core/search/seeds.py): node, run,
    # seeds, runs, failed, metric, values, means, and n, mean, std, stderr, min, max once a seed
    # run is done.
    confirmation: dict[str, Json] | None
    notes: list[str]


# -- aisci.listPapers ---------------------------------------------------------------------------
@dataclass(frozen=True)
class PaperInfo:
    folder: str
    idea: str
    template: str
    title: str | None
    pdf: str | None  # the PDF of record (lsp/pdf_record.py)
    pdf_built_at: float | None  # when it was built, seconds since the epoch
    pdf_stale: bool  # a source in latex/ was written after it
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


# -- aisci.newTopic, aisci.checkTopic ----------------------------------------------------------
@dataclass(frozen=True)
class TopicWritten:
    path: str  # the new topic file, <dir>/<name>.md
    name: str


@dataclass(frozen=True)
class TopicCheck:
    ok: bool  # no problem is an error: the topic can be drafted from
    topic: str  # the topic file
    name: str | None  # the template folder it drafts into (null: the topic cannot be read)
    problems: list[TemplateProblem]  # "file" is the topic file's name


# -- aisci.cancel, aisci.steerNode ---------------------------------------------------------------
@dataclass(frozen=True)
class Cancelled:
    cancelled: list[str]  # the job ids asked to stop; empty when nothing ran there


@dataclass(frozen=True)
class NodeSteered:
    folder: str
    node: int
    action: str  # "pin", "unpin" or "prune"
    status: str  # the node's status after the change
    pinned: bool
    pruned: bool


# The answer type of each quick command; a union where the arguments choose the shape.
ANSWERS: dict[str, Any] = {
    "aisci.listTemplates": TemplatesResult,
    "aisci.checkTemplate": TemplateCheck,
    "aisci.listIdeas": IdeasResult,
    "aisci.listRuns": FolderRuns | TemplateRuns,
    "aisci.getTree": TreeResult,
    "aisci.listPapers": PapersResult,
    "aisci.getCost": CostInfo,
    "aisci.renderText": RenderedText,
    "aisci.checkTemplateName": TemplateNameCheck,
    "aisci.newTopic": TopicWritten,
    "aisci.checkTopic": TopicCheck,
    "aisci.cancel": Cancelled,
    "aisci.steerNode": NodeSteered,
}
