"""Stage 3 for the LLM scientist: search rounds, then a verdict read from validated JSON.

Contract of ``judge(client, literature, idea, rounds)``:
- Each round is one fresh prompt (bounded size): the idea, the round number, every query so
  far, and the papers of the last query (title, year, venue, citations, ~300 characters of
  abstract). The answer follows ``ROUND_SCHEMA``: ``decision`` ("search" | "novel" |
  "not_novel"), ``query``, ``reason``, ``closest`` (titles). Calls are recorded under the
  stage ``"novelty"``.
- "search" runs ``query`` through the ``Literature`` (its own fallback order and time caps).
  A search that no source answers (``LiteratureUnavailable``) is shown to the model as such; it
  may search again or decide without papers, and the verdict's reason then says so.
- "novel" is accepted only after at least one search was run (or tried): a model may know a
  prior paper by heart, but it cannot know that none exists.
- When the rounds run out without a decision the idea is judged **not novel**, as the
  original system does: spending experiments on an idea nobody could clear is the costlier
  mistake. The reason says that no decision was reached, and gives the model's last reason.
  A search asked for in the last round is not run (its results would never be read).
- The verdict records every query, how many papers were seen, and the papers it cited as
  closest (title/year/venue/url/authors; a title it cited that no search returned is kept,
  marked ``found_in_search: false``). ``local_only`` is set when every search that answered
  was answered by the local corpus alone.
"""

from __future__ import annotations

import difflib
import logging
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aisci.core.ideas import Idea
from aisci.core.scientist import Verdict
from aisci.literature import LiteratureUnavailable
from aisci.llm import LLMClient

from .material import describe_idea, paper_lines
from .prompts import render

if TYPE_CHECKING:
    from aisci.literature import Literature, Paper

log = logging.getLogger(__name__)
STAGE = "novelty"
SEARCH_LIMIT = 10
TITLE_MATCH = 0.9

ROUND_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["decision", "reason"],
    "properties": {
        "decision": {"type": "string", "enum": ["search", "novel", "not_novel"]},
        "query": {"type": ["string", "null"]},
        "reason": {"type": "string"},
        "closest": {"type": "array", "items": {"type": "string"}},
    },
}


@dataclass
class _Search:
    """What the rounds have found so far."""

    queries: list[str] = field(default_factory=list)
    papers: dict[str, Paper] = field(default_factory=dict)  # normalised title -> Paper
    answered: int = 0  # searches some source answered
    local_answers: int = 0  # ... of which by the local corpus alone
    failed: list[str] = field(default_factory=list)  # why a search had no answer
    shown: str = "No search yet."

    def run(self, literature: Literature, query: str) -> None:
        self.queries.append(query)
        try:
            result = literature.search(query, limit=SEARCH_LIMIT)
        except LiteratureUnavailable as exc:
            reasons = "; ".join(f"{name}: {why}" for name, why in exc.reasons) or "no source"
            self.failed.append(reasons)
            self.shown = (
                f"The search failed: no literature source answered ({reasons}). "
                "Try another query, or decide from what you know."
            )
            return
        self.answered += 1
        self.local_answers += result.local_only
        for paper in result.papers:
            self.papers.setdefault(_norm(paper.title), paper)
        where = " (from the researcher's local corpus only)" if result.local_only else ""
        self.shown = (
            f'{len(result.papers)} papers for "{query}"{where}:\n{paper_lines(result.papers)}'
            if result.papers
            else f'No paper matched "{query}".'
        )

    @property
    def local_only(self) -> bool:
        return self.answered > 0 and self.local_answers == self.answered

    def cited(self, titles: list[str]) -> tuple[dict[str, Any], ...]:
        out, seen = [], set()
        for title in titles:
            paper = self._find(title)
            entry: dict[str, Any]
            if paper is None:
                entry = {
                    "title": title.strip(),
                    "year": None,
                    "venue": None,
                    "url": None,
                    "authors": [],
                    "found_in_search": False,
                }
            else:
                entry = {
                    "title": paper.title,
                    "year": paper.year,
                    "venue": paper.venue,
                    "url": paper.url,
                    "authors": list(paper.authors),
                }
            if entry["title"] and entry["title"] not in seen:
                seen.add(entry["title"])
                out.append(entry)
        return tuple(out)

    def _find(self, title: str) -> Paper | None:
        key = _norm(title)
        if key in self.papers:
            return self.papers[key]
        scored = [
            (difflib.SequenceMatcher(None, key, k).ratio(), p) for k, p in self.papers.items()
        ]
        best: tuple[float, Paper | None] = max(scored, key=lambda sp: sp[0], default=(0.0, None))
        return best[1] if best[0] >= TITLE_MATCH else None


def _norm(title: str) -> str:
    return re.sub(r"[^a-z0-9 ]+", "", " ".join(title.lower().split()))


def judge(client: LLMClient, literature: Literature, idea: Idea, rounds: int) -> Verdict:
    system = {"role": "system", "content": render("novelty_system")}
    search = _Search()
    answer: dict[str, Any] = {}
    note = ""
    for n in range(1, rounds + 1):
        last = " (the last one: decide now, novel or not_novel)" if n == rounds else ""
        user = render(
            "novelty_round",
            idea=describe_idea(idea),
            round=n,
            rounds=rounds,
            last_round=last,
            queries="; ".join(f'"{q}"' for q in search.queries) or "none",
            results=(note + search.shown).strip(),
        )
        answer = client.complete_json(
            [system, {"role": "user", "content": user}], ROUND_SCHEMA, stage=STAGE
        )
        decision, query = answer["decision"], (answer.get("query") or "").strip()
        note = ""
        if decision == "not_novel" or (decision == "novel" and search.queries):
            return _verdict(answer, search)
        if decision == "novel":
            note = "You decided novel without any search; search first.\n"
        elif n == rounds:
            break  # the model would never see the results of a last search
        elif query:
            search.run(literature, query)
        else:
            note = "Your last answer asked for a search but gave no query.\n"
    last_reason = str(answer.get("reason", "")).strip()
    return Verdict(
        novel=False,
        kind="model",
        local_only=search.local_only,
        queries=tuple(search.queries),
        papers=search.cited(list(answer.get("closest") or [])),
        papers_seen=len(search.papers),
        reason=f"No decision within {rounds} round(s) of search, so judged not novel (the conservative "
        f"rule)." + (f" The model's last note: {last_reason}" if last_reason else ""),
    )


def _verdict(answer: dict[str, Any], search: _Search) -> Verdict:
    novel = answer["decision"] == "novel"
    reason = str(answer["reason"]).strip() or ("no reason given")
    if search.failed and not search.answered:
        reason = f"No literature source answered any search; decided by the model without papers: {reason}"
    return Verdict(
        novel=novel,
        reason=reason,
        kind="model",
        local_only=search.local_only,
        queries=tuple(search.queries),
        papers=search.cited(list(answer.get("closest") or [])),
        papers_seen=len(search.papers),
    )
