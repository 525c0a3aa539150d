"""The results of the long commands (docs/lsp.md §2, "Command reference"): one frozen dataclass
per shape, registered in ``RESULTS`` by command id (``aisci.review`` and ``aisci.improve`` share
theirs).

Each plan's work (lsp/stages.py) returns its type and the plan turns it into JSON with
``to_wire``, once; that JSON is the command's response and what decides ``ok`` in
``aisci/jobFinished``. Every result has ``ok``: a stage that ran and did not succeed says
``ok: false`` with its ``message``; one that could not run is an error response instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aisci.lsp.wire.base import Json, Means


@dataclass(frozen=True)
class BaselineResult:
    ok: bool
    folder: str
    means: Means
    figures: list[str]  # absolute paths
    duration_s: float
    sandbox: str
    reused: bool  # a finished baseline was found and not run again


@dataclass(frozen=True)
class IdeasGenerated:
    ok: bool
    path: str  # the template's ideas.json
    ideas: list[str]  # the names of the new ideas


@dataclass(frozen=True)
class NoveltyVerdict:
    name: str
    novel: bool | None
    label: str | None
    reason: str | None


@dataclass(frozen=True)
class NoveltyChecked:
    ok: bool
    path: str
    ideas: list[NoveltyVerdict]


@dataclass(frozen=True)
class LaunchedIdea:
    idea: str
    folder: str | None  # null: the idea never got a folder
    ok: bool
    message: str


@dataclass(frozen=True)
class LaunchResult:
    ok: bool
    template: str
    ideas: list[LaunchedIdea]


@dataclass(frozen=True)
class RunOutcome:
    run: str
    description: str
    means: Means
    error: str | None


@dataclass(frozen=True)
class ExperimentsResult:
    ok: bool
    folder: str
    message: str
    runs: list[RunOutcome]


@dataclass(frozen=True)
class PlotsResult:
    ok: bool
    folder: str
    message: str
    figures: list[str]  # absolute paths


@dataclass(frozen=True)
class DraftResult:
    ok: bool
    message: str
    folder: str
    tex: str  # latex/template.tex


@dataclass(frozen=True)
class BuildResult:
    ok: bool
    message: str
    folder: str
    pdf: str | None  # <idea>.pdf, else latex/template.pdf; null when none came out
    diagnostics: int
    errors: int
    log: str | None  # pdflatex's .log


@dataclass(frozen=True)
class Mismatch:
    file: str
    line: int
    message: str


@dataclass(frozen=True)
class ConsistencyResult:
    ok: bool
    folder: str
    checked: int  # numbers looked at
    notes: list[str]
    mismatches: list[Mismatch]


@dataclass(frozen=True)
class ReproducedNumber:
    text: str  # the macro call, or the literal as written
    line: int  # in template.tex; 0 when the paper states nothing and every run's means are shown
    source: str  # where its original value is recorded
    original: float | None
    reproduced: float | None
    status: str  # "reproduced", "differs", "not re-run", "failed", "not comparable (wall-clock)"
    runs: list[str]  # the runs it needs


@dataclass(frozen=True)
class ReproduceResult:
    ok: bool
    message: str
    folder: str  # the scratch folder the runs were re-run in
    report: str  # its reproduce.json
    reran: list[str]
    failed: list[str]  # the runs that did not finish, with why
    numbers: list[ReproducedNumber]


@dataclass(frozen=True)
class ReviewResult:
    ok: bool
    message: str
    folder: str
    # The (meta-)review as review_improved.json or review.json holds it (a model's NeurIPS form
    # or a checklist); all four are null when neither file can be read.
    review: dict[str, Json] | None
    review_kind: str | None  # "model" or "checklist"
    verdict: str | None  # "Reject, overall 3/10" or "checks 5/5 passed, not judged"
    decision: str | None  # null for a checklist


@dataclass(frozen=True)
class TemplateDrafted:
    ok: bool
    message: str  # "node 2 (debug of node 1) passed after 2 node(s)"
    template: str  # the new template folder
    name: str
    topic: str  # the topic file it was drafted from
    winner: int  # the node whose files became the template
    winner_label: str  # "node 2 (debug of node 1)"
    nodes: int  # the nodes tried, the winner included
    cost_usd: float | None  # the nodes' known model cost; null when no call had a price
    cost_unknown: bool  # some call's price is unknown: cost_usd is a lower bound
    reused: bool  # drafted by an earlier command: nothing was asked or run
    record: str  # the drafting record's folder, <template>/drafting


LongResult = (
    BaselineResult
    | IdeasGenerated
    | NoveltyChecked
    | LaunchResult
    | ExperimentsResult
    | PlotsResult
    | DraftResult
    | BuildResult
    | ConsistencyResult
    | ReproduceResult
    | ReviewResult
    | TemplateDrafted
)

RESULTS: dict[str, Any] = {
    "aisci.runBaseline": BaselineResult,
    "aisci.generateIdeas": IdeasGenerated,
    "aisci.checkNovelty": NoveltyChecked,
    "aisci.launch": LaunchResult,
    "aisci.runExperiments": ExperimentsResult,
    "aisci.makePlots": PlotsResult,
    "aisci.draftPaper": DraftResult,
    "aisci.buildPaper": BuildResult,
    "aisci.checkConsistency": ConsistencyResult,
    "aisci.reproduce": ReproduceResult,
    "aisci.review": ReviewResult,
    "aisci.improve": ReviewResult,
    "aisci.draftTemplate": TemplateDrafted,
}
