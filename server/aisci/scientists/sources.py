"""The literature search a scientist asks, chosen from the settings.

Both scientists (scientists/llm, scientists/sweep) read it; it lives in its own module, below
them, so that neither imports the package that chooses between them (scientists/__init__.py).
"""

from __future__ import annotations

from pathlib import Path

from aisci.core.context import Context
from aisci.literature import Literature, LiteratureSettings

ENGINES = {
    "semanticscholar": "semantic_scholar",
    "openalex": "openalex",
    "arxiv": "arxiv",
    "local": "local",
}


def literature_for(ctx: Context, workspace: Path | None = None) -> Literature:
    """The literature search the settings ask for: ``--engine`` first, then the other network
    sources, then the local corpus; ``--engine local`` searches only the local corpus (offline)."""
    first = ENGINES[ctx.settings.engine]
    if first == "local":
        order: tuple[str, ...] = ("local",)
    else:
        network = [first] + [b for b in ("semantic_scholar", "openalex", "arxiv") if b != first]
        order = (*network, "local")
    where = workspace or ctx.settings.workspace or Path.cwd()
    return Literature(LiteratureSettings(order=order), workspace=where)
