"""Stages 2 and 3: ideas and their novelty check.

``results/<template>/ideas.json`` is the archive of generated ideas (the original's list
format; seed ideas stay in the template). Each idea is saved the moment it exists, and each
verdict the moment it is reached, so a kill loses at most the idea or verdict in progress.
A verdict is stored with its idea: ``novel`` (the contract's key, only for a model's verdict),
``novelty_kind`` ("model" or "unchecked"), ``novelty_note`` (the reason) and ``novelty_check``
(the reason, the queries and the papers that decided it).
"""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path

from aisci.core.atomic import write_json_atomic
from aisci.core.context import Context
from aisci.core.events import IdeasChanged, Log, Progress, StageFinished, StageStarted
from aisci.core.ideas import Idea, idea_problems
from aisci.core.scientist import Scientist
from aisci.core.template import Template
from aisci.errors import AisciError

TITLE_SIMILARITY = 0.9


def ideas_path(results: Path, template: Template) -> Path:
    return Path(results) / template.name / "ideas.json"


def load_ideas(path: Path) -> list[Idea]:
    if not path.is_file():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise AisciError(
            f"{path} is not valid JSON: {e.msg} (line {e.lineno}).",
            "Fix or delete the file; it is rewritten whole by aisci.",
        ) from None
    if not isinstance(data, list):
        raise AisciError(f"{path} must be a list of ideas.", "Fix or delete the file.")
    ideas = []
    for i, entry in enumerate(data):
        errors = [m for s, m in idea_problems(entry) if s == "error"]
        if errors:
            raise AisciError(
                f"{path}: idea {i + 1} is invalid: {'; '.join(errors)}.",
                "Fix that entry or remove it.",
            )
        ideas.append(Idea.from_dict(entry))
    return ideas


def save_ideas(path: Path, ideas: list[Idea]) -> None:
    write_json_atomic(path, [idea.to_dict() for idea in ideas])


def _norm_title(title: str) -> str:
    return re.sub(r"[^a-z0-9 ]+", "", title.lower()).strip()


def is_duplicate(idea: Idea, others: list[Idea]) -> Idea | None:
    for other in others:
        if other.name == idea.name:
            return other
        if (
            difflib.SequenceMatcher(None, _norm_title(idea.title), _norm_title(other.title)).ratio()
            >= TITLE_SIMILARITY
        ):
            return other
    return None


def generate_ideas(
    template: Template, scientist: Scientist, ctx: Context, num_ideas: int
) -> list[Idea]:
    """Ask for ``num_ideas`` new ideas, one at a time; returns the new ones (saved as they come)."""
    path = ideas_path(ctx.settings.results, template)
    archive = load_ideas(path)
    ctx.reporter.emit(
        StageStarted(
            "ideas",
            str(path.parent),
            f"{num_ideas} new idea(s) with the {scientist.kind} scientist",
        )
    )
    new: list[Idea] = []
    attempts = 0
    while len(new) < num_ideas and attempts < num_ideas * 2:
        ctx.check_cancelled("Idea generation")
        attempts += 1
        candidates = scientist.generate_ideas(template, list(template.seed_ideas) + archive, 1, ctx)
        if not candidates:
            ctx.reporter.emit(Log("the scientist has no further idea", "warning"))
            break
        for idea in candidates:
            twin = is_duplicate(idea, list(template.seed_ideas) + archive)
            if twin is not None:
                ctx.reporter.emit(
                    Log(f"dropped idea {idea.name}: it repeats {twin.name}", "warning")
                )
                continue
            archive.append(idea)
            new.append(idea)
            save_ideas(path, archive)
            ctx.reporter.emit(IdeasChanged(template.name, str(path)))
            ctx.reporter.emit(
                Progress(
                    "ideas",
                    f"idea {len(new)}/{num_ideas}: {idea.name}",
                    100.0 * len(new) / num_ideas,
                )
            )
    ctx.reporter.emit(
        StageFinished("ideas", str(path.parent), outputs={"ideas": [i.name for i in new]})
    )
    return new


def existing_ideas(template: Template, ctx: Context) -> list[Idea]:
    """``--skip-idea-generation``: the archive, else an original-style ideas.json in the template."""
    for path in (ideas_path(ctx.settings.results, template), template.path / "ideas.json"):
        ideas = load_ideas(path)
        if ideas:
            return ideas
    raise AisciError(
        f"There are no ideas to use for {template.name}: neither "
        f"{ideas_path(ctx.settings.results, template)} nor {template.path / 'ideas.json'} exists.",
        "Generate some first (drop --skip-idea-generation).",
    )


def check_novelty(
    template: Template, scientist: Scientist, ctx: Context, names: list[str] | None = None
) -> list[Idea]:
    """Judge every idea of the archive (or those named) that has no verdict yet."""
    path = ideas_path(ctx.settings.results, template)
    ideas = load_ideas(path)
    todo = [i for i in ideas if i.novel is None and (names is None or i.name in names)]
    ctx.reporter.emit(StageStarted("novelty", str(path.parent), f"{len(todo)} idea(s) to check"))
    for n, idea in enumerate(todo, 1):
        ctx.check_cancelled("The novelty check")
        verdict = scientist.judge_novelty(template, idea, ctx)
        checked = Idea(
            idea.name,
            idea.title,
            idea.experiment,
            idea.interestingness,
            idea.feasibility,
            idea.novelty,
            verdict.novel,
            {
                **idea.extra,
                "novelty_check": verdict.to_dict(),
                "novelty_kind": verdict.kind,
                "novelty_note": verdict.reason,
            },
        )
        ideas = [checked if i.name == idea.name else i for i in load_ideas(path)]
        save_ideas(path, ideas)
        ctx.reporter.emit(IdeasChanged(template.name, str(path)))
        ctx.reporter.emit(
            Progress("novelty", f"{idea.name}: {verdict.label}", 100.0 * n / len(todo))
        )
    ctx.reporter.emit(StageFinished("novelty", str(path.parent)))
    return [i for i in load_ideas(path) if names is None or i.name in names]
