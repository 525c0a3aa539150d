"""Word handling shared by the local corpus (BM25), arXiv query building and the cache key.

Contract: ``tokenize`` lowercases, ASCII-folds, splits on non-alphanumerics and drops English
stopwords and one-letter tokens; ``normalize_query`` keeps word order and every word (only case,
punctuation and spacing are normalized) so two queries share a cache entry exactly when they
would send the same words.
"""

from __future__ import annotations

import re

from aisci.literature.paper import ascii_fold

STOPWORDS = frozenset("""
a about above after again against all am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had
has have having he her here hers him his how i if in into is it its itself just me more most my
no nor not of off on once only or other our ours out over own same she should so some such than
that the their theirs them then there these they this those through to too under until up very
was we were what when where which while who whom why will with would you your yours using use
used via towards toward based new novel approach method study
""".split())

_WORD_RE = re.compile(r"[a-z0-9]+")


def tokenize(text: str | None) -> list[str]:
    if not text:
        return []
    words = _WORD_RE.findall(ascii_fold(text).lower())
    return [w for w in words if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]


def normalize_query(query: str) -> str:
    """``"  Grokking,  in Transformers!"`` -> ``"grokking in transformers"``."""
    return " ".join(re.sub(r"[^\w\s]", " ", query.lower()).split())
