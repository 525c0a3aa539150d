"""The PDF of record: which PDF of a paper the editor shows, when it was built, whether it is stale.

Contract: an idea's paper (``<idea folder>/latex/template.tex``, the idea folder holding its
``state.json``) has one PDF of record, ``<idea folder>/<idea>.pdf``, and every successful build
writes it: the preview's build on save, Build Paper and a launch's write-up all pass it to
``compile_paper`` as ``output_pdf``, which replaces it (with its SyncTeX record beside it,
``<idea>.synctex.gz``) only when the build worked. A failed or cancelled build leaves it as it
was, so it is always the newest successful build. ``latex/template.pdf`` is latexmk's working
output, rewritten by every build, failed ones included: nothing shows it, except for a folder
built before this rule (no ``<idea>.pdf`` yet). A loose document (a .tex with ``\\documentclass``
outside an idea folder) has no kept copy: its own PDF is the record while its last build worked.

``keep_at`` says where a build keeps its good PDF; ``of_record`` / ``of_idea`` say which PDF to
show, with its build time and ``stale`` (a source in the LaTeX folder was written after it). The
preview, SyncTeX (through the preview), Open Paper Preview, Build Paper's result and the Papers
view all ask here; no other module picks a paper's PDF.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from aisci.core.folders import IDEA_FOLDER
from aisci.errors import AisciError
from aisci.execution import safefs
from aisci.lsp import locate

# What a paper is built from: a change to any of these makes the shown PDF "older than the source".
SOURCES = (".tex", ".bib", ".sty", ".cls", ".bst")


@dataclass(frozen=True)
class Record:
    pdf: Path
    built_at: float  # when it was written (the file's mtime, seconds since the epoch)
    stale: bool  # a source in latex/ was written after it: a save has not built (yet, or well)


def idea_of_latex(latex_dir: Path, main: str = "template.tex") -> Path | None:
    """The idea folder whose paper ``latex_dir/main`` is, or None for a loose document."""
    folder = Path(latex_dir).parent
    if Path(latex_dir).name != "latex" or main != "template.tex":
        return None
    if IDEA_FOLDER.match(folder.name) and (folder / "state.json").is_file():
        return folder
    return None


def keep_at(latex_dir: Path, main: str = "template.tex") -> Path | None:
    """Where a good build of ``latex_dir/main`` is kept (``output_pdf``); None: nowhere else."""
    folder = idea_of_latex(latex_dir, main)
    return None if folder is None else folder / f"{locate.idea_of_folder(folder)}.pdf"


def newest_source(latex_dir: Path) -> float:
    """The newest write time of a source in ``latex_dir``; links are not followed (a run's
    build writes there, so a name may be a link placed to point elsewhere)."""
    try:
        names = [n for n, k in safefs.list_dir(Path(latex_dir)) if k == "file"]
    except (OSError, AisciError):
        return 0.0
    times = [_mtime(Path(latex_dir) / n) for n in names if Path(n).suffix in SOURCES]
    return max((t for t in times if t is not None), default=0.0)


def _mtime(path: Path) -> float | None:
    """A regular file's write time, from lstat (a link is not a file here), or None."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return st.st_mtime if stat.S_ISREG(st.st_mode) else None


def _record(pdf: Path, latex_dir: Path) -> Record | None:
    built_at = _mtime(pdf)
    if built_at is None:
        return None
    return Record(pdf, built_at, newest_source(latex_dir) > built_at)


def of_record(
    latex_dir: Path, main: str = "template.tex", *, last_ok: bool = True
) -> Record | None:
    """The PDF to show for ``latex_dir/main``; ``last_ok``: whether its latest build worked
    (only a loose document needs it: its PDF is rewritten by a failed build too)."""
    latex_dir = Path(latex_dir)
    kept = keep_at(latex_dir, main)
    if kept is not None:
        found = _record(kept, latex_dir)
        if found is not None or kept.exists():
            return found
        # Built before the PDF of record was kept (or never built by a successful build).
        return _record(latex_dir / f"{Path(main).stem}.pdf", latex_dir)
    return _record(latex_dir / f"{Path(main).stem}.pdf", latex_dir) if last_ok else None


def of_idea(folder: Path) -> Record | None:
    """The PDF of record of an idea folder's paper."""
    return of_record(Path(folder) / "latex")
