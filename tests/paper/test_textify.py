"""One TeX-to-text renderer for the reviewer and the editor (aisci.paper.textify)."""

from pathlib import Path

import pytest

from aisci.lsp.latex_features import render_text
from aisci.paper.review import tex_to_text
from aisci.paper.textify import latex_to_text
from tests.helpers import REPO

SHIPPED = sorted((REPO / "templates").glob("*/latex/template.tex"))


def test_texttt_content_is_kept_and_citations_are_markers():
    text = latex_to_text(
        "\\documentclass{article}\\title{On \\texttt{lr}}\\begin{document}\\maketitle\n"
        "We change only the \\texttt{LEARNING\\_RATE} constant of the \\texttt{experiment.py} "
        "script~\\citep{lu2024}, see Figure~\\ref{fig:a}. % a comment\n\\end{document}\n"
    )
    assert text.startswith("On lr\n")
    assert (
        "We change only the LEARNING_RATE constant of the experiment.py script [lu2024], see Figure [fig:a]."
        in text
    )
    assert "comment" not in text


@pytest.mark.parametrize("tex", SHIPPED, ids=lambda p: p.parts[-3])
def test_shipped_papers_render_the_same_for_reviewer_and_editor(tex: Path):
    source = tex.read_text(encoding="utf-8")
    reviewer, editor = tex_to_text(tex), render_text(source)
    assert reviewer == editor
    assert "\\" not in reviewer.replace("$\\", "")  # no macro left outside math
    assert "[lu2024aiscientist]" in reviewer or "\\cite" not in source
    # A \texttt in any shipped paper keeps its content in both.
    marked = source.replace("\\begin{abstract}", "\\begin{abstract}\\texttt{experiment.py} ")
    assert "experiment.py" in render_text(marked) and "experiment.py" in latex_to_text(marked)
