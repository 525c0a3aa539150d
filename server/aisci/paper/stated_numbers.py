"""The numbers a paper states as results (``stated_numbers``), each with its line, its
written precision and the cues around it that the matching needs.

What is a stated result: a number in the abstract, in a section whose title matches
``CHECKED_SECTIONS`` (experimental setup, results, discussion, conclusions...), in a table, or
in a caption, anywhere after ``\\begin{document}``, in what ``tex_mask.blank_non_prose`` leaves
of the text (comments, the preamble, display math, non-prose arguments and dimensions are
blanked there; inline math is looked at, but its super/subscripts are skipped). Not looked at:
numbers glued to a word (``CIFAR-10``, ``Llama-2-70B``, ``run_1``, ``L2``, ``3rd``), object
numbers (``Figure 3``, ``Section 4``, ``Run 2``), integers <= 10 without a percent sign (counts:
"3 seeds"), bare integers 1900-2099 (years). Each number records whether a percent sign or a
time unit follows, or a time word or a comparison word ("improves by", "lower", "\\times",
"relative"...) is near.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aisci.paper.prechecks import LineIndex, strip_comments
from aisci.paper.tex_mask import blank_non_prose, group_end

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
_PERCENT = re.compile(r"(?:\s|~|\\,)*(?:\\%|%|percent\b|pp\b|percentage points)")
_TIMES = re.compile(r"(?:\s|~|\\,)*(?:\$?\\times\$?|×|x(?![A-Za-z]))")
_TIME_UNIT = re.compile(
    r"(?:~|\\,|\\ |\s)?(?:ms|s|secs?|seconds?|min|mins|minutes?|h|hrs?|hours?)\b"
)
_TIME_WORDS = re.compile(
    r"\btime|second|minute|hour|runtime|duration|wall|\((?:s|ms|min|h)\)", re.I
)
_CUES = re.compile(
    r"improv|reduc|increas|decreas|lower|higher|faster|slower|better|worse|gain|drop|"
    r"speed-?up|relative|\\times|×|fold|ratio|differen|points|compared|than|versus|\bvs\b|"
    r"outperform|boost|\bcuts?\b|\bby\b|\\Delta",
    re.I,
)
_OBJECT_BEFORE = re.compile(
    r"(?:Fig(?:ure)?|Tab(?:le)?|Sec(?:tion)?|Eq(?:uation)?|Appendix|Alg(?:orithm)?|"
    r"Line|Run|Chapter|Part|Seed|Layer)s?\.?(?:~|\\,|\s)*$",
    re.I,
)
_SCALE = {"k": 1e3, "K": 1e3, "M": 1e6, "B": 1e9}


@dataclass(frozen=True)
class StatedNumber:
    line: int
    text: str  # as written, e.g. "95.6\%"
    value: float  # absolute value, scaled by k/M/B and the exponent
    ulp: float  # one unit in the last written place
    context: str  # the source line, trimmed
    percent: bool  # a percent sign follows
    time: bool  # a time unit follows, or a time word is near
    comparison: bool  # a comparison word is near: differences and ratios may match


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
    index = LineIndex(tex_text)
    source_lines = tex_text.split("\n")
    found = []
    for m in _NUMBER.finditer(masked):
        start, end = m.start(), m.end()
        if not any(a <= start < b for a, b in regions):
            continue
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
        if _OBJECT_BEFORE.search(masked[max(0, start - 14) : start]):
            continue
        scale = _SCALE.get(m.group("suffix") or "", 1.0) * 10.0 ** int(exp or 0)
        value = float(num) * scale
        # One unit in the last written place; "1e-3" alone says little, so allow 5 % there.
        ulp = 10.0**-decimals * scale if not (exp and decimals == 0) else 0.05 * value
        percent = bool(_PERCENT.match(masked, end))
        if (
            decimals == 0
            and scale == 1.0
            and not percent
            and (value <= 10 or 1900 <= value <= 2099)
        ):
            continue  # a small count, or a year
        unit = _PERCENT.match(masked, end) or _TIME_UNIT.match(masked, end) or times
        line = index.line(start)
        found.append(
            StatedNumber(
                line,
                (masked[start:end] + (unit.group(0).rstrip() if unit else "")).strip(),
                value,
                ulp,
                _context(source_lines[line - 1], start - index.start(line)),
                percent,
                bool(_TIME_UNIT.match(masked, end))
                or bool(_TIME_WORDS.search(masked[max(0, start - 200) : end + 200])),
                bool(times) or bool(_CUES.search(masked[max(0, start - 120) : end + 60])),
            )
        )
    return found


def _context(line: str, column: int, width: int = 80) -> str:
    """The source line around ``column``, at most about 2 * ``width`` characters."""
    a, b = max(0, column - width), column + width
    return ("..." if a else "") + " ".join(line[a:b].split()) + ("..." if b < len(line) else "")
