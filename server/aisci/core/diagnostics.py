"""Diagnostic: one problem found in a paper's sources, located well enough to show it anywhere
(a terminal line, an editor's Problems panel, a prompt for the fix loop).

``file`` is relative to the folder that was checked (``template.tex``, ``references.bib``);
``line`` and ``column`` are 1-based when known. ``source`` names the tool that found it, so a
front end can group or filter (the LaTeX log, BibTeX's .blg, chktex, the cheap pre-checks, the
results consistency check).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

SEVERITIES = ("error", "warning", "info")
SOURCES = ("latex", "bibtex", "chktex", "precheck", "consistency")


@dataclass(frozen=True)
class Diagnostic:
    file: str
    line: int | None
    severity: str  # one of SEVERITIES
    message: str
    source: str  # one of SOURCES
    column: int | None = None

    def __post_init__(self) -> None:
        # Values are built by our own parsers; a wrong label is a bug, caught here once.
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}, not {self.severity!r}")
        if self.source not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}, not {self.source!r}")

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}"
            if self.column:
                where += f":{self.column}"
        return f"{where}: {self.severity}: {self.message} [{self.source}]"


def sort_key(d: Diagnostic) -> tuple:
    """Order for display: by file, then line (unknown lines first), then errors before warnings."""
    return (d.file, d.line or 0, SEVERITIES.index(d.severity), d.column or 0, d.message)


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.is_error for d in diagnostics)
