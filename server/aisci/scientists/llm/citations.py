"""Stage 6's citations for the LLM scientist: at most ``CITE_ROUNDS`` searches; in each call
the model picks papers of the last search by number and gives the next query (null = enough).
Returns the picked papers' BibTeX. No literature source answering the first search raises
``AisciError`` (the stage writes the paper without new citations and notes why)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aisci.core.scientist import PaperJob
from aisci.errors import AisciError
from aisci.literature import LiteratureUnavailable

from .material import describe_idea, paper_lines
from .paper_material import bib_keys
from .prompts import render

if TYPE_CHECKING:
    from aisci.core.context import Context
    from aisci.literature import Paper, SearchResult
    from aisci.llm import LLMClient

log = logging.getLogger(__name__)
CITE_ROUNDS = 3  # searches per paper; the model may stop earlier
CITE_LIMIT = 8  # papers shown per search

CITE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["pick", "query"],
    "properties": {
        "pick": {"type": "array", "items": {"type": "integer"}},
        "query": {"type": ["string", "null"]},
        "reason": {"type": "string"},
    },
}


def find_citations(
    client: LLMClient, search: Callable[[str, int], SearchResult], job: PaperJob, ctx: Context
) -> str:
    """``search(query, limit)``: the scientist's literature search, made only when it is used."""
    rounds = max(0, int(getattr(ctx.settings, "citation_rounds", CITE_ROUNDS)))
    if rounds == 0:
        return ""
    existing = bib_keys(job)
    chosen: dict[str, Paper] = {}
    shown: list[Paper] = []
    results, queries, answered = "No search yet: give the first query.", [], 0
    system = {"role": "system", "content": render("cite_system")}
    for n in range(1, rounds + 2):
        ctx.check_cancelled("The citation search")
        last = n == rounds + 1
        user = render(
            "cite_round",
            idea=describe_idea(job.idea),
            existing="\n".join(f"- {t}" for t in existing.values()) or "nothing",
            chosen="\n".join(f"- {p.title}" for p in chosen.values()) or "nothing",
            round=n,
            rounds=rounds + 1,
            last=" (the last: pick now; no further search)" if last else "",
            results=results,
        )
        answer = client.complete_json(
            [system, {"role": "user", "content": user}], CITE_SCHEMA, stage="citations"
        )
        for i in answer.get("pick") or []:
            if 1 <= i <= len(shown):
                paper = shown[i - 1]
                chosen.setdefault(paper.bibtex_key or paper.title, paper)
        query = " ".join(str(answer.get("query") or "").split())
        if last or not query:
            break
        if query in queries:
            results, shown = (
                f'You searched "{query}" already; pick from the papers above or stop.',
                [],
            )
            continue
        queries.append(query)
        try:
            found = search(query, CITE_LIMIT)
        except LiteratureUnavailable as exc:
            reasons = "; ".join(f"{name}: {why}" for name, why in exc.reasons) or "no source"
            if not answered:
                raise AisciError(
                    f"The citations of {job.idea.name} could not be searched: no literature source "
                    f"answered ({reasons}).",
                    "Check the network or --engine, or add a references/ folder (BibTeX or JSONL) for "
                    "offline use; then write the Related Work again.",
                ) from None
            log.warning(
                "citation search for %r failed (%s); keeping the %d paper(s) chosen",
                query,
                reasons,
                len(chosen),
            )
            break
        answered += 1
        shown = list(found.papers)
        results = (
            f'{len(shown)} papers for "{query}":\n{paper_lines(shown, abstract_chars=200)}'
            if shown
            else f'No paper matched "{query}".'
        )
    return "".join(p.bibtex.strip() + "\n\n" for p in chosen.values())
