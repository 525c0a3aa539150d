"""The results consistency check: every number the paper states as a result must come from
the runs' results (``run_*/final_info.json``), so a paper cannot report invented numbers.

What is a stated result (``stated_numbers``): a number in the abstract, in a section whose
title matches ``CHECKED_SECTIONS`` (experimental setup, results, discussion, conclusions...),
in a table, or in a caption, anywhere after ``\\begin{document}``. Not looked at:
- comments, the preamble, and display math (equation/align/gather..., ``\\[..\\]``,
  ``$$..$$``): formulas hold constants, not measurements; inline ``$...$`` math IS looked at,
  since results are often written as ``$0.91 \\pm 0.02$`` (super/subscripts are skipped);
- algorithm, verbatim and lstlisting environments;
- arguments of commands that are not prose (``SKIPPED_COMMANDS``: \\label, \\ref, \\cite...,
  \\includegraphics, \\vspace, \\begin's column specs...), and dimensions (``0.5\\linewidth``,
  ``3pt``);
- numbers glued to a word (``CIFAR-10``, ``Llama-2-70B``, ``run_1``, ``L2``, ``3rd``), object numbers
  (``Figure 3``, ``Section 4``, ``Run 2``), integers <= 10 without a percent sign (counts:
  "3 seeds"), bare integers 1900-2099 (years);
- any line ending with the comment ``% aisci: not-a-result`` (the writer's explicit opt-out).
Numbers that equal a constant of ``experiment.py`` or a ``run_*.py`` (hyperparameters, step
counts, data sizes) are accepted as settings, not results.

When does a number match (``_matches``): ``v * f`` lies in ``[written - half a unit, written +
one unit)`` of the written number's last place, which accepts rounding (0.9558 -> 0.956) and
truncation (-> 0.955), for a known value ``v`` and a unit factor ``f``: 1, fraction<->percent
(x100, /100) always; seconds<->minutes<->hours and s<->ms only when a time unit follows the
number or a time word is near it. Known values: every finite number in the final_info.json files
(means, stderrs, final_info_dict, nested; a list longer than ``LIST_CAP`` contributes its min,
max, first and last: it is a curve, and all its points would match almost anything). Near a
comparison word ("improves by", "lower", "\\times", "relative"...), also the differences,
relative changes and ratios between two runs' means of the same metric ("reduces the loss by
30.5%"), with a wider tolerance (one unit either way and 1 %), since authors compute them from
rounded numbers. Signs are ignored (a "drop of 0.3" is a difference of -0.3).

Not handled: whether a number is attributed to the right run or metric (a correct number in
the wrong row passes), numbers written as words, results inside display math.
"""

from __future__ import annotations

import ast
import bisect
import math
import re
from dataclasses import dataclass
from pathlib import Path

from aisci.core.diagnostics import Diagnostic
from aisci.errors import AisciError
from aisci.execution import safefs
from aisci.execution.runner import finished_runs, read_results_json
from aisci.paper.prechecks import LineIndex, strip_comments

CHECKED_SECTIONS = re.compile(
    r"abstract|experiment|setup|result|evaluation|discussion|conclusion|analysis|ablation|"
    r"finding|summary|limitation|benchmark",
    re.I,
)
OPT_OUT = re.compile(r"%\s*aisci:\s*not-a-result")
LIST_CAP = 64
# Command -> how many of its {} arguments are not prose (None: all its [] and {} groups).
SKIPPED_COMMANDS: dict[str, int | None] = {
    **dict.fromkeys(
        [
            "label",
            "ref",
            "eqref",
            "pageref",
            "autoref",
            "nameref",
            "cref",
            "Cref",
            "cite",
            "citep",
            "citet",
            "citealp",
            "citealt",
            "citeauthor",
            "citeyear",
            "nocite",
            "includegraphics",
            "input",
            "include",
            "url",
            "bibliography",
            "bibliographystyle",
            "usepackage",
            "graphicspath",
            "vspace",
            "hspace",
            "vskip",
            "hskip",
            "setlength",
            "addtolength",
            "setcounter",
            "addtocounter",
            "rule",
            "fontsize",
            "cmidrule",
            "cline",
            "addlinespace",
            "arraystretch",
            "renewcommand",
            "newcommand",
            "def",
            "definecolor",
            "hypersetup",
        ],
        None,
    ),
    "href": 1,
    "multicolumn": 2,
    "multirow": 2,
    "textcolor": 1,
    "colorbox": 1,
    "resizebox": 2,
    "scalebox": 1,
    "rotatebox": 1,
    "raisebox": 1,
    "parbox": 1,
    "makebox": 0,
}
_ENV_ARGS = {
    "tabular": 1,
    "tabular*": 2,
    "tabularx": 2,
    "array": 1,
    "minipage": 1,
    "subfigure": 1,
    "wrapfigure": 2,
    "multicols": 1,
}
_BLANK_ENVS = re.compile(
    r"\\begin\{(equation|align|gather|multline|eqnarray|flalign|alignat|displaymath|math|"
    r"algorithm|algorithmic|verbatim|lstlisting)(\*?)\}.*?\\end\{\1\2\}",
    re.S,
)
_DISPLAY = re.compile(r"(?<!\\)\\\[.*?\\\]|\$\$.*?\$\$", re.S)  # not the \\[2pt] of a line break
_DIMENSION = re.compile(
    r"\d*\.?\d+\s?(?:pt|cm|mm|em|ex|bp|pc|mu)\b|\d*\.?\d+in\b|"
    r"\d*\.?\d+\s*\\(?:line|text|column|paper)?(?:width|height)\b|\d*\.?\d+\s*\\\w*skip"
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


@dataclass(frozen=True)
class Mismatch:
    line: int
    text: str
    value: float
    context: str
    nearest: str | None = None  # the closest known result, to help the fix

    @property
    def message(self) -> str:
        hint = f"; nearest result: {self.nearest}" if self.nearest else ""
        return f"{self.text} is not in the runs' results{hint}"

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True)
class ConsistencyReport:
    mismatches: tuple[Mismatch, ...]
    checked: int  # numbers looked at, after the exclusions
    tex: str = "template.tex"
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def diagnostics(self) -> tuple[Diagnostic, ...]:
        return tuple(
            Diagnostic(self.tex, m.line, "error", m.message, "consistency") for m in self.mismatches
        )


@dataclass(frozen=True)
class _Known:
    values: tuple[float, ...]  # sorted absolute values
    labels: tuple[str, ...]  # where each came from, same order

    @classmethod
    def of(cls, pairs: list[tuple[float, str]]) -> _Known:
        pairs = sorted((abs(v), s) for v, s in pairs if math.isfinite(v))
        return cls(tuple(v for v, _ in pairs), tuple(s for _, s in pairs))

    def find(self, lo: float, hi: float) -> int | None:
        i = bisect.bisect_left(self.values, lo)
        return i if i < len(self.values) and self.values[i] <= hi else None


def _blank(text: str, spans) -> str:
    """``text`` with the characters of ``spans`` (start, end) made spaces, newlines kept."""
    chars = list(text)
    for start, end in spans:
        for i in range(start, end):
            if chars[i] != "\n":
                chars[i] = " "
    return "".join(chars)


def _group_end(text: str, i: int) -> int | None:
    """End (exclusive) of the balanced {..} or [..] group at ``i`` (after spaces), else None."""
    while i < len(text) and text[i] in " \t":
        i += 1
    if i >= len(text) or text[i] not in "{[":
        return None
    opener, closer, depth = text[i], "}" if text[i] == "{" else "]", 0
    for j in range(i, len(text)):
        if text[j] == opener:
            depth += 1
        elif text[j] == closer:
            depth -= 1
            if depth == 0:
                return j + 1
    return None


def _mask(text: str) -> str:
    """The text with everything that is not prose blanked; offsets and lines unchanged."""
    lines = text.split("\n")
    text = "\n".join(" " * len(x) if OPT_OUT.search(x) else x for x in lines)
    text = strip_comments(text)
    begin = text.find("\\begin{document}")
    text = _blank(text, [(0, max(begin, 0))])
    text = _blank(text, [m.span() for p in (_BLANK_ENVS, _DISPLAY) for m in p.finditer(text)])
    spans = []
    for m in re.finditer(r"\\([A-Za-z@]+)\*?", text):
        name = m.group(1)
        if name in ("begin", "end"):
            end = _group_end(text, m.end()) or m.end()
            env = text[m.end() : end].strip(" {}")
            spans.append(
                (m.start(), _args_end(text, end, _ENV_ARGS.get(env, 0) if name == "begin" else 0))
            )
        elif name in SKIPPED_COMMANDS:
            spans.append((m.start(), _args_end(text, m.end(), SKIPPED_COMMANDS[name])))
    text = _blank(text, spans)
    return _blank(text, [m.span() for m in _DIMENSION.finditer(text)])


def _args_end(text: str, pos: int, braces: int | None) -> int:
    """End of the [..] groups and of ``braces`` {..} groups after ``pos`` (None: all groups)."""
    while (g := _group_end(text, pos)) is not None:
        if text[pos:g].lstrip().startswith("{"):
            if braces == 0:
                break
            braces = None if braces is None else braces - 1
        pos = g
    return pos


def _spans(clean: str, pattern: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(pattern, clean, re.S)]


def _checked_regions(clean: str) -> list[tuple[int, int]]:
    """Where stated numbers count: the abstract, checked sections, tables and captions."""
    regions = _spans(clean, r"\\begin\{abstract\}.*?\\end\{abstract\}")
    regions += _spans(clean, r"\\begin\{(table\*?|tabular\*?|tabularx)\}.*?\\end\{\1\}")
    for m in re.finditer(r"\\caption\s*(?:\[[^\]]*\])?\s*\{", clean):
        end = _group_end(clean, m.end() - 1)
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
    masked = _mask(tex_text)
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


def _walk(obj, path: str):
    if isinstance(obj, bool):
        return
    if isinstance(obj, (int, float)):
        if math.isfinite(obj):
            yield float(obj), path
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from _walk(v, f"{path}.{k}" if path else str(k))
    elif isinstance(obj, list):
        nums = [
            float(x)
            for x in obj
            if isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)
        ]
        if len(obj) > LIST_CAP:  # a curve: its ends and extremes are what a paper quotes
            for what, v in (
                ("min", min(nums, default=None)),
                ("max", max(nums, default=None)),
                ("first", nums[0] if nums else None),
                ("last", nums[-1] if nums else None),
            ):
                if v is not None:
                    yield v, f"{path}[{what}]"
            return
        for i, v in enumerate(obj):
            yield from _walk(v, f"{path}[{i}]")


def result_values(
    idea_folder: Path,
) -> tuple[list[tuple[float, str]], list[tuple[float, str]], list[str]]:
    """(values of every run, differences/ratios between runs' means, notes)."""
    base, notes = [], []
    means: dict[str, list[tuple[str, float]]] = {}
    for run in finished_runs(idea_folder):
        if not safefs.kind(Path(idea_folder) / run / "final_info.json", root=Path(idea_folder)):
            continue
        try:
            data = read_results_json(idea_folder, run)
        except (OSError, ValueError, UnicodeDecodeError, AisciError) as e:
            notes.append(f"{run}/final_info.json could not be read: {getattr(e, 'message', e)}")
            continue
        for v, where in _walk(data, ""):
            base.append((v, f"{run}: {where}"))
            if ".means." in f".{where}" and "[" not in where:
                means.setdefault(where, []).append((run, v))
    base += _search_values(Path(idea_folder), notes)
    derived = []
    for where, runs in means.items():
        for i, (ra, a) in enumerate(runs):
            for rb, b in runs[i + 1 :]:
                pair = f"{where}, {ra} vs {rb}"
                derived.append((b - a, f"difference of {pair}"))
                for x, y, label in ((a, b, f"{rb}/{ra}"), (b, a, f"{ra}/{rb}")):
                    if x:
                        derived.append(
                            ((y - x) / x, f"relative change of {pair} (base {label.split('/')[1]})")
                        )
                        derived.append((y / x, f"ratio {label} of {where}"))
    return base, derived, notes


def _search_values(idea_folder: Path, notes: list[str]) -> list[tuple[float, str]]:
    """The seed confirmation of a tree search (tree.json): means and spreads over seeds."""
    if safefs.kind(idea_folder / "tree.json", root=idea_folder) != "file":
        return []
    try:
        data = safefs.read_json(idea_folder / "tree.json", root=idea_folder, limit=16 << 20)
    except (OSError, ValueError, UnicodeDecodeError, AisciError) as e:
        notes.append(f"tree.json could not be read: {getattr(e, 'message', e)}")
        return []
    confirmation = data.get("confirmation") if isinstance(data, dict) else None
    return [(v, f"tree.json: confirmation.{where}") for v, where in _walk(confirmation or {}, "")]


def code_constants(idea_folder: Path) -> list[tuple[float, str]]:
    """Numeric constants of experiment.py and the run_*.py snapshots: settings, not results."""
    out = []
    folder = Path(idea_folder)
    names = [
        name
        for name, what in safefs.list_dir(folder)
        if what == "file" and re.fullmatch(r"run_\d+\.py", name)
    ]
    for path in [folder / "experiment.py", *(folder / n for n in sorted(names))]:
        if not safefs.is_file(path, root=folder):
            continue
        source = safefs.read_text(path, root=folder, errors="replace")
        try:
            nums = [
                n.value
                for n in ast.walk(ast.parse(source))
                if isinstance(n, ast.Constant)
                and isinstance(n.value, (int, float))
                and not isinstance(n.value, bool)
            ]
        except SyntaxError:
            nums = [float(x) for x in re.findall(r"(?<![\w.])\d+\.?\d*(?:[eE][-+]?\d+)?", source)]
        out += [(float(v), path.name) for v in nums]
    return out


def _factors(n: StatedNumber) -> tuple[float, ...]:
    f = (1.0, 100.0, 0.01)
    return (
        (*f, 1 / 60, 60.0, 1 / 3600, 3600.0, 1 / 1000, 1000.0, 1 / 60000, 60000.0) if n.time else f
    )


def _matches(n: StatedNumber, known: _Known, factors, derived: bool = False) -> bool:
    """Some known value times a factor, rounded or truncated to the written places, gives the
    written number: it lies in [written - half a unit, written + one unit). A difference or
    ratio is often computed from already rounded numbers: one unit either way, and 1 %."""
    if derived:
        lo, hi = n.value * 0.99 - n.ulp, n.value * 1.01 + n.ulp
    else:
        lo, hi = n.value - 0.5 * n.ulp * (1 + 1e-9), n.value + n.ulp * (1 - 1e-9)
    return any(known.find(lo / f, hi / f) is not None for f in factors)


def _nearest(n: StatedNumber, known: _Known) -> str | None:
    best = None
    for f in (1.0, 100.0, 0.01):
        i = bisect.bisect_left(known.values, n.value / f)
        for j in (i - 1, i):
            if 0 <= j < len(known.values) and known.values[j]:
                err = abs(math.log(known.values[j] * f / n.value)) if n.value else float("inf")
                if best is None or err < best[0]:
                    best = (err, known.values[j], f, known.labels[j])
    if best is None:
        return None
    _, v, f, label = best
    shown = f"{v:.6g}" + (
        "" if f == 1.0 else f" (= {v * f:.6g} {'%' if f == 100.0 else 'as a fraction'})"
    )
    return f"{shown} ({label})"


def check_consistency(idea_folder: Path, tex: Path | None = None) -> ConsistencyReport:
    idea_folder = Path(idea_folder)
    tex = Path(tex) if tex is not None else idea_folder / "latex" / "template.tex"
    if not tex.is_file():
        raise AisciError(
            f"The paper's numbers cannot be checked: {tex} does not exist.",
            "Write the paper first (aisci writeup), or pass the .tex to check.",
        )
    base, derived, notes = result_values(idea_folder)
    if not base:
        notes.append(
            f"no run_*/final_info.json in {idea_folder.name}: no number can be a measured result"
        )
    results, changes, constants = (
        _Known.of(base),
        _Known.of(derived),
        _Known.of(code_constants(idea_folder)),
    )
    numbers = stated_numbers(tex.read_text(encoding="utf-8", errors="replace"))
    mismatches = []
    checked = 0
    for n in numbers:
        if _matches(n, constants, (1.0, 100.0, 0.01)):
            continue  # a setting of the experiment, not a result
        checked += 1
        if _matches(n, results, _factors(n)) or (
            n.comparison and _matches(n, changes, (1.0, 100.0), derived=True)
        ):
            continue
        mismatches.append(Mismatch(n.line, n.text, n.value, n.context, _nearest(n, results)))
    return ConsistencyReport(tuple(mismatches), checked, tex.name, tuple(notes))


def format_report(report: ConsistencyReport) -> str:
    """The report for a terminal; ``report.ok`` gives the exit status."""
    head = f"Results consistency ({report.tex}): {report.checked} number(s) checked, "
    tail = (
        "all match the runs' results."
        if report.ok
        else f"{len(report.mismatches)} not found in the runs' results:"
    )
    lines = [head + tail]
    for m in report.mismatches:
        lines.append(
            f"  {report.tex}:{m.line}: {m.text}"
            + (f"  (nearest result: {m.nearest})" if m.nearest else "")
        )
        lines.append(f"      {m.context}")
    lines += [f"  note: {n}" for n in report.notes]
    if not report.ok:
        lines.append(
            "  Fix the numbers from run_*/final_info.json, or end a line that states no result "
            "with the comment `% aisci: not-a-result`."
        )
    return "\n".join(lines)
