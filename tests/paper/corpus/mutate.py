"""Planted errors for the results checker: change result numbers of a corpus paper on purpose.

Each folder beside this file is a paper (``template.tex``) with its runs (``run_*/final_info.json``,
``notes.txt``, the code's settings). ``mutations(folder)`` gives, per kind, copies of the paper
with one result changed; ``measure(folders, check)`` runs a checker on each copy and on the
unchanged papers. What counts as a result number is decided here, by rules of its own (not the
checker's), so that a checker which skips a number loses recall instead of hiding it.

Kinds: ``scaled`` (x1.07, same decimals), ``last_digit`` (another last digit), ``sign`` (a
change word turned to its opposite, or an explicit sign flipped), ``swap`` (two cells of one
table column exchanged between rows), ``other_run`` (the same metric's value of another run).
A mutation is caught when the checker flags the changed line.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
KINDS = ("scaled", "last_digit", "sign", "swap", "other_run")
PER_KIND = 8  # mutations per kind and paper, at most (a seeded sample)

_NUMBER = re.compile(r"(?<![\w.\\{^_-])(\d+(?:\.\d+)?)(?![\w.]*\})(?!\.\d)")
_SKIP_BEFORE = re.compile(r"(?:\\\w+\{[^}]*|(?:Table|Figure|Section|Run|Eq)\.?~?\s*)$")
_NOT_RESULT_SECTIONS = re.compile(r"introduction|related|background|setup|method", re.I)
_OPPOSITES = {
    "reduction": "increase",
    "increase": "reduction",
    "reduces": "increases",
    "increases": "reduces",
    "lowers": "raises",
    "raises": "lowers",
    "lower": "higher",
    "higher": "lower",
    "drops": "rises",
    "falls": "rises",
    "rises": "falls",
    "improves": "worsens",
}
# Between a change word and its number: "a reduction of", "lowers the loss by"; not "from 0.3 to".
_CHANGE_GAP = re.compile(r"(?:(?!\b(?:from|to|at|reach\w*)\b)[^.$]){0,30}?\b(?:of|by)\s*\$?")
_SIGN_WORD = re.compile(r"\b(" + "|".join(sorted(_OPPOSITES, key=len, reverse=True)) + r")\b")


@dataclass(frozen=True)
class Target:
    start: int
    end: int
    text: str
    in_table: bool


@dataclass(frozen=True)
class Mutation:
    paper: str
    kind: str
    lines: tuple[int, ...]  # the changed lines
    old: str
    new: str
    tex: str  # the whole changed paper


def papers() -> list[Path]:
    return sorted(p for p in HERE.iterdir() if (p / "template.tex").is_file())


def _line(tex: str, pos: int) -> int:
    return tex.count("\n", 0, pos) + 1


def _excluded_spans(tex: str) -> list[tuple[int, int]]:
    """Where no result lives: before the document, non-result sections, comments, commands'
    arguments that are names (\\texttt, \\label, \\cite...)."""
    begin = tex.find("\\begin{document}")
    spans = [(0, begin)]
    heads = [(m.start(), m.group(1)) for m in re.finditer(r"\\section\*?\{([^}]*)\}", tex)]
    for i, (start, title) in enumerate(heads):
        end = heads[i + 1][0] if i + 1 < len(heads) else len(tex)
        if _NOT_RESULT_SECTIONS.search(title):
            spans.append((start, end))
    for m in re.finditer(r"\\(?:texttt|label|ref|cite\w*|begin|end)\{[^}]*\}", tex):
        spans.append(m.span())
    for m in re.finditer(r"(?<![\\\d])%.*", tex):
        spans.append(m.span())
    return spans


def targets(tex: str) -> list[Target]:
    """The result numbers of a paper (see the module contract)."""
    excluded = _excluded_spans(tex)
    tables = [m.span() for m in re.finditer(r"\\begin\{tabular\}.*?\\end\{tabular\}", tex, re.S)]
    found = []
    for m in _NUMBER.finditer(tex):
        if any(a <= m.start() < b for a, b in excluded):
            continue
        if _SKIP_BEFORE.search(tex[max(0, m.start() - 30) : m.start()]):
            continue
        text = m.group(1)
        percent = tex.startswith("\\%", m.end()) or tex.startswith("%", m.end())
        if "." not in text and not percent and int(text) <= 10:
            continue  # a count
        in_table = any(a <= m.start() < b for a, b in tables)
        if in_table and "&" not in tex[tex.rfind("\n", 0, m.start()) : m.start()]:
            continue  # a row label ("Weight decay 1.0"), not a result
        found.append(Target(m.start(), m.end(), text, in_table))
    return found


def _formatted(value: float, like: str) -> str:
    decimals = len(like.split(".")[1]) if "." in like else 0
    return f"{value:.{decimals}f}"


def _replace(tex: str, target: Target, new: str) -> str:
    return tex[: target.start] + new + tex[target.end :]


def _scaled(tex: str, t: Target, rng: random.Random) -> Iterator[tuple[str, str]]:
    new = _formatted(float(t.text) * 1.07, t.text)
    if new != t.text:
        yield _replace(tex, t, new), new


def _last_digit(tex: str, t: Target, rng: random.Random) -> Iterator[tuple[str, str]]:
    last = int(t.text[-1])
    digit = rng.choice(
        [
            d
            for d in range(10)
            if d != last and not (d == 0 and "." not in t.text and len(t.text) == 1)
        ]
    )
    new = t.text[:-1] + str(digit)
    yield _replace(tex, t, new), new


def _sign(tex: str, t: Target, rng: random.Random) -> Iterator[tuple[str, str]]:
    written = re.search(r"(\$-\$|\$\+\$|(?<![\w$])[-+])\s*$", tex[max(0, t.start - 4) : t.start])
    if written:  # an explicit sign: flip it
        start = t.start - len(written.group(0))
        flipped = written.group(0).replace("-", "\0").replace("+", "-").replace("\0", "+")
        yield tex[:start] + flipped + tex[t.start :], f"{flipped.strip()}{t.text}"
        return
    if t.in_table:
        return
    before = tex[max(0, t.start - 60) : t.start]
    sentence_start = max(before.rfind(". "), before.rfind("\n\n"))
    before_in_sentence = before[sentence_start + 1 :] if sentence_start >= 0 else before
    words = list(_SIGN_WORD.finditer(before_in_sentence))
    after = _SIGN_WORD.match(tex, t.end + len(re.match(r"(?:\\%|%)?\s*", tex[t.end :]).group(0)))
    if words and _CHANGE_GAP.fullmatch(before_in_sentence[words[-1].end() :]):
        w = words[-1]
        offset = t.start - len(before_in_sentence) + w.start()
        word, span = w.group(1), (offset, offset + len(w.group(1)))
    elif after:
        word, span = after.group(1), after.span(1)
    else:
        return
    new = tex[: span[0]] + _OPPOSITES[word] + tex[span[1] :]
    yield new, f"{_OPPOSITES[word]} ... {t.text}"


def _table_cells(tex: str) -> list[list[list[tuple[int, int, str]]]]:
    """Per tabular: its body rows, each a list of numeric cells (start, end, first number)."""
    tables = []
    for m in re.finditer(r"\\midrule(.*?)\\bottomrule", tex, re.S):
        rows = []
        offset = m.start(1)
        for row in re.finditer(r"[^\n]*?\\\\", m.group(1)):
            cells = []
            pos = offset + row.start()
            for cell in row.group(0).split("&"):
                number = re.search(r"(?<![\w.])\d+(?:\.\d+)?", cell)
                if number and "\\pm" not in cell[: number.start()]:
                    cells.append((pos + number.start(), pos + number.end(), number.group(0)))
                else:
                    cells.append((-1, -1, ""))
                pos += len(cell) + 1
            rows.append(cells)
        tables.append(rows)
    return tables


def _swaps(tex: str, rng: random.Random) -> Iterator[tuple[str, str, tuple[int, int]]]:
    pairs = []
    for rows in _table_cells(tex):
        for col in range(1, max((len(r) for r in rows), default=0)):
            cells = [r[col] for r in rows if col < len(r) and r[col][0] >= 0]
            for i in range(len(cells) - 1):
                a, b = cells[i], cells[i + 1]
                if a[2] != b[2]:
                    pairs.append((a, b))
    for a, b in rng.sample(pairs, min(PER_KIND, len(pairs))):
        new = tex[: a[0]] + b[2] + tex[a[1] : b[0]] + a[2] + tex[b[1] :]
        yield new, f"{a[2]} <-> {b[2]}", (a[0], b[0])


def _run_values(folder: Path) -> list[tuple[str, str, str, float]]:
    """(run, data set, metric, mean) of every run of the paper."""
    out = []
    for path in sorted(folder.glob("run_*/final_info.json")):
        for dataset, block in json.loads(path.read_text()).items():
            for metric, value in (block.get("means") or {}).items():
                out.append((path.parent.name, dataset, metric, float(value)))
    return out


def _settings(folder: Path) -> set[float]:
    """The numbers written in the paper's code: "16 numbers" may be a setting, not a result."""
    found = set()
    for path in folder.glob("*.py"):
        found |= {float(x) for x in re.findall(r"(?<![\w.])\d+(?:\.\d+)?", path.read_text())}
    return found


def _other_run(folder: Path) -> Callable[[str, Target, random.Random], Iterator[tuple[str, str]]]:
    values = _run_values(folder)
    settings = _settings(folder)

    def mutate(tex: str, t: Target, rng: random.Random) -> Iterator[tuple[str, str]]:
        if float(t.text) in settings:
            return  # another run's setting in its place is still a setting
        for factor in (1.0, 100.0):
            hits = [v for v in values if _formatted(v[3] * factor, t.text) == t.text]
            if len({(d, m) for _, d, m, _ in hits}) != 1:
                continue  # not one metric of one data set: no "same metric, other run"
            run, dataset, metric, _ = hits[0]
            others = [
                _formatted(v * factor, t.text)
                for r, d, m, v in values
                if (d, m) == (dataset, metric) and r != run
            ]
            others = [o for o in others if o != t.text]
            if others:
                new = rng.choice(others)
                yield _replace(tex, t, new), new
            return

    return mutate


def mutations(folder: Path, seed: int = 0) -> list[Mutation]:
    tex = (folder / "template.tex").read_text(encoding="utf-8")
    rng = random.Random(f"{folder.name}:{seed}")
    found = targets(tex)
    out: list[Mutation] = []
    makers = {
        "scaled": _scaled,
        "last_digit": _last_digit,
        "sign": _sign,
        "other_run": _other_run(folder),
    }
    for kind, make in makers.items():
        made = []
        for t in found:
            for new_tex, new in make(tex, t, rng):
                made.append(
                    Mutation(folder.name, kind, (_line(tex, t.start),), t.text, new, new_tex)
                )
        out += rng.sample(made, min(PER_KIND, len(made)))
    for new_tex, what, (a, b) in _swaps(tex, rng):
        out.append(
            Mutation(folder.name, "swap", (_line(tex, a), _line(tex, b)), what, what, new_tex)
        )
    return out


@dataclass(frozen=True)
class Score:
    caught: dict[str, int]
    planted: dict[str, int]
    missed: tuple[Mutation, ...]
    false_alarms: tuple[str, ...]  # "paper:line: message" on the unchanged papers

    def recall(self, kind: str) -> float:
        return self.caught[kind] / self.planted[kind] if self.planted[kind] else 1.0


def measure(check: Callable[[Path, str], list[int]], folders: list[Path] | None = None) -> Score:
    """Runs ``check(folder, tex)``, the lines of ``tex`` flagged against the folder's runs, on
    every paper and every planted copy."""
    caught = dict.fromkeys(KINDS, 0)
    planted = dict.fromkeys(KINDS, 0)
    missed, alarms = [], []
    for folder in folders or papers():
        tex = (folder / "template.tex").read_text(encoding="utf-8")
        alarms += [f"{folder.name}:{line}" for line in check(folder, tex)]
        for m in mutations(folder):
            planted[m.kind] += 1
            if set(check(folder, m.tex)) & set(m.lines):
                caught[m.kind] += 1
            else:
                missed.append(m)
    return Score(caught, planted, tuple(missed), tuple(alarms))
