"""The scientists: who makes each decision of the cycle (see core/scientist.py)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from aisci.core.context import Context
from aisci.core.events import Log
from aisci.core.scientist import Scientist
from aisci.core.template import Template

if TYPE_CHECKING:
    from aisci.core.scientist import ChoosesMetric, CritiquesFigures, DescribesEdits, Refines
    from aisci.scientists.llm import LLMScientist
    from aisci.scientists.sweep import SweepScientist

ENGINES = {
    "semanticscholar": "semantic_scholar",
    "openalex": "openalex",
    "arxiv": "arxiv",
    "local": "local",
}


def literature_for(ctx: Context, workspace: Path | None = None):
    """The literature search the settings ask for: ``--engine`` first, then the other network
    sources, then the local corpus; ``--engine local`` searches only the local corpus (offline)."""
    from aisci.literature import Literature, LiteratureSettings

    first = ENGINES[ctx.settings.engine]
    if first == "local":
        order: tuple[str, ...] = ("local",)
    else:
        network = [first] + [b for b in ("semantic_scholar", "openalex", "arxiv") if b != first]
        order = (*network, "local")
    where = workspace or ctx.settings.workspace or Path.cwd()
    return Literature(LiteratureSettings(order=order), workspace=where)


def make_scientist(template: Template, ctx: Context) -> Scientist:
    """The scientist the settings ask for; ``auto`` is the sweep scientist when no model is set."""
    kind = ctx.settings.scientist_kind
    if kind == "sweep":
        from aisci.scientists.sweep import SweepScientist

        if ctx.settings.scientist == "auto":
            ctx.reporter.emit(
                Log(
                    "no model configured: using the sweep scientist (deterministic one-factor "
                    "ablations of the template's knobs, no LLM)",
                    "warning",
                )
            )
        return SweepScientist(template)
    from aisci.scientists.llm import LLMScientist

    return LLMScientist(template, ctx)


if TYPE_CHECKING:

    def _capabilities(
        llm: LLMScientist, sweep: SweepScientist
    ) -> tuple[Refines, CritiquesFigures, ChoosesMetric, DescribesEdits]:
        """mypy checks each scientist against the optional capabilities it has (the stages ask
        for them with isinstance); ``make_scientist`` checks both against ``Scientist``."""
        return llm, llm, llm, sweep
