"""The research cycle's order, and ``aisci launch``: the whole cycle for a template, several
ideas at once, resumable.

This module sits above every stage (core's stages 1-5, paper's 6-9) and below the front ends,
which both call it: the CLI's ``aisci launch`` and the language server's ``aisci.launch``.

baseline -> ideas -> novelty -> for every novel (or unchecked) idea, in its own folder:
experiments -> plots -> (paper stages, when configured). The launch itself is recorded in
``results/<template>/state.json`` (which ideas belong to it, which folder each has), so
``--resume`` finds the idea folders of an interrupted launch and continues each at its first
unfinished step; a finished run is never run again.
"""

from __future__ import annotations

import concurrent.futures as futures
import json
import queue
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from aisci.core.baseline import baseline_for
from aisci.core.context import Context
from aisci.core.events import ErrorEvent, Log, StageFinished, StageStarted
from aisci.core.experiments import run_experiments
from aisci.core.folders import create_idea_folder
from aisci.core.ideas import Idea
from aisci.core.ideation import (
    check_novelty,
    existing_ideas,
    generate_ideas,
    ideas_path,
    load_ideas,
)
from aisci.core.plots import make_plots
from aisci.core.records import IdeaStage, IdeaState, LaunchRecord
from aisci.core.scientist import Scientist
from aisci.core.search.stage import run_search
from aisci.core.state import State
from aisci.core.template import Template
from aisci.errors import AisciError
from aisci.llm.answer_store import working_in
from aisci.paper import build as paper_build
from aisci.paper.stages import paper_stages


@dataclass(frozen=True)
class IdeaOutcome:
    idea: str
    folder: Path | None
    ok: bool
    message: str


@dataclass(frozen=True)
class LaunchOutcome:
    template: str
    ideas: tuple[IdeaOutcome, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return all(i.ok for i in self.ideas)


def idea_stages(ctx: Context) -> list[tuple[str, IdeaStage]]:
    """The per-idea stages in order; the paper stages join when the settings ask for them."""
    experiments: IdeaStage = run_search if ctx.settings.search == "tree" else run_experiments
    stages: list[tuple[str, IdeaStage]] = [("experiments", experiments), ("plots", make_plots)]
    return stages + paper_stages(ctx)


def _idea_name(folder: Path) -> str:
    try:
        return json.loads((folder / "idea.json").read_text(encoding="utf-8"))["Name"]
    except (OSError, ValueError, KeyError):
        return folder.name


def run_idea(folder: Path, scientist: Scientist, ctx: Context) -> IdeaOutcome:
    # This idea's model calls keep their answers and cost in its folder: a resume pays once.
    with working_in(folder):
        return _run_idea(folder, scientist, ctx)


def _run_idea(folder: Path, scientist: Scientist, ctx: Context) -> IdeaOutcome:
    idea = _idea_name(folder)
    said: list[str] = []
    for name, stage in idea_stages(ctx):
        ctx.check_cancelled()
        outcome = stage(folder, scientist, ctx)
        if not outcome.ok:
            return IdeaOutcome(idea, folder, False, f"{name}: {outcome.message}")
        if name in ("review", "improvement"):
            said.append(f"{name}: {outcome.message}")
    said += _caveats(folder)
    build = IdeaState.of(State.load(folder)).build
    unmatched = build.unmatched_numbers
    if build.consistency_mismatches:
        # A paper stating numbers no run produced is not a finished paper, whatever its review says.
        return IdeaOutcome(
            idea,
            folder,
            False,
            "; ".join(
                [
                    f"the paper states {build.consistency_mismatches} number(s) that match no run's results: "
                    f"{', '.join(unmatched) or 'see aisci check'} (fix latex/template.tex; aisci check shows them)",
                    *said,
                ]
            ),
        )
    return IdeaOutcome(idea, folder, True, "; ".join(["finished", *said]))


def _caveats(folder: Path) -> list[str]:
    """What the summary must say about how far a finished idea was checked."""
    try:
        data = json.loads((folder / "idea.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if data.get("novel") is None:
        note = (
            (data.get("novelty_check") or {}).get("label")
            if isinstance(data.get("novelty_check"), dict)
            else None
        )
        return [f"novelty {note or 'unchecked'}"]
    return []


def idea_folder_in(root: Path, recorded: str) -> Path:
    """The idea folder a launch state names, always inside ``root`` (results/<template>)."""
    return Path(root) / Path(recorded).name


def launch(
    template: Template,
    scientist: Scientist,
    ctx: Context,
    *,
    skip_idea_generation: bool = False,
    skip_novelty_check: bool = False,
    resume: bool = False,
) -> LaunchOutcome:
    settings = ctx.settings
    root = Path(settings.results) / template.name
    state = State.load(root, template=template.name)
    if settings.writeup:
        # Found out now, not after the money for ideas and experiments is spent.
        missing = paper_build.tex_available()
        if missing:
            raise AisciError(
                f"Cannot launch {template.name} with a write-up: {missing}",
                "Install TeX (make setup does it on Debian), or launch with --writeup none.",
            )
    if resume:
        resumed = LaunchRecord.of(state)
        if resumed is None:
            raise AisciError(
                f"There is no launch of {template.name} to resume in {root}.",
                "Start one without --resume.",
            )
        ctx.reporter.emit(Log(f"resuming the launch started {resumed.started}"))
        record = resumed
    else:
        archive = [i.name for i in load_ideas(ideas_path(settings.results, template))]
        record = LaunchRecord(
            time.strftime("%Y-%m-%dT%H:%M:%S"),
            settings.scale,
            scientist.kind,
            archive_before=tuple(archive),
        )
        state.set("launch", record.to_dict())
        for step in ("ideas", "novelty"):
            state.forget(step)
    ctx.reporter.emit(
        StageStarted(
            "launch",
            str(root),
            f"{template.name}, {scientist.kind} scientist, scale {settings.scale}",
        )
    )

    baseline = baseline_for(template, ctx)

    if not state.is_done("ideas"):
        if skip_idea_generation:
            ideas = existing_ideas(template, ctx)
        else:
            # Ideas this launch saved before it stopped (a cost cap, a kill) count towards --num-ideas.
            before = set(record.archive_before)
            ideas = [
                i
                for i in load_ideas(ideas_path(settings.results, template))
                if i.name not in before
            ]
            if len(ideas) < settings.num_ideas:
                ideas += generate_ideas(template, scientist, ctx, settings.num_ideas - len(ideas))
        record = replace(record, ideas=tuple(i.name for i in ideas))
        state.set("launch", record.to_dict())
        state.record("ideas", names=list(record.ideas))
    names = list(record.ideas)

    if not state.is_done("novelty"):
        if skip_novelty_check:
            ctx.reporter.emit(
                Log("novelty check skipped: ideas without a verdict run as unchecked", "warning")
            )
        else:
            check_novelty(template, scientist, ctx, names)
        state.record("novelty", skipped=skip_novelty_check)
    by_name = {i.name: i for i in load_ideas(ideas_path(settings.results, template))}
    if not by_name:  # --skip-idea-generation with an original-style ideas.json in the template
        by_name = {i.name: i for i in existing_ideas(template, ctx)}
    chosen: list[Idea] = []
    for name in names:
        idea = by_name.get(name)
        if idea is None:
            continue
        if idea.novel is False:
            ctx.reporter.emit(Log(f"{name}: not novel, skipped"))
            continue
        if idea.novel is None:
            why = idea.extra.get("novelty_note") or "no novelty verdict"
            ctx.reporter.emit(
                Log(f"{name}: novelty unchecked ({why}); running it anyway", "warning")
            )
        chosen.append(idea)

    # Idea folders are recorded by name, relative to this results folder, so a copied or moved
    # results folder resumes in itself (older launches recorded absolute paths: their name counts).
    folders: dict[str, str] = dict(record.folders)
    for idea in chosen:
        if idea.name not in folders or not idea_folder_in(root, folders[idea.name]).is_dir():
            folder = create_idea_folder(settings.results, template, idea, baseline.folder / "run_0")
            folders[idea.name] = folder.name
            record = replace(record, folders=dict(folders))
            state.set("launch", record.to_dict())
    outcomes = _run_ideas([idea_folder_in(root, folders[i.name]) for i in chosen], scientist, ctx)
    result = LaunchOutcome(template.name, tuple(outcomes))
    ctx.reporter.emit(
        StageFinished(
            "launch",
            str(root),
            ok=result.ok,
            message=f"{sum(o.ok for o in outcomes)}/{len(outcomes)} idea(s) finished",
        )
    )
    return result


def _run_ideas(folders: list[Path], scientist: Scientist, ctx: Context) -> list[IdeaOutcome]:
    """Each idea on its own worker; with GPUs, each worker owns one for as long as it runs."""
    workers = max(1, min(ctx.settings.parallel, len(folders) or 1))
    gpus: queue.Queue = queue.Queue()
    for gpu in ctx.settings.gpus or [None] * workers:
        gpus.put(gpu)

    def work(folder: Path) -> IdeaOutcome:
        gpu = gpus.get()
        try:
            return run_idea(folder, scientist, ctx.for_worker(gpu))
        except AisciError as e:
            if ctx.cancel.is_set() or e.stops_launch:
                raise  # the front end shows the error that ends the launch: once, not here too
            ctx.reporter.emit(ErrorEvent("launch", e.message, e.hint, str(folder)))
            return IdeaOutcome(_idea_name(folder), folder, False, e.message)
        finally:
            gpus.put(gpu)

    if workers == 1:
        return [work(f) for f in folders]
    with futures.ThreadPoolExecutor(workers, thread_name_prefix="aisci-idea") as pool:
        return list(pool.map(work, folders))


def new_idea_folder(template: Template, name: str, ctx: Context) -> Path:
    """A folder for idea ``name`` (generated or a seed idea) made as a launch makes it: from the
    baseline's run_0, which runs first when it has not."""
    known = {
        i.name: i
        for i in list(template.seed_ideas) + load_ideas(ideas_path(ctx.settings.results, template))
    }
    if name not in known:
        raise AisciError(
            f"There is no idea {name} in {ideas_path(ctx.settings.results, template)} or the seed "
            f"ideas of {template.name}.",
            "Generate ideas first, or give the name of an existing idea.",
        )
    baseline = baseline_for(template, ctx)
    return create_idea_folder(
        ctx.settings.results, template, known[name], baseline.folder / "run_0"
    )
