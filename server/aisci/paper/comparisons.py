"""Two stated numbers that a sentence compares, and the pairs whose words and values disagree.

``contradictions(masked, numbers)`` looks at each two consecutive numbers of one kind (means,
not the spreads after ``\\pm``) joined by "from A to B", or by "A instead of B", "rather than",
"against", "versus", "compared to/with" (a spread and a unit of A may stand between). Such a
pair compares two results, so the two values differ: the same value twice means that one of
them is a wrong copy. And "from A to B" after a word of a fall ("drops", "reduces", "lowers",
"shortens") must fall, after a word of a rise ("raises", "increases", "lifts") must rise;
"improves" says nothing of the direction (a lower loss is better). Each contradiction is
reported at the second number of its pair (and at the first, where it stands on another line).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from aisci.paper.stated_numbers import StatedNumber

_LITERAL = re.compile(r"[-+]?[\d.,]+")
_UNIT = r"(?:[\s$~]*(?:\\pm|±)[\s$~]*[\d.]+)?[\s$~]*(?:\\?%|ms|s|min|h|steps?|points?|pp)?[\s$~]*"
_FROM_TO = re.compile(_UNIT + r"to[\s$~]*")
_VERSUS = re.compile(
    _UNIT + r"(?:instead of|rather than|against|versus|vs\.?|compared (?:to|with))[\s$~]*"
)
_FROM = re.compile(r"\bfrom[\s$~]*$")
_FALL = re.compile(
    r"\b(?:drops?|dropped|falls?|fell|reduc\w*|lower(?:s|ed)?|decreas\w*|declin\w*|shrinks?|"
    r"shrank|shortens?|shortened|cuts?)\b",
    re.I,
)
_RISE = re.compile(
    r"\b(?:rais\w*|rises?|rose|increas\w*|lifts?|lifted|grows?|grew|lengthens?|boosts?)\b", re.I
)
_CLAUSE_START = re.compile(r"[.;:!?]\s")


@dataclass(frozen=True)
class Contradiction:
    number: StatedNumber
    why: str


def contradictions(masked: str, numbers: list[StatedNumber]) -> list[Contradiction]:
    """The numbers of self-contradicting comparisons in ``masked`` (see the module contract)."""
    means = [n for n in numbers if n.pm != "spread"]
    found: list[Contradiction] = []
    for a, b in itertools.pairwise(means):
        literal = _LITERAL.match(masked, a.offset)
        if literal is None or a.percent != b.percent or a.unit != b.unit:
            continue
        between = masked[literal.end() : b.offset]
        from_to = _FROM.search(masked[max(0, a.offset - 12) : a.offset]) and _FROM_TO.fullmatch(
            between
        )
        versus = _VERSUS.fullmatch(between)
        if not (from_to or versus):
            continue
        why = None
        if a.signed == b.signed:
            joined = "from ... to" if from_to else " ".join(between.split()[-2:]).strip("$~ ")
            why = (
                f'is compared ("{joined}") with the same value {a.text}: '
                "one of them is not its result"
            )
        elif from_to:
            lead = masked[max(0, a.offset - 90) : a.offset]
            starts = list(_CLAUSE_START.finditer(lead))
            lead = lead[starts[-1].end() :] if starts else lead
            words = [(m.start(), "fall") for m in _FALL.finditer(lead)]
            words += [(m.start(), "rise") for m in _RISE.finditer(lead)]
            if words:
                said = max(words)[1]
                if (said == "fall") != (b.signed < a.signed):
                    went = "higher" if b.signed > a.signed else "lower"
                    why = f"is said to {said} from {a.text}, but is {went}"
        if why:
            found.append(Contradiction(b, why))
            if a.line != b.line:
                found.append(Contradiction(a, f"and {b.text}: {why}"))
    return found
