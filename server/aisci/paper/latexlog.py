"""Read what pdflatex (.log) and BibTeX (.blg) said, as Diagnostics.

The log is matched line by line against a table of patterns (``LOG_RULES``, in the manner of
LaTeX Workshop). The build runs pdflatex with ``-file-line-error`` (errors come as
``./file.tex:12: message``) and ``max_print_line=10000`` (no wrapping at 79 columns); the
classic ``! message`` + ``l.12`` form is read too, for logs made elsewhere.

Which file a message belongs to: TeX prints ``(`` + a path when it opens a file and ``)`` when
it closes it; a stack of those tells the file being read. Messages are attributed to the
innermost file of the project (a relative path: the paper's own .tex, .sty, .bbl); a line
number is kept only when that file was the one being read, and everything else falls back to
the main .tex. Errors are refined against the sources when they are given: the undefined
command is named, and "File ended while scanning use of \\textbf" (reported at the end of the
file) is moved to the line where that argument was opened.

Noise that is dropped: rerun requests and summaries ("Label(s) may have changed", "There were
undefined references"), which latexmk handles; and, when the log has errors, the "Citation/
Reference undefined" warnings, because a failed first pass never got to run BibTeX.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeGuard

from aisci.core.diagnostics import Diagnostic, has_errors, sort_key
from aisci.paper.prechecks import citations


@dataclass(frozen=True)
class LogRule:
    name: str
    pattern: re.Pattern
    severity: str | None  # None: recognised noise, dropped
    kind: str = "warning"  # "error": look ahead for l.<n>; "box": skip the box's content
    message: str = "{msg}"  # formatted with the pattern's named groups


def _r(p: str) -> re.Pattern:
    return re.compile(p)


LOG_RULES: tuple[LogRule, ...] = (
    LogRule(
        "file-line-error",
        _r(r"^(?P<file>(?:[A-Za-z]:)?[^\s:][^:]*\.\w+):(?P<line>\d+): (?P<msg>.*)$"),
        "error",
        "error",
    ),
    LogRule("tex-error", _r(r"^! (?P<msg>.*)$"), "error", "error"),
    LogRule(
        "rerun",
        _r(
            r"^(?:LaTeX|Package \S+) Warning: .*(?:Rerun to get|may have changed|There were "
            r"undefined|There were multiply-defined|Please \(re\)run)"
        ),
        None,
    ),
    LogRule("rerunfilecheck", _r(r"^Package rerunfilecheck Warning:"), None),
    LogRule(
        "undefined-citation",
        _r(
            r"^(?:LaTeX|Package natbib) Warning: Citation [`'](?P<key>[^']*)' "
            r"on page \S+ undefined"
        ),
        "warning",
        message="citation `{key}' is undefined (no entry in the .bib, or BibTeX did not run)",
    ),
    LogRule(
        "undefined-reference",
        _r(r"^LaTeX Warning: Reference [`'](?P<key>[^']*)' on page \S+ undefined"),
        "warning",
        message="reference `{key}' is undefined (no \\label{{{key}}})",
    ),
    LogRule(
        "empty-bibliography",
        _r(r"^LaTeX Warning: Empty `thebibliography' environment"),
        "warning",
        message="the bibliography is empty",
    ),
    LogRule(
        "missing-file-warning",
        _r(r"^LaTeX Warning: File [`'](?P<name>[^']*)' not found"),
        "warning",
        message="file `{name}' not found",
    ),
    LogRule("font-warning", _r(r"^LaTeX Font Warning: (?P<msg>.*)$"), "info"),
    LogRule("latex-warning", _r(r"^LaTeX Warning: (?P<msg>.*)$"), "warning"),
    LogRule(
        "package-warning",
        _r(r"^(?:Package|Class) (?P<pkg>\S+) Warning: (?P<msg>.*)$"),
        "warning",
        message="{pkg}: {msg}",
    ),
    LogRule(
        "overfull",
        _r(r"^Overfull \\(?P<box>[hv])box \((?P<amount>[^)]*)\)(?P<rest>.*)$"),
        "warning",
        "box",
        message="overfull \\{box}box ({amount}){rest}",
    ),
    LogRule(
        "underfull",
        _r(r"^Underfull \\(?P<box>[hv])box \((?P<amount>[^)]*)\)(?P<rest>.*)$"),
        "info",
        "box",
        message="underfull \\{box}box ({amount}){rest}",
    ),
    LogRule("pdftex-warning", _r(r"^pdfTeX warning(?: \([^)]*\))?: (?P<msg>.*)$"), "warning"),
    LogRule(
        "shell-escape",
        _r(r"^runsystem\((?P<cmd>.*)\)\.\.\.disabled"),
        "warning",
        message="\\write18 asked to run `{cmd}': programs never run in a paper build, nothing ran",
    ),
)

# Error messages rewritten into what to do (pattern on the message, replacement template).
ERROR_REFINEMENTS: tuple[tuple[re.Pattern, str], ...] = (
    (
        _r(r"LaTeX Error: File `(?P<name>[^']+\.(?:sty|cls))' not found"),
        "LaTeX package `{name}' is not installed or misspelled (check with `kpsewhich {name}`; on Debian "
        "most packages come with texlive-latex-extra or texlive-science)",
    ),
    (
        _r(r"(?:LaTeX|Package \S+) Error: File `(?P<name>[^']+)' not found"),
        "figure or input file `{name}' not found (figures live in the idea folder, \\graphicspath{{../}})",
    ),
)
_DROP_IF_OTHER_ERRORS = _r(r"^(?:Emergency stop|\s*==> Fatal error occurred|Job aborted)")
_UNRELIABLE_AFTER_ERRORS = {"undefined-citation", "undefined-reference", "empty-bibliography"}
_SOURCE_EXT = (".tex", ".sty", ".cls", ".bbl", ".bib")
_OPEN_PATH = _r(r'"?((?:\.{1,2}/|/|[A-Za-z]:[/\\])?[^\s()"]+\.[A-Za-z0-9]{1,8})"?(?=[\s()"\[{]|$)')
_CONTINUATION = _r(r"^\([A-Za-z][\w.-]*\)\s{2,}(?P<text>.*)$")
_INPUT_LINE = _r(r"on input line (\d+)")
_ERROR_LINE = _r(r"^l\.(\d+) ?(.*)$")
_RUNAWAY_CMD = _r(
    r"(?:File ended while scanning use of|Paragraph ended before) (\\\S+?)(?: was complete)?\s*\.?$"
)


class _Files:
    """The stack of files TeX has open, from the log's parentheses."""

    def __init__(self, main: str):
        self.main = main
        self.stack: list[str | None] = []

    def feed(self, line: str) -> None:
        for m in re.finditer(r"[()]", line):
            if m.group() == "(":
                p = _OPEN_PATH.match(line, m.end())
                self.stack.append(p.group(1) if p else None)
            elif self.stack:
                self.stack.pop()

    @staticmethod
    def is_project(path: str | None) -> TypeGuard[str]:
        return bool(path and not Path(path).is_absolute() and path.endswith(_SOURCE_EXT))

    def current(self) -> tuple[str, bool]:
        """(the innermost project file, whether it is the file being read right now)."""
        for depth, path in enumerate(reversed(self.stack)):
            if self.is_project(path):
                return _clean(path), depth == 0
        return self.main, not self.stack


def _clean(path: str) -> str:
    return path[2:] if path.startswith("./") else path


def _read_source(root: Path | None, name: str) -> list[str] | None:
    if root is None:
        return None
    try:
        return (Path(root) / name).read_text(encoding="utf-8", errors="replace").split("\n")
    except OSError:
        return None


def _runaway_line(lines: list[str], cmd: str, runaway: str, limit: int) -> int | None:
    """The last line at or before ``limit`` where ``cmd``'s unclosed argument starts."""
    snippet = re.split(r"\\", runaway.lstrip("{").strip())[0].strip()
    snippet = " ".join(snippet.split()[:4])
    best = None
    for n in range(min(limit, len(lines)), 0, -1):
        text = " ".join(lines[n - 1].split())
        if snippet and snippet in text:
            if cmd in text:
                return n
            best = best or n
        elif not snippet and cmd in text:
            return n
    return best


def parse_log(
    text: str, *, main: str = "template.tex", root: Path | None = None, failed: bool = False
) -> tuple[Diagnostic, ...]:
    """Diagnostics from a pdflatex log. ``root``: the folder of the sources, to refine lines.
    ``failed``: the build failed for another reason too (BibTeX), so drop what a complete
    build may resolve, as when the log itself has errors."""
    lines = text.splitlines()
    files = _Files(main)
    found: list[tuple[str, Diagnostic]] = []
    runaway = ""
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("Runaway argument?") and i + 1 < len(lines):
            runaway = lines[i + 1]
            i += 2
            continue
        rule, m = next(
            ((r, hit) for r in LOG_RULES if (hit := r.pattern.match(line))), (None, None)
        )
        if rule is None or m is None:
            files.feed(line)
            i += 1
            continue
        groups = {"msg": line, **{k: (v or "") for k, v in m.groupdict().items()}}
        raw, end = line, i + 1
        while end < len(lines) and (c := _CONTINUATION.match(lines[end])):  # "(natbib)   more text"
            groups["msg"] += " " + c.group("text")
            raw += " " + c.group("text")
            end += 1
        message = rule.message.format(**groups)
        file, current = files.current()
        lineno: int | None = None
        if rule.kind == "error":
            if files.is_project(groups.get("file")):  # else a system file: keep the project's
                file, lineno = _clean(groups["file"]), int(groups["line"])
            message, lineno, end = _error_details(lines, end, message, lineno, current)
            message, lineno = _refine(message, lineno, runaway, file, root)
            runaway = ""
        elif rule.kind == "box":
            at = re.search(r"at lines? (\d+)", raw)
            lineno = int(at.group(1)) if at and current else None
            while (
                end < len(lines) and lines[end].strip()
            ):  # the box's content, which may hold "(" or ")"
                end += 1
        else:
            at = _INPUT_LINE.search(raw)
            lineno = int(at.group(1)) if at and current else None
            message = _INPUT_LINE.sub("", message).rstrip(" .")
        if rule.severity is not None:
            found.append(
                (rule.name, Diagnostic(file, lineno, rule.severity, message.strip(), "latex"))
            )
        i = max(end, i + 1)
    return _tidy(found, failed)


def _error_details(
    lines: list[str], start: int, message: str, lineno: int | None, current: bool
) -> tuple[str, int | None, int]:
    """Look past an error line for ``l.<n> <text>``; returns (message, line, index after)."""
    for j in range(start, min(start + 25, len(lines))):
        if j > start and any(r.pattern.match(lines[j]) for r in LOG_RULES[:2]):
            stop = LOG_RULES[0].pattern.match(lines[j])
            if stop and stop["msg"].startswith("Emergency stop") and lineno is None and current:
                # A missing \input in nonstop mode: TeX stops at once, at that line.
                return message, int(stop["line"]), start
            break
        e = _ERROR_LINE.match(lines[j])
        if e:
            if lineno is None and current:
                lineno = int(e.group(1))
            if message.startswith("Undefined control sequence"):
                cs = re.findall(r"\\(?:[A-Za-z@]+|.)", e.group(2))
                if cs:
                    message = f"Undefined control sequence {cs[-1]}"
            return message, lineno, j + 2
    return message, lineno, start


def _refine(
    message: str, lineno: int | None, runaway: str, file: str, root: Path | None
) -> tuple[str, int | None]:
    for pattern, template in ERROR_REFINEMENTS:
        m = pattern.search(message)
        if m:
            return template.format(**m.groupdict()), lineno
    m = _RUNAWAY_CMD.search(message)
    source = _read_source(root, file) if m else None
    if m and source is not None:
        opened = _runaway_line(source, m.group(1), runaway, lineno or len(source))
        if opened is not None:
            return (
                f"{message.rstrip(' .')}: the argument opened on this line is never closed "
                f"(a missing `}}`)",
                opened,
            )
    return message, lineno


def _tidy(found: list[tuple[str, Diagnostic]], failed: bool) -> tuple[Diagnostic, ...]:
    diags = [d for _, d in found]
    if failed or has_errors(diags):
        real = [d for d in diags if d.is_error and not _DROP_IF_OTHER_ERRORS.match(d.message)]
        diags = [
            d
            for (name, d) in found
            if name not in _UNRELIABLE_AFTER_ERRORS
            and not (d.is_error and real and _DROP_IF_OTHER_ERRORS.match(d.message))
        ]
    # "File `x' not found" as a warning and as an error: keep the error.
    errors = {
        (d.file, q): d.line
        for d in diags
        if d.is_error
        for q in re.findall(r"`([^']+)'", d.message)
    }
    out = []
    for d in diags:
        quoted = [(d.file, q) for q in re.findall(r"`([^']+)'", d.message)]
        if not d.is_error and any(k in errors and d.line in (None, errors[k]) for k in quoted):
            continue
        out.append(d)
    return tuple(sorted(dict.fromkeys(out), key=sort_key))


# ---------------------------------------------------------------- BibTeX's .blg

BLG_RULES: tuple[tuple[str, re.Pattern, str], ...] = (
    (
        "missing-entry",
        _r(r'^Warning--I didn\'t find a database entry for "(?P<key>[^"]*)"'),
        "warning",
    ),
    ("entry-warning", _r(r"^Warning--(?P<msg>.*) in (?P<key>\S+)$"), "warning"),
    ("warning", _r(r"^Warning--(?P<msg>.*)$"), "warning"),
    ("bib-error", _r(r"^(?P<msg>.*)---line (?P<line>\d+) of file (?P<file>\S+)$"), "error"),
    (
        "no-database",
        _r(r"^I couldn't open (?P<msg>(?:database|style) file (?P<file>\S+))"),
        "error",
    ),
    ("no-citations", _r(r"^I found no \\citation commands"), "warning"),
    ("aux-error", _r(r"^(?P<msg>I found no \\(?:bibdata|bibstyle) command).*$"), "error"),
)


def parse_blg(
    text: str, *, main: str = "template.tex", root: Path | None = None
) -> tuple[Diagnostic, ...]:
    """Diagnostics from BibTeX's .blg; with ``root``, cite keys and entries get their lines."""
    tex = _read_source(root, main)
    cite_lines: dict[str, int] = {}
    for key, n in citations("\n".join(tex)) if tex else ():
        cite_lines.setdefault(key, n)
    databases = re.findall(r"^Database file #\d+: (\S+)", text, re.M)
    entry_lines: dict[str, tuple[str, int]] = {}
    for db in databases:
        for n, line in enumerate(_read_source(root, db) or (), 1):
            e = re.match(r"\s*@\s*\w+\s*[{(]\s*([^,\s]+)\s*,", line)
            if e:
                entry_lines.setdefault(e.group(1), (db, n))
    bib = databases[0] if databases else "references.bib"
    out: list[Diagnostic] = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("(Error may have been on previous line)") and out:
            d = out.pop()
            out.append(
                Diagnostic(
                    d.file, d.line, d.severity, d.message + " (or on the line before)", "bibtex"
                )
            )
            continue
        for name, pattern, severity in BLG_RULES:
            m = pattern.match(line)
            if not m:
                continue
            g = m.groupdict()
            if name == "missing-entry":
                out.append(
                    Diagnostic(
                        main,
                        cite_lines.get(g["key"]),
                        severity,
                        f"citation key `{g['key']}` has no entry in the bibliography",
                        "bibtex",
                    )
                )
            elif name == "entry-warning":
                file, entry_line = entry_lines.get(g["key"], (bib, None))
                out.append(
                    Diagnostic(
                        file, entry_line, severity, f"{g['msg']} in entry `{g['key']}`", "bibtex"
                    )
                )
            elif name == "bib-error":
                context = " ".join(
                    x.lstrip(" :").strip()
                    for x in lines[i + 1 : i + 3]
                    if x.startswith(" :") and x.lstrip(" :").strip()
                )
                message = g["msg"] + (f" (near: {context})" if context else "")
                out.append(Diagnostic(g["file"], int(g["line"]), severity, message, "bibtex"))
            elif name == "no-database":
                out.append(
                    Diagnostic(
                        g["file"] if "database" in g["msg"] else main,
                        None,
                        severity,
                        f"BibTeX could not open the {g['msg']}",
                        "bibtex",
                    )
                )
            elif name == "no-citations":
                out.append(Diagnostic(main, None, severity, "the paper cites nothing", "bibtex"))
            else:
                out.append(Diagnostic(main, None, severity, g.get("msg") or line.strip(), "bibtex"))
            break
    return tuple(sorted(dict.fromkeys(out), key=sort_key))


def first_error(diagnostics: Iterable[Diagnostic], main: str = "template.tex") -> Diagnostic | None:
    """The error to fix first: the earliest located one in ``main``, then in another file, then
    one with no line (a summary such as "latexmk failed")."""
    key = lambda d: (d.line is None, d.file != main, d.file, d.line or 0)  # noqa: E731
    return min((d for d in diagnostics if d.is_error), key=key, default=None)
