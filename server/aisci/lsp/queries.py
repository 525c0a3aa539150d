"""The queries behind the editor's views: read the files on disk, change nothing.

Contract (docs/lsp.md §2, "Queries"): templates, ideas with their verdicts and papers, runs
with status, means, duration, errors and the cluster node a run ran on, a search's tree, papers
with PDF and review (a model's scores and decision, or a checklist's count of passed checks),
the session's cost, a fast text rendering of a .tex, and what ``aisci template new`` would say
of a name. Each runs in a worker thread (called by commands.execute) and takes (server, Args);
each is declared by ``@command`` (lsp/registry.py) with the keys it takes, and returns its answer
as the typed value of lsp/wire (commands.execute turns it into JSON with ``wire.to_wire``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aisci.core.ideation import load_ideas
from aisci.core.metric import Metric
from aisci.core.new_template import check_new_template
from aisci.core.records import IdeaState, RunView, Step
from aisci.core.search import load_tree
from aisci.core.template import check_template
from aisci.errors import ConfigError
from aisci.execution import safefs
from aisci.lsp import locate, meaning, pdf_record, wire
from aisci.lsp.args import Args
from aisci.lsp.latex_features import render_text as render
from aisci.lsp.registry import command
from aisci.lsp.uris import path_to_uri, uri_to_path

if TYPE_CHECKING:  # lsp/server.py loads this module (lsp/commands.py): a real import is a cycle
    from aisci.lsp.server import AisciServer

SCORES = (
    "Overall",
    "Originality",
    "Quality",
    "Clarity",
    "Significance",
    "Soundness",
    "Presentation",
    "Contribution",
    "Confidence",
)


def _json(path: Path) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


WHOLE_STUDY = "whole study"


def _baseline_folders(root: Path) -> list[Path]:
    """``baseline_<scale>/`` folders, and ``baseline/`` of a template without scales."""
    return sorted(p for p in [root / "baseline", *root.glob("baseline_*")] if p.is_dir())


@command("aisci.listTemplates", keys=(), long=False)
def list_templates(server: AisciServer, args: Args) -> wire.TemplatesResult:
    templates = []
    found: list[Path] = []
    for root in server.folders():  # each workspace folder's templates, the first folder's first
        found += [p for p in locate.find_templates(root) if p not in found]
    for path in found:
        problems = check_template(path)
        knobs = _json(path / "knobs.json")
        knobs = knobs if isinstance(knobs, list) else []
        baselines = {}
        for folder in _baseline_folders(server.results_of(path) / path.name):
            if IdeaState.read(folder).is_done("run_0"):
                # baseline/: a template without scales, whose every scale is its whole study
                baselines[
                    folder.name.removeprefix("baseline_")
                    if folder.name != "baseline"
                    else WHOLE_STUDY
                ] = str(folder)
        templates.append(
            wire.TemplateInfo(
                name=path.name,
                path=str(path),
                ok=not any(p.is_error for p in problems),
                errors=sum(p.is_error for p in problems),
                warnings=sum(not p.is_error for p in problems),
                knobs=[k.get("name") for k in knobs if isinstance(k, dict)],
                baseline=baselines,
            )
        )
    return wire.TemplatesResult(templates)


def _idea_json(
    data: dict[str, Any], folder: Path | None, with_verdict: bool = True
) -> wire.IdeaInfo:
    check = data.get("novelty_check") if isinstance(data.get("novelty_check"), dict) else None
    verdict: wire.Verdict | wire.Omit | None = wire.OMIT
    if with_verdict:
        verdict = (
            None
            if check is None
            else wire.Verdict(
                label=check.get("label"),
                reason=check.get("reason"),
                kind=check.get("kind"),
                local_only=check.get("local_only"),
                queries=check.get("queries", []),
                papers=check.get("papers", []),
            )
        )
    return wire.IdeaInfo(
        name=data.get("Name"),
        title=data.get("Title"),
        experiment=data.get("Experiment"),
        interestingness=data.get("Interestingness"),
        feasibility=data.get("Feasibility"),
        novelty=data.get("Novelty"),
        novel=data.get("novel"),
        folder=str(folder) if folder else None,
        verdict=verdict,
    )


@command("aisci.listIdeas", keys=("template",), long=False)
def list_ideas(server: AisciServer, args: Args) -> wire.IdeasResult:
    template = args.template()
    results = server.results_of(template)  # the results of the template's workspace folder
    path = results / template.name / "ideas.json"
    ideas = load_ideas(path)  # validates: a broken file is an error with its line
    seeds = _json(template / "seed_ideas.json")
    return wire.IdeasResult(
        template=template.name,
        path=str(path),
        ideas=[
            _idea_json(i.to_dict(), locate.folder_of_idea(results, template.name, i.name))
            for i in ideas
        ],
        seeds=[_idea_json(s, None, with_verdict=False) for s in seeds if isinstance(s, dict)]
        if isinstance(seeds, list)
        else [],
    )


def runs_of(server: AisciServer, folder: Path) -> dict[str, Any]:
    """``folder_runs`` as the client receives it (lsp/external_changes.py reads a run's record)."""
    answer: dict[str, Any] = wire.to_wire(folder_runs(server, folder))
    return answer


def folder_runs(server: AisciServer, folder: Path) -> wire.FolderRuns:
    holder = server.jobs.working_in(folder)  # a launch's finished ideas are not running
    steps = IdeaState.read(folder).run_rows(running=holder is not None)
    if (
        "run_0" not in steps
        and safefs.kind(folder / "run_0" / "final_info.json", root=folder) == "file"
    ):
        steps["run_0"] = Step(
            "run_0", {"status": "done", "description": "baseline (copied from the baseline folder)"}
        )
    metric, declared = meaning.of_folder(folder)
    runs = []
    for name, step in steps.items():
        # A baseline's run_0 records no means: they are read from its final_info.json, and a file
        # that cannot be read is the row's error, not a run without results.
        view = (
            RunView.read(folder, name, step)
            if name == "run_0" and "means" not in step.data
            else None
        )
        means: wire.Means = step.get("means") or (
            dict(view.final_info.means())
            if view is not None and view.final_info is not None
            else {}
        )
        problem = view.problem if view is not None and step.done else None
        runs.append(
            wire.RunInfo(
                run=name,
                status=step.get("status"),
                description=step.get("description") or ("baseline" if name == "run_0" else ""),
                means=means,
                duration_s=step.get("duration_s"),
                error=step.get("error") or problem,
                stderr=str(folder / name / "stderr.log"),
                where=step.get("node") if isinstance(step.get("node"), str) else None,
                not_reached=meaning.not_reached(declared, means),
            )
        )
    runs.sort(key=lambda r: int(r.run[4:]))
    return wire.FolderRuns(
        folder=str(folder),
        idea=locate.idea_of_folder(folder),
        running=holder.id if holder else None,
        runs=runs,
        metric=wire.SearchMetric(**metric.to_dict()) if metric else None,
    )


@command("aisci.listRuns", keys=("folder", "template"), long=False)
def list_runs(server: AisciServer, args: Args) -> wire.FolderRuns | wire.TemplateRuns:
    if args.has("folder"):
        folder = args.path("folder")
        if not (folder / "state.json").is_file():
            raise args.fail(f"{folder} is not an idea or baseline folder (it has no state.json).")
        return folder_runs(server, folder)
    template = args.template(must_exist=False)
    results = server.results_of(template)
    folders = _baseline_folders(results / template.name) + locate.idea_folders(
        results, template.name
    )
    return wire.TemplateRuns(
        template=template.name,
        folders=[folder_runs(server, f) for f in folders if (f / "state.json").is_file()],
    )


@command("aisci.getTree", keys=("folder",), long=False)
def get_tree(server: AisciServer, args: Args) -> wire.TreeResult:
    """The search record of an idea folder (tree.json) for the Search tree view: every node with
    its kind, status and metric, the best node (on the record's metric; seeds excluded) and the
    path to it, and each node's code snapshot beside its parent's for a diff."""

    folder = args.path("folder")
    if not (folder / "state.json").is_file():
        raise args.fail(f"{folder} is not an idea folder (it has no state.json).")
    tree = load_tree(folder)  # a broken record is an error that says how to repair it
    if tree is None:  # no search recorded: no metric, no nodes, no best
        return wire.TreeResult(str(folder), None, None, {}, [], None, [], None, [])
    metric = Metric.from_dict(tree.metric) if tree.metric else None
    best = tree.best(metric.better) if metric else None
    try:
        best_path = tree.path_to(best.id) if best else []
    except KeyError:  # a parent missing from the record: show the node, not a path
        best_path = [best.id] if best else []

    def code(node_id: int | None) -> str | None:
        path = folder / f"run_{node_id}.py"
        return str(path) if node_id is not None and safefs.is_file(path, root=folder) else None

    nodes = [
        wire.SearchNodeInfo(
            **{**n.to_dict(), "code": code(n.id) if n.code_file else None},
            parent_code=code(n.parent),
        )
        for n in tree.nodes
    ]
    return wire.TreeResult(
        folder=str(folder),
        search=tree.search,
        metric=wire.SearchMetric(**metric.to_dict()) if metric else None,
        settings=tree.settings,
        nodes=nodes,
        best=best.id if best else None,
        best_path=best_path,
        confirmation=tree.confirmation,
        notes=list(tree.notes),
    )


@command("aisci.listPapers", keys=("template",), long=False)
def list_papers(server: AisciServer, args: Args) -> wire.PapersResult:
    if args.has("template"):
        template = args.template(must_exist=False)
        wanted = [(server.results_of(template), template.name)]
    else:  # every template's, in every workspace folder
        wanted = [
            (results, p.name)
            for results in _results_folders(server)
            for p in sorted(results.glob("*"))
            if p.is_dir()
        ]
    papers = []
    for results, name in wanted:
        for folder in locate.idea_folders(results, name):
            idea = locate.idea_of_folder(folder)
            meta = _json(folder / "idea.json") or {}
            record = pdf_record.of_idea(folder)
            review_path = next(
                (
                    p
                    for p in (
                        folder / "review_improved.json",
                        folder / "review.json",
                        folder / "review.txt",
                    )
                    if p.is_file()
                ),
                None,
            )
            review = _json(review_path) if review_path else None
            if isinstance(review, dict) and isinstance(review.get("review"), dict):
                review = review["review"]
            summary = review_summary(review if isinstance(review, dict) else {})
            papers.append(
                wire.PaperInfo(
                    folder=str(folder),
                    idea=idea,
                    template=name,
                    title=meta.get("Title"),
                    pdf=str(record.pdf) if record else None,
                    pdf_built_at=record.built_at if record else None,
                    pdf_stale=record.stale if record else False,
                    review=str(review_path) if review_path else None,
                    kind=summary["kind"],
                    verdict=summary["verdict"],
                    scores=summary["scores"],
                    decision=summary["decision"],
                )
            )
    return wire.PapersResult(papers)


def _results_folders(server: AisciServer) -> list[Path]:
    """The results folders of the workspace folders that have one, the first folder's first."""
    return [f / "results" for f in server.folders() if (f / "results").is_dir()]


def review_summary(review: dict[str, Any]) -> dict[str, Any]:
    """What the views show of a review: a model's scores and decision, or a checklist's count
    of passed checks ("checks 5/5 passed, not judged"), never scores it does not have."""
    nothing: dict[str, Any] = {"kind": None, "verdict": None, "scores": {}, "decision": None}
    if not review:
        return nothing
    if review.get("Kind") == "checklist":
        return {**nothing, "kind": "checklist", "verdict": review.get("Verdict")}
    return {
        "kind": "model",
        "verdict": f"{review.get('Decision')}, overall {review.get('Overall')}/10",
        "scores": {k: review[k] for k in SCORES if k in review},
        "decision": review.get("Decision"),
    }


@command("aisci.getCost", keys=(), long=False)
def get_cost(server: AisciServer, args: Args) -> wire.CostInfo:
    totals = server.costs.totals()
    ledgers = []
    for results in _results_folders(server):
        found = locate.walk_results(results, max_depth=3)
        for path in sorted(
            p for p in found if p.name == "cost.json" or p.name.endswith(".cost.json")
        ):
            data = _json(path)
            totals_of = (data.get("totals") or {}) if isinstance(data, dict) else {}
            if isinstance(totals_of, dict) and "cost_usd" in totals_of:
                ledgers.append(_ledger_cost(str(path), totals_of))
    settings = server.settings_for(None)
    return wire.CostInfo(
        total_usd=totals["totalUsd"],
        unknown=totals["unknown"],
        by_stage=totals["byStage"],
        tokens_in=totals["tokensIn"],
        tokens_out=totals["tokensOut"],
        max_cost_usd=settings.max_cost_usd,
        ledgers=ledgers,
    )


def _ledger_cost(path: str, totals: dict[str, Any]) -> wire.LedgerCost:
    """A cost.json's known cost, None when none of its calls had a price, and whether any call's
    price is unknown (the known cost is then a lower bound: "at least $x")."""

    def count(key: str) -> int:
        value = totals.get(key)
        return value if isinstance(value, int) and value > 0 else 0

    calls, unpriced = count("calls"), count("unpriced_calls")
    try:
        known = round(float(totals["cost_usd"] or 0.0), 6)
    except (TypeError, ValueError):
        known, unpriced = None, max(unpriced, 1)
    return wire.LedgerCost(
        path=path, total_usd=None if calls and unpriced >= calls else known, unknown=unpriced > 0
    )


@command("aisci.renderText", keys=("path", "uri"), long=False)
def render_text(server: AisciServer, args: Args) -> wire.RenderedText:

    if args.has("uri"):
        uri = args.text("uri")
        path = uri_to_path(uri)
    else:
        path = args.path("path")
        uri = path_to_uri(path)
    document = server.open_document(uri)
    if document is not None:  # the editor's own text: nothing is read from disk
        return wire.RenderedText(render(document.source, path))
    if path is None:
        raise args.fail(f"there is no file {uri} to render.")
    # Only the workspace's files: the path with every link resolved, so a link inside the
    # workspace cannot lead out of it.
    real = path.resolve()
    if not any(real == root or root in real.parents for root in server.folders()):
        raise args.fail(
            f"{path} is outside the workspace folders; renderText reads only files inside them. "
            "Open the file in the editor, or move it into the workspace."
        )
    if not real.is_file():
        raise args.fail(f"there is no file {path} to render.")
    return wire.RenderedText(render(real.read_text(encoding="utf-8", errors="replace"), real))


@command("aisci.checkTemplateName", keys=("name", "dir"), long=False)
def check_template_name(server: AisciServer, args: Args) -> wire.TemplateNameCheck:
    """What ``aisci template new NAME --dir DIR`` would say of the name: ``problem`` is None when
    it would create the template, else the CLI's message (core/new_template.py's rule)."""
    name = args.values.get("name")
    if not isinstance(name, str):
        raise args.fail(f'"name" must be a string, found {name!r}.')
    try:
        check_new_template(name, args.path("dir"))
    except ConfigError as e:
        return wire.TemplateNameCheck(name, e.message)
    return wire.TemplateNameCheck(name, None)
