"""The scientists: who makes each decision of the cycle (see core/scientist.py).

``make_scientist`` chooses one from the settings; the literature search both use is chosen in
sources.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aisci.core.context import Context
from aisci.core.events import Log
from aisci.core.scientist import Scientist
from aisci.core.template import Template
from aisci.scientists.llm import LLMScientist
from aisci.scientists.sweep import SweepScientist

if TYPE_CHECKING:
    from aisci.core.scientist import ChoosesMetric, CritiquesFigures, DescribesEdits, Refines


def make_scientist(template: Template, ctx: Context) -> Scientist:
    """The scientist the settings ask for; ``auto`` is the sweep scientist when no model is set."""
    kind = ctx.settings.scientist_kind
    if kind == "sweep":
        if ctx.settings.scientist == "auto":
            ctx.reporter.emit(
                Log(
                    "no model configured: using the sweep scientist (deterministic one-factor "
                    "ablations of the template's knobs, no LLM)",
                    "warning",
                )
            )
        return SweepScientist(template)
    return LLMScientist(template, ctx)


if TYPE_CHECKING:

    def _capabilities(
        llm: LLMScientist, sweep: SweepScientist
    ) -> tuple[Refines, CritiquesFigures, ChoosesMetric, DescribesEdits]:
        """mypy checks each scientist against the optional capabilities it has (the stages ask
        for them with isinstance); ``make_scientist`` checks both against ``Scientist``."""
        return llm, llm, llm, sweep
