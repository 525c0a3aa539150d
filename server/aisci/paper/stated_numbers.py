"""The numbers a paper states as results (``stated_numbers``), each with its place, its written
precision and the cues around it that the matching needs.

What is a stated result: a number in the abstract, in a section whose title matches
``CHECKED_SECTIONS`` (experimental setup, results, discussion, conclusions...), in a table, or
in a caption, anywhere after ``\\begin{document}``, in what ``tex_mask.blank_non_prose`` leaves
of the text (comments, the preamble, display math, non-prose arguments and dimensions are
blanked there; inline math is looked at, but its super/subscripts are skipped; a ``%`` right
after a digit is a percent sign). Not looked at: numbers glued to a word (``CIFAR-10``,
``Llama-2-70B``, ``run_1``, ``L2``, ``3rd``), integers <= 10 without a percent sign (counts:
"3 seeds"), and outside tables: object numbers (``Figure 3``, ``Table~2``, ``Run 2``, as whole
words: "notable 17.6" is a number) and bare integers 1900-2099 (years; not "2050 steps", nor
"1483 steps instead of 2050").

Each number records: a percent sign after it (or after the spread of "a \\pm b\\%", or
"points"/"pp"), a spread (after ``\\pm``, or named: "its standard error is 8.0"), an explicit
sign (``-0.3``, ``$-$0.3``), a time unit or time word, a comparison
word near it, the direction its words give a change ("a reduction of", "by 3\\% lower": -1;
"an increase of", "higher": +1), whether it is approximate ("approximately", "about",
"\\sim", "\\approx"), and whether it is the mean or the spread of "a \\pm b".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aisci.paper.prechecks import LineIndex
from aisci.paper.tex_mask import blank_non_prose, group_end, strip_comments

CHECKED_SECTIONS = re.compile(
    r"abstract|experiment|setup|result|evaluation|discussion|conclusion|analysis|ablation|"
    r"finding|summary|limitation|benchmark",
    re.I,
)
_NUMBER = re.compile(
    r"(?<![\w.\\^_])(?<![\^_]\{)(?<![\^_]\{-)(?<![A-Za-z]-)(?<!-\d-)"
    r"(?P<num>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)"
    r"(?:\s*(?:\\times|\\cdot)\s*10\s*\^\s*\{?\s*(?P<exp>[-+]?\d+)\s*\}?|[eE](?P<exp2>[-+]?\d+)"
    r"|(?P<pow>\^\s*\{?\s*[-+]?\d+\s*\}?))?"
    r"(?P<suffix>[kKMB](?![A-Za-z]))?"
)
_PERCENT = re.compile(r"(?:\s|~|\\,|\$)*(?:\\%|%|percent\b|pp\b|percentage points?|points?\b)")
# After a number that looks like a year, what makes it a count: "2050 steps", "2048 \\pm 12".
_COUNTED = re.compile(
    r"\s*\$?\s*(?:\\pm|±|(?:steps?|epochs?|iterations?|iters?|updates?|tokens?|samples?|"
    r"examples?|pairs?|images?|parameters?|seconds?|ms|s)\b)"
)
# Before a year-like number, a count it is compared with: "1483 steps instead of 2467".
_COUNT_COMPARED = re.compile(
    r"\d\s*(?:steps?|epochs?|iterations?|iters?|updates?|tokens?|samples?|examples?|s)\b[\s$~]*"
    r"(?:instead of|rather than|than|versus|vs\.?|against|compared (?:to|with)|to)[\s$~]*$"
)
_RANGE = re.compile(r"\s*(?:to|and|--|–)\s*\$?\s*")
_PM = re.compile(r"\$?\s*(?:\\pm|±|\+/-|\\mp)\s*\$?\s*")
# A spread named in words: "its standard error on CartPole is 8.0 against 9.1".
_SPREAD_NAMED = re.compile(
    r"\b(?:standard (?:error|deviation)|std\.?|stderr)s?\b(?:(?!\bof\b)(?:[^.;:,(]|\.(?=\d)))*$",
    re.I,
)
_PM_BEFORE = re.compile(r"(?:\\pm|±|\+/-|\\mp)\s*\$?\s*$")
_SIGN_BEFORE = re.compile(r"(?<![\w.])(?:([-+−])|\$\s*([-+])\s*\$|\\textminus\s*)\s*\$?\s*$")
_APPROX = re.compile(
    r"(?:approx\w*|about|around|roughly|nearly|almost|circa|\\sim|\\approx|\\simeq|∼|≈)"
    r"\s*(?:\$\s*)?(?:~|\s)*\$?\s*$",
    re.I,
)
_DOWN = (
    r"reduc\w*|decreas\w*|lower\w*|drops?|dropped|fall\w*|fell|declin\w*|shr[iu]nk\w*|cuts?|"
    r"less|fewer|smaller"
)
_UP = (
    r"increas\w*|higher|gains?|gained|ris(?:e|es|ing)|rose|grow\w*|grew|larger|more|boost\w*|"
    r"rais\w*|lift\w*"
)
_CHANGE_WORD = re.compile(rf"\b(?:(?P<down>{_DOWN})|(?P<up>{_UP}))\b", re.I)
# ("better", "worse", "faster", "slower" say nothing of a number's sign: lower loss is better.)
# Between a change word and its number: "a reduction of", "lowers the loss by"; not "from 0.3 to".
_CHANGE_GAP = re.compile(
    r"(?:(?!\b(?:from|than|while|whereas|but|against|versus|vs|improv\w*|outperform\w*|beat\w*)\b)"
    r"(?!\.\s)[^;]){0,90}?\b(?:of|by)"
    r"\s*(?:only|just|about|approximately|roughly|nearly|~|\$\\sim\$|\s)*\$?\s*",
    re.I,
)
_CHANGE_AFTER = re.compile(
    r"\s*(?:\\%|%|\$|\s|points?|pp|percentage)*\s*"
    r"(?:(?P<down>lower|less|fewer|smaller|down|reduction|decrease|drop|cut|"
    r"fall)|(?P<up>higher|more|larger|greater|up|increase|rise|gain|growth))\b",
    re.I,
)
_TIMES = re.compile(r"(?:\s|~|\\,)*(?:\$?\\times\$?|×|x(?![A-Za-z]))")
_TIME_UNIT = re.compile(
    r"\$?(?:~|\\,|\\ |\s)?(?:ms|s|secs?|seconds?|min|mins|minutes?|h|hrs?|hours?)\b"
)
_TIME_WORDS = re.compile(
    r"\btime|second|minute|hour|runtime|duration|wall|\((?:s|ms|min|h)\)", re.I
)
_CUES = re.compile(
    r"improv|reduc|increas|decreas|lower|higher|faster|slower|better|worse|gain|drop|"
    r"speed-?up|relative|\\times|×|fold|ratio|differen|points|compared|than|versus|\bvs\b|"
    r"outperform|boost|\bcuts?\b|\bby\b|\\Delta|longer|shorter|\bcosts?\b|\bloses\b|gap|"
    r"\babove\b|\bbelow\b|\bbehind\b|\bahead\b|\bmore\b|\bless\b|\bsav(?:e|es|ed|ing)\b",
    re.I,
)
_OBJECT_BEFORE = re.compile(
    r"(?<![A-Za-z])(?:Fig(?:ure)?|Tab(?:le)?|Sec(?:tion)?|Eq(?:uation)?|Appendix|Alg(?:orithm)?|"
    r"Line|Run|Chapter|Part|Seed|Layer)s?\.?(?:~|\\,|\s)*$",
    re.I,
)
_SCALE = {"k": 1e3, "K": 1e3, "M": 1e6, "B": 1e9}


@dataclass(frozen=True)
class StatedNumber:
    line: int
    text: str  # as written, e.g. "95.6\\%"
    value: float  # absolute value, scaled by k/M/B and the exponent
    ulp: float  # one unit in the last written place
    context: str  # the source line, trimmed
    percent: bool  # a percent sign follows (or "points", or the spread's after "a \\pm b")
    time: bool  # a time unit follows, or a time word is near
    comparison: bool  # a comparison word is near: differences and ratios may match
    offset: int = 0  # where it starts in the .tex
    sign: int = 0  # -1 or +1 when written with a sign
    change: int = 0  # the direction its words give a change: -1 down, +1 up, 0 none
    approx: bool = False  # "approximately", "about", "\\sim"...
    pm: str = ""  # "mean" before a \\pm, "spread" after one
    points: bool = False  # "percentage points", "pp": a difference of percents
    unit: str = ""  # "%", "x", or a time unit: "ms", "s", "min", "h"
    lead: str = ""  # the prose just before it ("trains for"), blanked parts as spaces

    @property
    def signed(self) -> float:
        return -self.value if self.sign < 0 else self.value


def _spans(clean: str, pattern: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(pattern, clean, re.S)]


def _checked_regions(clean: str) -> list[tuple[int, int]]:
    """Where stated numbers count: the abstract, checked sections, tables and captions."""
    regions = _spans(clean, r"\\begin\{abstract\}.*?\\end\{abstract\}")
    regions += _spans(clean, r"\\begin\{(table\*?|tabular\*?|tabularx)\}.*?\\end\{\1\}")
    for m in re.finditer(r"\\caption\s*(?:\[[^\]]*\])?\s*\{", clean):
        end = group_end(clean, m.end() - 1)
        regions.append((m.start(), end or m.end()))
    sections = [
        (m.start(), m.group(1))
        for m in re.finditer(r"\\section\*?\s*(?:\[[^\]]*\])?\s*\{((?:[^{}]|\{[^{}]*\})*)\}", clean)
    ]
    for k, (start, title) in enumerate(sections):
        end = sections[k + 1][0] if k + 1 < len(sections) else len(clean)
        if CHECKED_SECTIONS.search(title):
            regions.append((start, end))
    return regions


def stated_numbers(tex_text: str) -> list[StatedNumber]:
    """The numbers a paper states as results, with their lines (see the module contract)."""
    clean = strip_comments(tex_text)
    masked = blank_non_prose(tex_text)
    regions = _checked_regions(clean)
    tables = _spans(clean, r"\\begin\{(tabular\*?|tabularx)\}.*?\\end\{\1\}")
    index = LineIndex(tex_text)
    source_lines = tex_text.split("\n")
    found = []
    for m in _NUMBER.finditer(masked):
        start, end = m.start(), m.end()
        if not any(a <= start < b for a, b in regions):
            continue
        in_table = any(a <= start < b for a, b in tables)
        num = m.group("num").replace(",", "")
        decimals = len(num.split(".")[1]) if "." in num else 0
        exp = m.group("exp") or m.group("exp2")
        if m.group("pow"):  # 10^{-3} is a number; n^2 is not
            if num != "10":
                continue
            num, exp = "1", re.sub(r"[^\d+-]", "", m.group("pow"))
        times = _TIMES.match(masked, end)
        if (
            end < len(masked)
            and masked[end].isalpha()
            and not (_TIME_UNIT.match(masked, end) or times)
        ):
            continue  # glued to a word: "3rd", "2D", "x1y"
        before = masked[max(0, start - 120) : start]
        if not in_table and _OBJECT_BEFORE.search(before[-14:]):
            continue
        scale = _SCALE.get(m.group("suffix") or "", 1.0) * 10.0 ** int(exp or 0)
        value = float(num) * scale
        # One unit in the last written place; "1e-3" alone says little, so allow 5 % there.
        ulp = 10.0**-decimals * scale if not (exp and decimals == 0) else 0.05 * value
        unit = _PERCENT.match(masked, end)
        pm = "spread" if _PM_BEFORE.search(before) or _SPREAD_NAMED.search(before) else ""
        after_pm = _PM.match(masked, end)
        spread = None
        if after_pm:
            pm = "mean"
            spread = _NUMBER.match(masked, after_pm.end())
            if spread and _PERCENT.match(masked, spread.end()):
                unit = unit or _PERCENT.match(masked, spread.end())
        ranged = _RANGE.match(masked, end)
        if ranged and not unit:  # "from 2.37 to 1.23 points": one unit for both
            other = _NUMBER.match(masked, ranged.end())
            unit = _PERCENT.match(masked, other.end()) if other else None
        percent = bool(unit)
        if (decimals == 0 and scale == 1.0 and not percent) and (
            value <= 10
            or (
                not in_table
                and 1900 <= value <= 2099
                and not _COUNTED.match(masked, end)
                and not _COUNT_COMPARED.search(before)
            )
        ):
            continue  # a small count, or a year (a table cell that looks like one is checked)
        timed = _TIME_UNIT.match(masked, end)
        if after_pm and not timed and spread:
            timed = _TIME_UNIT.match(masked, spread.end() + _dollar(masked, spread.end()))
        unit = (unit if unit and unit.start() == end else None) or timed or times
        unit_name = "%" if percent else ("x" if times and not timed else _unit_name(timed))
        line = index.line(start)
        sign = _SIGN_BEFORE.search(before)
        change = _change(masked, before, end)
        found.append(
            StatedNumber(
                line,
                (masked[start:end] + (unit.group(0).rstrip() if unit else "")).strip(),
                value,
                ulp,
                _context(source_lines[line - 1], start - index.start(line)),
                percent,
                bool(timed) or bool(_TIME_WORDS.search(masked[max(0, start - 200) : end + 200])),
                bool(times)
                or bool(change)
                or bool(_CUES.search(masked[max(0, start - 120) : end + 60])),
                offset=start,
                sign=(
                    -1
                    if "-" in sign.group(0) or "−" in sign.group(0) or "minus" in sign.group(0)
                    else 1
                )
                if sign
                else 0,
                change=change,
                approx=bool(_APPROX.search(before)),
                pm=pm,
                unit=unit_name,
                lead=before[-40:],
                points=bool(
                    re.match(r"(?:\s|~)*(?:pp\b|percentage points?|points?\b)", masked[end:])
                ),
            )
        )
    return found


def _dollar(text: str, i: int) -> int:
    """How many characters of "$" and spaces start at ``i`` (the end of inline math)."""
    m = re.match(r"[\s$]*", text[i : i + 4])
    return m.end() if m else 0


def _unit_name(m: re.Match[str] | None) -> str:
    if m is None:
        return ""
    word = m.group(0).replace("$", "").strip("~\\, ").lower()
    for prefix, name in (("ms", "ms"), ("min", "min"), ("h", "h"), ("s", "s")):
        if word.startswith(prefix):
            return name
    return ""


def _change(masked: str, before: str, end: int) -> int:
    """-1 or +1 when the words around a number say it is a fall or a rise, else 0."""
    words = list(_CHANGE_WORD.finditer(before))
    if words and _CHANGE_GAP.fullmatch(before[words[-1].end() :]):
        return -1 if words[-1].group("down") else 1
    after = _CHANGE_AFTER.match(masked, end)
    if after and after.end() - end < 30:
        return -1 if after.group("down") else 1
    return 0


def _context(line: str, column: int, width: int = 80) -> str:
    """The source line around ``column``, at most about 2 * ``width`` characters."""
    a, b = max(0, column - width), column + width
    return ("..." if a else "") + " ".join(line[a:b].split()) + ("..." if b < len(line) else "")
