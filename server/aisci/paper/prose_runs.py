"""Which run a sentence of a paper's prose says a number is of (``ProseRuns.runs``).

The run named right after the number ("2467 for the baseline", "53.3 s on dino with Run~1"),
else earlier in its clause (an "and" right before the number continues the clause before,
whose subject it shares, not the run named after that clause's value: in "0.35 for the
baseline and 0.27", 0.27 is not the baseline's; in a list, "A on X, B on Y and C on Z", the
clause that opens it; a clause that repeats the comparison word of the clause before, that
clause's). A run named after "from", "than", "above"... is a reference, not the subject, and a
run named after "combining it with" or "together with" a part of a combination: with the
subject, the one run whose title joins both titles.

A number right after a comparison word ("from", "instead of", "against", "than") is the
reference: the sentence's other runs and the baseline, not the subject's run; the other number
of "from A to B" is the subject's. Where the clause names no run, the subject is carried from
an earlier clause of the sentence (not across "while"), else from the paragraph's latest
sentence that names one (its first run named), unless the number's clause (or, from the
paragraph, its sentence) holds a word of a run's title that is not the carried run's ("Warmup
alone helps less": a run the vocabulary cannot tell), a run has no title at all, the number is
an item of a list of values ("182.4 s, 176.9 s and 171.3 s respectively") or is followed by
"without". Empty: not said (any run).
"""

from __future__ import annotations

import re

from aisci.paper.naming import Vocabulary

# Between a comparison word and the number it introduces: "instead of 2467", "than the
# baseline's 0.91"; not "from the distilled student lowers its accuracy to 97.02".
_JUST_AFTER_CUE = re.compile(
    r"[\s$~]*(?:(?:the|a|an|its|their|that|those|of)\s+){0,2}(?:[\w'-]+\s+){0,2}[\s$~+\-−]*"
)
# A list of values whose runs the sentence gives in order, or not at all.
_RESPECTIVELY = re.compile(
    r"\brespectively\b|[\d.]\s*(?:\\?%|s|ms)?\s*\$?\s*(?:,|\band\b)\s*\$?\s*$", re.I
)
_NEXT_IN_LIST = re.compile(r"[-+]?[\d.,]+\s*(?:\\?%|s|ms)?\s*\$?\s*(?:,|\band\b)\s*\$?\s*[-+]?\d")
_WITHOUT_AFTER = re.compile(r"[-+]?[\d.,]+\s*\$?\s*(?:\\?%|ms|s|min|h)?\s*\$?\s*without\b")
_RUN_NUMBER = re.compile(r"\b[Rr]uns?[\s~_]*\d+")  # "run 3" is a name, not a value
_CONTRAST = re.compile(r"\b(?:while|whereas|unlike)\b", re.I)
_PARAGRAPH_START = re.compile(
    r"\n\s*\n|\\(?:paragraph|item|caption|(?:sub)*section)\b|\\(?:begin|end)\{"
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\\])|\n\s*\n|\\(?:paragraph|item|caption)\b")
_COMPARISON = re.compile(
    r"\b(?:from|instead of|against|versus|vs\.?|than|compared|relative to|over)\b", re.I
)
# A number, its spread and unit, then "for the baseline", "with Run~2"...
_RUN_AFTER = re.compile(
    r"\S+(?:\s*\$?\s*(?:\\pm|±)\s*\$?\s*[\d.]+)?[\s$%\\]*(?:[a-z]+\s+)??"
    r"(?:for|of|with|by|in|on)\s+(?:the\s+)?",
    re.I,
)
# After "<number> on": a data set, then the run: "53.3 s on \texttt{dino} with Run~1".
_THEN_RUN = re.compile(r"(?:\\texttt\s*\{[^}]*\}|[\w\\]+)\s+(?:with|for|by|of)\s+(?:the\s+)?", re.I)
_LIST_ITEM = re.compile(
    r"[\s$~]*[-+]?\d[\d.,]*(?:\s*\$?\s*(?:\\pm|±)\s*\$?\s*[\d.]+)?\$?\s*(?:\\?%|ms|s|min|h)?"
    r"\s*(?:on|for|in)\s+(?:the\s+)?(\\texttt\s*\{[^}]*\}|[\w\\-]+)(?:\s+(?:data\s*set|task))?[\s$~]*"
)
_TRAILING_BREAK = re.compile(r"(?:[\s,;:$~]|\b(?:and|while|whereas)\b)+$")
# A number, its spread and its unit: what comes after them may name its metric ("1483 steps").
NUMBER_TAIL = re.compile(
    r"[-+]?[\d.,]+(?:\s*\$?\s*(?:\\pm|±)\s*\$?\s*[\d.]+)?\$?(?:\s*\\?%|\s*(?:ms|s|min|h)\b)?"
)
CLAUSE_BREAK = re.compile(r"[;:]|,\s|\b(?:while|whereas|but|and)\b", re.I)
# Where the subject may change: "X reaches A, while Y reaches B" ("but" keeps it: "X memorises
# but generalises to A").
_SUBJECT_BREAK = re.compile(r"[;:]|,\s|\b(?:while|whereas|and)\b", re.I)


class ProseRuns:
    """The runs the prose of one paper (``masked``: ``tex_mask.blank_non_prose``) gives its
    numbers."""

    def __init__(self, masked: str, vocab: Vocabulary) -> None:
        self.masked, self.vocab = masked, vocab

    def sentence(self, offset: int) -> tuple[int, int]:
        start = max(0, offset - 1500)  # a "sentence" longer than that is a list or a table
        for m in _SENTENCE_END.finditer(self.masked, start, offset):
            start = m.end()
        end = _SENTENCE_END.search(self.masked, offset)
        return start, end.start() if end else len(self.masked)

    def paragraph_start(self, a: int) -> int:
        starts = list(_PARAGRAPH_START.finditer(self.masked, max(0, a - 3000), a + 1))
        return starts[-1].end() if starts else max(0, a - 3000)

    def runs(self, a: int, before: str, after: str, sentence: str) -> frozenset[str]:
        """The run named right after the number ("2467 for the baseline"), else earlier in its
        clause ("Run 3 reaches 0.95 on A and 0.93 on B": an "and" right before the number does
        not end it, though the run of its value does not carry over), else the subject carried
        from earlier in the sentence or paragraph (``_carried``). A number right after a
        comparison word ("from", "instead of", "than") is the reference: the sentence's other
        runs and the baseline, not its subject; the other number of "from A to B" is the
        subject's. Empty: not said."""
        v = self.vocab
        right_after = _RUN_AFTER.match(after)
        rest = after[right_after.end() :] if right_after else ""
        named_after = v.run_mentions(rest[:60])
        if not (named_after and named_after[0][0] <= 1):  # "53.3 s on dino with Run~1"
            then = _THEN_RUN.match(rest)
            named_after = v.run_mentions(rest[then.end() :][:60]) if then else []
        if named_after and named_after[0][0] <= 1:
            return named_after[0][1]
        clause = clause_around(before, "", _SUBJECT_BREAK)
        named_before = v.whole_mentions(clause)
        if re.fullmatch(r"[\s$~]*", clause):  # "... and 0.93": the clause before continues,
            head = _drop_and(before)
            clause = clause_around(head, "", _SUBJECT_BREAK)
            named_before = v.subject_mentions(clause)  # its subject, not its value's run
            for _ in range(8):  # "Run 3 reaches A on X, B on Y and C on Z": the list's subject
                breaks = list(_SUBJECT_BREAK.finditer(head))
                item = self._list_item(clause) or re.fullmatch(r"[\s$~]*", clause)  # ", B on Y"
                if named_before or not breaks or not item:
                    break
                head = _drop_and(head[: breaks[-1].start()])
                clause = clause_around(head, "", _SUBJECT_BREAK)
                named_before = v.subject_mentions(clause)
        if not named_before:
            named_before = self._parallel(before, after)
        cues = list(_COMPARISON.finditer(clause))
        cue = cues[-1] if cues else None
        since_cue = _RUN_NUMBER.sub(" ", clause[cue.end() :]) if cue else ""
        reference = cue is not None and bool(_JUST_AFTER_CUE.fullmatch(since_cue))
        if cue is not None and re.search(r"\d", since_cue):  # "from A to B": B is the
            named_before = v.subject_mentions(clause[: cue.start()])  # subject's
        if not named_before:
            carried = self._carried(a, before, after)
            if not carried:
                return frozenset()
            subject = carried
        else:
            subject = named_before[-1][1]
        runs = set(subject)
        if reference:
            others = (v.runs_in(sentence) | {"run_0"}) & set(v.runs)
            named_as_reference = v.run_mentions(clause[cue.end() :]) if cue else []
            if not named_as_reference and len(subject) == 1 and others - subject:
                return frozenset(others - subject)  # "X takes 53 s instead of 41 s"
            runs |= others
        return frozenset(runs)

    def _list_item(self, clause: str) -> bool:
        """A clause that is one value and its data set ("0.98 on enwik8"): an item of a list
        whose run the clause that opens the list names."""
        item = _LIST_ITEM.fullmatch(clause)
        return item is not None and bool(self.vocab.datasets_in(item.group(1)))

    def _parallel(self, before: str, after: str) -> list[tuple[int, frozenset[str]]]:
        """The subject of the clause before, when this one repeats its comparison ("A takes
        53 s with Run 1 instead of 41 s, and sampling takes 0.25 s instead of 0.19 s")."""
        cue = _COMPARISON.search(clause_around(before, after, _SUBJECT_BREAK))
        breaks = list(_SUBJECT_BREAK.finditer(before))
        if cue is None or not breaks:
            return []
        prev = clause_around(
            _TRAILING_BREAK.sub("", before[: breaks[-1].start()]), "", _SUBJECT_BREAK
        )
        if not re.search(rf"\b{re.escape(cue.group(0).lower())}\b", prev.lower()):
            return []
        return self.vocab.subject_mentions(prev)

    def _carried(self, a: int, before: str, after: str) -> frozenset[str]:
        """The subject of an earlier clause of the sentence ("Mixup gains most on CIFAR-10 but
        nothing on SVHN, where it lands at 95.74"; not across "while"), else of the
        paragraph's latest sentence that names one ("The combined model needs 4902.7 s.
        Throughput drops from 409.2 to 401.4"). None where the number's clause (or, from the
        paragraph, its sentence) holds a word of a run's title that names no run by itself
        ("Warmup alone helps less"), where a run has no title (nothing would tell), or in a
        list of values ("182.4 s, 176.9 s and 171.3 s respectively")."""
        v = self.vocab
        clause = clause_around(before, after, _SUBJECT_BREAK)
        sentence_end = _SENTENCE_END.search(after)
        rest = after[: sentence_end.start()] if sentence_end else after
        listed = (
            _RESPECTIVELY.search(before) or _RESPECTIVELY.search(rest) or _NEXT_IN_LIST.match(rest)
        )
        untitled = any(not v.names.get(r) for r in v.runs if r != "run_0")
        parts = v.part_mentions(before)
        if parts and not untitled:  # "DropEdge ..., and combining it with residual connections"
            earlier = v.subject_mentions(before)
            whole = earlier[-1][1] if earlier else self._paragraph_subject(a)
            joined = v.join_of(whole, parts[-1][1])
            if joined:
                return joined
        if listed or untitled or _WITHOUT_AFTER.match(after):
            return frozenset()  # no titles: a run named vaguely could not be told
        contrast = list(_CONTRAST.finditer(before))
        if contrast:  # "A reaches 1.43, while dropout gives 0.99": another subject
            earlier = v.subject_mentions(before[contrast[-1].end() :])
            found = earlier[-1][1] if earlier else frozenset()
            return frozenset() if v.names_a_run_vaguely(clause, found) else found
        earlier = v.subject_mentions(before)
        if earlier:
            found = earlier[-1][1]
            return frozenset() if v.names_a_run_vaguely(clause, found) else found
        found = self._paragraph_subject(a)
        return frozenset() if v.names_a_run_vaguely(before + clause, found) else found

    def _paragraph_subject(self, a: int) -> frozenset[str]:
        """The subject (first run named) of the paragraph's latest sentence before ``a`` that
        names one."""
        top = self.paragraph_start(a)
        end = a
        while end > top:
            start = max(top, self.sentence(max(0, end - 2))[0])
            earlier = self.vocab.subject_mentions(self.masked[start:end])
            if earlier:
                return earlier[0][1]
            if start >= end:
                break
            end = start
        return frozenset()


def _drop_and(text: str) -> str:
    return re.sub(r"\band[\s$~]*$", " ", text)


def clause_around(before: str, after: str, breaks_at: re.Pattern[str] = CLAUSE_BREAK) -> str:
    """The clause around a number: from the last break before it to the first break after."""
    breaks = list(breaks_at.finditer(before))
    start = before[breaks[-1].end() :] if breaks else before
    tail = NUMBER_TAIL.match(after)
    end = breaks_at.search(after, tail.end() if tail else 0)
    return start + (after[: end.start()] if end else after)
