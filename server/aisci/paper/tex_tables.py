"""The cells of a paper's tables, each with what its column and row say it holds.

``table_cells(text)`` reads every tabular (``tabular``, ``tabular*``, ``tabularx``) of ``text``
(comments already blanked; offsets are those of ``text``): rows end at ``\\\\``, cells at an
unescaped ``&``. The header is the rows above the first ``\\midrule``; without one, above the
second ``\\hline``, else the first row, unless that row holds a number cell (no rule marks it,
and a row of values is no header: "Accuracy & 97.3"); a table with nothing below its header has
no header at all. A column's header is the text of all header rows above it (``\\multicolumn``
spans count). A row's label is the text of its cells that hold no number; an empty first cell
takes the label of the row above (``\\multirow``). The caption is the one of the enclosing table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aisci.paper.tex_mask import group_end

_BEGIN = re.compile(r"\\begin\{(tabular\*?|tabularx)\}")
_ARGS = {"tabular": 1, "tabular*": 2, "tabularx": 2}
_ROW_END = re.compile(r"\\\\(?:\s*\[[^\]]*\])?")
_RULES = re.compile(
    r"\\(?:toprule|midrule|bottomrule|hline|addlinespace|cmidrule(?:\([a-z]*\))?\{[^}]*\}|"
    r"cline\{[^}]*\})"
)
# What a cell of numbers holds besides digits: signs, spreads, bold, units of percent.
_NOT_WORDS = re.compile(r"\\(?:pm|textbf|mathbf|underline|bf|num|times|,)|[\s$~()+\-−.,%\\0-9]")
_HAS_NUMBER = re.compile(r"(?<![A-Za-z_])\d")


@dataclass(frozen=True)
class Cell:
    start: int  # offsets of the cell in the text
    end: int
    header: str  # its column's header rows, joined
    row: str  # the row's label
    caption: str
    body: bool  # below the header


def _spans_of(text: str, start: int, end: int, sep: re.Pattern[str]) -> list[tuple[int, int]]:
    spans, pos = [], start
    for m in sep.finditer(text, start, end):
        spans.append((pos, m.start()))
        pos = m.end()
    spans.append((pos, end))
    return spans


def _cells(text: str, start: int, end: int) -> list[tuple[int, int, int]]:
    """(start, end, columns spanned) of each cell of a row."""
    out = []
    for a, b in _spans_of(text, start, end, re.compile(r"(?<!\\)&")):
        span = re.search(r"\\multicolumn\s*\{\s*(\d+)\s*\}", text[a:b])
        out.append((a, b, int(span.group(1)) if span else 1))
    return out


def _text(raw: str) -> str:
    """A cell's words: rules dropped, the last group of \\multicolumn/\\multirow kept."""
    raw = _RULES.sub(" ", raw)
    raw = re.sub(r"\\multi(?:column|row)\s*\{[^}]*\}\s*\{[^}]*\}", " ", raw)
    return " ".join(raw.replace("{", " ").replace("}", " ").split())


def is_number_cell(raw: str) -> bool:
    text = _text(raw)
    if not _HAS_NUMBER.search(text):
        return False
    rest = re.sub(_NOT_WORDS, "", text)
    return rest == "" or rest.lower() in ("x", "s", "ms")


def _caption(text: str, at: int) -> str:
    """The caption of the table (or figure) environment around offset ``at``, else ""."""
    begin = max(text.rfind("\\begin{table", 0, at), text.rfind("\\begin{figure", 0, at))
    if begin < 0:
        return ""
    close = re.compile(r"\\end\{(?:table|figure)\*?\}").search(text, at)
    end = close.start() if close else len(text)
    m = re.compile(r"\\caption\s*(?:\[[^\]]*\])?\s*\{").search(text, begin, end)
    if not m:
        return ""
    stop = group_end(text, m.end() - 1) or m.end()
    return _text(text[m.end() : stop - 1])


def table_cells(text: str) -> list[Cell]:
    """Every cell of every tabular of ``text`` (see the module contract)."""
    found: list[Cell] = []
    for m in _BEGIN.finditer(text):
        pos = m.end()
        for _ in range(_ARGS[m.group(1)]):
            pos = group_end(text, pos) or pos
        stop = text.find(f"\\end{{{m.group(1)}}}", pos)
        if stop < 0:
            continue
        found += _table(text, pos, stop, _caption(text, m.start()))
    return found


def _table(text: str, start: int, stop: int, caption: str) -> list[Cell]:
    rows = [r for r in _spans_of(text, start, stop, _ROW_END) if text[r[0] : r[1]].strip()]
    mid = text.find("\\midrule", start, stop)
    if mid < 0:
        hline = [h.start() for h in re.finditer(r"\\hline", text[start:stop])]
        mid = start + hline[1] if len(hline) > 1 else (rows[0][1] if rows else stop)
        if rows and any(is_number_cell(text[a:b]) for a, b, _ in _cells(text, *rows[0])):
            mid = start  # no rule says so, and a row of values is no header: "Accuracy & 97.3"
    if not any(b > mid and _text(text[a:b]) for a, b in rows):
        mid = start  # a header needs a body below it: a table of one row holds values
    headers: dict[int, list[str]] = {}
    body_rows = []
    out = []
    for a, b in rows:
        cells = _cells(text, a, b)
        if b > mid:
            body_rows.append(cells)
            continue
        column = 0
        for ca, cb, span in cells:
            for c in range(column, column + span):
                headers.setdefault(c, []).append(_text(text[ca:cb]))
            out.append(Cell(ca, cb, _text(text[ca:cb]), "", caption, False))
            column += span
    last_label = ""
    for cells in body_rows:
        label_cells = [_text(text[a:b]) for a, b, _ in cells if not is_number_cell(text[a:b])]
        first = _text(text[cells[0][0] : cells[0][1]]) if cells else ""
        if not first and last_label:
            label_cells.insert(0, last_label)
        label = " ".join(x for x in label_cells if x)
        last_label = first or last_label
        column = 0
        for a, b, span in cells:
            header = " ".join(
                h for c in range(column, column + span) for h in headers.get(c, []) if h
            )
            out.append(Cell(a, b, header, label, caption, True))
            column += span
    return out
