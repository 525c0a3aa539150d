"""Cheap checks of a paper's .tex before LaTeX runs (milliseconds, no TeX needed).

``run_prechecks(tex)`` reports, each with its line in the .tex:
- errors: a ``\\cite``/``\\citep``/``\\citet``... key with no entry in the .bib files named by
  ``\\bibliography{...}`` (or written by a ``filecontents`` block when the file does not exist
  yet); a ``\\bibliography`` file that does not exist; an ``\\includegraphics`` file found in
  neither the .tex folder nor a ``\\graphicspath`` folder (trying .pdf/.png/.jpg/.jpeg when the
  name has no extension);
- warnings: a figure file included twice, a ``\\section`` title used twice, a ``\\label``
  defined twice, a ``\\ref`` to a label that is never defined.

Comments are ignored (``\\%`` is text, not a comment). The helpers ``strip_comments``,
``LineIndex`` and ``citations`` are shared with the log parser and the consistency check.
"""

from __future__ import annotations

import bisect
import re
from pathlib import Path

from aisci.core.diagnostics import Diagnostic, sort_key
from aisci.paper.bib import parse_bib

GRAPHICS_EXTENSIONS = (".pdf", ".png", ".jpg", ".jpeg")
_CITE = re.compile(r"\\(?:[cC]ite[a-zA-Z]*|nocite)\*?\s*(?:\[[^\]]*\]\s*){0,2}\{([^{}]*)\}")
_BIBLIOGRAPHY = re.compile(r"\\(?:bibliography|addbibresource)\s*(?:\[[^\]]*\])?\{([^{}]*)\}")
_FILECONTENTS = re.compile(
    r"\\begin\{filecontents\*?\}\s*(?:\[[^\]]*\])?\s*\{([^{}]*)\}(.*?)\\end\{filecontents\*?\}",
    re.DOTALL,
)
_GRAPHICSPATH = re.compile(r"\\graphicspath\s*\{((?:\s*\{[^{}]*\})*)\s*\}")
_INCLUDEGRAPHICS = re.compile(r"\\includegraphics\*?\s*(?:\[[^\]]*\]\s*){0,2}\{([^{}]*)\}")
_SECTION = re.compile(r"\\section\*?\s*(?:\[[^\]]*\])?\s*\{((?:[^{}]|\{[^{}]*\})*)\}")
_LABEL = re.compile(r"\\label\s*\{([^{}]*)\}")
_REF = re.compile(r"\\(?:ref|eqref|pageref|autoref|nameref|[cC]ref|[cC]pageref)\*?\s*\{([^{}]*)\}")


def strip_comments(text: str, *, percent_after_digit: bool = False) -> str:
    """The text with every comment blanked to spaces: offsets and line numbers are unchanged.

    ``percent_after_digit``: a ``%`` right after a digit is kept as a percent sign, not a
    comment, as a reader takes "a 17.6% gain" whatever TeX makes of it (the results check)."""
    out = []
    for line in text.split("\n"):
        i, cut = 0, None
        while i < len(line):
            if line[i] == "\\":
                i += 2  # an escaped character, \% included
                continue
            if line[i] == "%" and not (percent_after_digit and i and line[i - 1].isdigit()):
                cut = i
                break
            i += 1
        out.append(line if cut is None else line[:cut] + " " * (len(line) - cut))
    return "\n".join(out)


class LineIndex:
    """Offset -> 1-based line number, in O(log n)."""

    def __init__(self, text: str):
        self._starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self._starts, offset)

    def start(self, line: int) -> int:
        """Offset of the first character of a 1-based line."""
        return self._starts[line - 1]


def citations(text: str) -> list[tuple[str, int]]:
    """Every cited key with the line of its cite command (comments ignored)."""
    text = strip_comments(text)
    index = LineIndex(text)
    found = []
    for m in _CITE.finditer(text):
        for key in m.group(1).split(","):
            key = key.strip()
            if key and key != "*":
                found.append((key, index.line(m.start())))
    return found


def bibliography_keys(tex_text: str, folder: Path) -> tuple[set[str], list[tuple[str, int]]]:
    """(keys defined by the bibliography files, [(missing .bib name, line)])."""
    clean = strip_comments(tex_text)
    index = LineIndex(clean)
    inline = {Path(m.group(1).strip()).name: m.group(2) for m in _FILECONTENTS.finditer(clean)}
    keys: set[str] = set()
    missing = []
    for m in _BIBLIOGRAPHY.finditer(clean):
        for name in m.group(1).split(","):
            name = name.strip()
            if not name:
                continue
            name = name if name.endswith(".bib") else name + ".bib"
            path = folder / name
            if path.is_file():
                keys |= parse_bib(path.read_text(encoding="utf-8", errors="replace")).keys
            elif Path(name).name in inline:  # written by LaTeX on its first run
                keys |= parse_bib(inline[Path(name).name]).keys
            else:
                missing.append((name, index.line(m.start())))
    return keys, missing


def graphics_dirs(tex_text: str, folder: Path) -> list[Path]:
    """The folders LaTeX looks in for figures: the .tex folder, then \\graphicspath entries."""
    dirs = [folder]
    for m in _GRAPHICSPATH.finditer(strip_comments(tex_text)):
        dirs += [folder / d for d in re.findall(r"\{([^{}]*)\}", m.group(1))]
    return dirs


def find_graphic(name: str, dirs: list[Path]) -> Path | None:
    candidates = (
        [name]
        if Path(name).suffix.lower() in GRAPHICS_EXTENSIONS
        else [name + ext for ext in GRAPHICS_EXTENSIONS] + [name]
    )
    for d in dirs:
        for c in candidates:
            if (d / c).is_file():
                return (d / c).resolve()
    return None


def run_prechecks(tex: Path) -> tuple[Diagnostic, ...]:
    tex = Path(tex)
    text = tex.read_text(encoding="utf-8", errors="replace")
    clean = strip_comments(text)
    index = LineIndex(clean)
    folder, fname = tex.parent, tex.name
    out: list[Diagnostic] = []

    def add(line: int, severity: str, message: str) -> None:
        out.append(Diagnostic(fname, line, severity, message, "precheck"))

    keys, missing_bibs = bibliography_keys(text, folder)
    for name, line in missing_bibs:
        add(line, "error", f"bibliography file `{name}` does not exist in {folder.name}/")
    cites = citations(text)
    if cites and not _BIBLIOGRAPHY.search(clean):
        add(cites[0][1], "error", "the paper cites but has no \\bibliography{...} command")
    elif not missing_bibs:
        for key, line in cites:
            if key not in keys:
                add(line, "error", f"citation key `{key}` has no entry in the bibliography")

    dirs = graphics_dirs(text, folder)
    seen: dict[Path | str, int] = {}
    for m in _INCLUDEGRAPHICS.finditer(clean):
        name, line = m.group(1).strip(), index.line(m.start())
        found = find_graphic(name, dirs)
        if found is None:
            where = ", ".join(sorted({_show(d, folder) for d in dirs}))
            add(line, "error", f"figure file `{name}` not found (looked in {where})")
        ident = found or name
        if ident in seen:
            add(line, "warning", f"figure `{name}` is included twice (first on line {seen[ident]})")
        else:
            seen[ident] = line

    _duplicates(
        add,
        _SECTION,
        clean,
        index,
        "section title `{}` is used twice (first on line {})",
        norm=lambda s: re.sub(r"\s+", " ", s).strip().lower(),
    )
    labels = _duplicates(
        add, _LABEL, clean, index, "label `{}` is defined twice (first on line {})"
    )
    for m in _REF.finditer(clean):
        for key in m.group(1).split(","):
            key = key.strip()
            if key and key not in labels:
                add(index.line(m.start()), "warning", f"reference to undefined label `{key}`")
    return tuple(sorted(out, key=sort_key))


def _duplicates(
    add, pattern: re.Pattern, clean: str, index: LineIndex, message: str, norm=lambda s: s.strip()
) -> dict[str, int]:
    first: dict[str, int] = {}
    for m in pattern.finditer(clean):
        name, line = m.group(1), index.line(m.start())
        k = norm(name)
        if k in first:
            add(line, "warning", message.format(name.strip(), first[k]))
        else:
            first[k] = line
    return first


def _show(d: Path, folder: Path) -> str:
    try:
        rel = d.resolve().relative_to(folder.parent.resolve())
        return f"{rel.as_posix()}/" if str(rel) != "." else "./"
    except ValueError:
        return str(d)
