"""Diagnostics: what the core found, on the lines of the files it concerns.

Contract: ``DiagnosticStore`` keeps every file's diagnostics grouped by where they came from
(``template``, ``experiment``, ``build``, ``consistency``), and publishes a file's union each
time one group changes, so a new LaTeX build never wipes a template problem and vice versa.
``set_group(group, scope, by_file)`` replaces that group's diagnostics on every file under
``scope`` (files no longer named are cleared). Converters turn core ``Problem``s,
``aisci.core.diagnostics.Diagnostic``s and experiment tracebacks into LSP diagnostics
(0-based lines; an unknown line is line 0).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types

from aisci.core.diagnostics import Diagnostic
from aisci.errors import AisciError
from aisci.execution import safefs
from aisci.execution.runner import tail
from aisci.lsp.uris import path_to_uri

if TYPE_CHECKING:
    from aisci.lsp.jobs import Bridge
    from aisci.problems import Problem

_SEVERITY = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "info": types.DiagnosticSeverity.Information,
}
_FRAME = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+)')


def _range(line: int | None, column: int | None = None) -> types.Range:
    row = max(0, (line or 1) - 1)
    col = max(0, (column or 1) - 1)
    # To the end of the line: editors clip a range that is too long.
    return types.Range(
        types.Position(row, col), types.Position(row, 10_000 if column is None else col + 1)
    )


def make(
    message: str,
    severity: str,
    source: str,
    line: int | None,
    column: int | None = None,
    code: str | None = None,
) -> types.Diagnostic:
    return types.Diagnostic(
        range=_range(line, column),
        message=message,
        severity=_SEVERITY.get(severity, types.DiagnosticSeverity.Error),
        source=source,
        code=code,
    )


def from_problem(problem: Problem) -> types.Diagnostic:
    """A template ``Problem`` (problems.py)."""
    return make(
        problem.message, problem.severity, "aisci-template", problem.line, code=problem.field
    )


def from_core(diagnostic: Diagnostic) -> types.Diagnostic:
    """An ``aisci.core.diagnostics.Diagnostic`` (LaTeX log, BibTeX, chktex, pre-checks, consistency)."""
    return make(
        diagnostic.message,
        diagnostic.severity,
        diagnostic.source,
        diagnostic.line,
        diagnostic.column,
    )


def traceback_frame(folder: Path, stderr: str) -> tuple[int, str] | None:
    """(line, message) of the deepest frame in ``folder``/experiment.py of a Python traceback."""
    target = (Path(folder) / "experiment.py").resolve()
    line = None
    for match in _FRAME.finditer(stderr):
        file = Path(match["file"])
        if not file.is_absolute():
            file = Path(folder) / file
        if file.resolve() == target:
            line = int(match["line"])
    if line is None:
        return None
    lines = [ln.strip() for ln in stderr.strip().splitlines() if ln.strip()]
    return line, (lines[-1] if lines else "the experiment failed here")


class DiagnosticStore:
    def __init__(self, bridge: Bridge) -> None:
        self.bridge = bridge
        self._lock = threading.Lock()
        self._by_file: dict[str, dict[str, list[types.Diagnostic]]] = {}

    def set_group(
        self, group: str, scope: Path | str, by_file: Mapping[Path, Iterable[types.Diagnostic]]
    ) -> None:
        scope = Path(scope).resolve()
        wanted = {str(Path(p).resolve()): list(d) for p, d in by_file.items()}
        changed: list[str] = []
        with self._lock:
            for file, groups in self._by_file.items():
                inside = Path(file) == scope or scope in Path(file).parents
                if inside and group in groups and file not in wanted:
                    del groups[group]
                    changed.append(file)
            for file, diagnostics in wanted.items():
                self._by_file.setdefault(file, {})[group] = diagnostics
                changed.append(file)
        for file in dict.fromkeys(changed):
            self._publish(file)

    def get(self, path: Path | str) -> list[types.Diagnostic]:
        with self._lock:
            groups = self._by_file.get(str(Path(path).resolve()), {})
            return [d for ds in groups.values() for d in ds]

    def _publish(self, file: str) -> None:
        params = types.PublishDiagnosticsParams(uri=path_to_uri(file), diagnostics=self.get(file))
        self.bridge.call(self.bridge.ls.text_document_publish_diagnostics, params)

    # -- the sources -------------------------------------------------------------------
    def template_problems(self, template: Path, problems: Iterable[Problem]) -> None:
        by_file: dict[Path, list[types.Diagnostic]] = {}
        for problem in problems:
            path = Path(problem.file)
            path = path if path.is_absolute() else Path(template) / path
            if path.is_dir():  # "the template folder does not exist" has no file to sit on
                continue
            by_file.setdefault(path, []).append(from_problem(problem))
        self.set_group("template", template, by_file)

    def run_finished(self, folder: Path, run: str, ok: bool) -> None:
        """A failed run puts its traceback on experiment.py; a good one clears it."""
        experiment = Path(folder) / "experiment.py"
        found = None
        if not ok:
            found = traceback_frame(Path(folder), tail(Path(folder) / run / "stderr.log", 4000))
        if found is None:
            self.set_group("experiment", experiment, {})
            return
        line, message = found
        self.set_group(
            "experiment",
            experiment,
            {experiment: [make(f"{run} failed: {message}", "error", "aisci-experiment", line)]},
        )

    def core_diagnostics(self, group: str, root: Path, diagnostics: Iterable[Diagnostic]) -> None:
        """Diagnostics whose ``file`` is relative to ``root`` (the latex folder)."""
        by_file: dict[Path, list[types.Diagnostic]] = {}
        for d in diagnostics:
            path = Path(d.file)
            path = path if path.is_absolute() else Path(root) / path
            by_file.setdefault(path, []).append(from_core(d))
        self.set_group(group, root, by_file)

    def saved_paper_diagnostics(self, folder: Path) -> dict[str, int]:
        """Publish what the last paper build saved in ``latex/diagnostics.json``; returns counts."""
        latex = Path(folder) / "latex"
        try:
            saved = [
                Diagnostic(**d)
                for d in safefs.read_json(latex / "diagnostics.json", root=Path(folder))
            ]
        except (OSError, ValueError, TypeError, AisciError):
            return {"diagnostics": 0, "errors": 0}
        self.core_diagnostics("build", latex, [d for d in saved if d.source != "consistency"])
        self.core_diagnostics("consistency", latex, [d for d in saved if d.source == "consistency"])
        return {"diagnostics": len(saved), "errors": sum(d.is_error for d in saved)}
