"""Pre-checks of the .tex, before LaTeX: citations, figures, duplicates, each with its line."""

from __future__ import annotations

from aisci.paper.prechecks import citations, run_prechecks, strip_comments
from tests.paper.helpers import line_of, replace_line


def _by_line(diags):
    return {(d.line, d.severity): d.message for d in diags}


def test_skeleton_is_clean(latex_dir):
    assert run_prechecks(latex_dir / "template.tex") == ()


def test_missing_figure_and_unknown_citation_with_their_lines(latex_dir):
    tex = latex_dir / "template.tex"
    fig_line = line_of(tex, "RESULTS HERE")
    replace_line(tex, fig_line, "\\includegraphics[width=0.5\\linewidth]{val_loss}")
    cite_line = line_of(tex, "RELATED WORK HERE")
    replace_line(tex, cite_line, "Prior work~\\citep{lu2024aiscientist, vaswani2017attention}.")
    diags = run_prechecks(tex)
    assert [(d.line, d.severity, d.source) for d in diags] == [
        (cite_line, "error", "precheck"),
        (fig_line, "error", "precheck"),
    ]
    messages = _by_line(diags)
    assert "`vaswani2017attention`" in messages[(cite_line, "error")]
    assert "`val_loss`" in messages[(fig_line, "error")]
    assert "latex/" in messages[(fig_line, "error")]  # says where it looked


def test_figure_found_in_the_idea_folder_through_graphicspath(latex_dir):
    (latex_dir.parent / "val_loss.png").write_bytes(b"\x89PNG fake")
    tex = latex_dir / "template.tex"
    replace_line(tex, line_of(tex, "RESULTS HERE"), "\\includegraphics{val_loss}")
    assert run_prechecks(tex) == ()


def test_figure_included_twice_and_duplicate_sections(latex_dir):
    (latex_dir.parent / "a.png").write_bytes(b"x")
    tex = latex_dir / "template.tex"
    first = line_of(tex, "RESULTS HERE")
    replace_line(tex, first, "\\includegraphics{a.png}")
    second = line_of(tex, "CONCLUSIONS HERE")
    replace_line(tex, second, "\\includegraphics{a}\n\\section{Results}")
    diags = run_prechecks(tex)
    messages = _by_line(diags)
    assert f"first on line {first}" in messages[(second, "warning")]
    assert "section title `Results` is used twice" in messages[(second + 1, "warning")]


def test_comments_are_not_checked(latex_dir):
    tex = latex_dir / "template.tex"
    replace_line(
        tex,
        line_of(tex, "RESULTS HERE"),
        "100\\% of runs % \\citep{ghost} \\includegraphics{ghost.png}",
    )
    assert run_prechecks(tex) == ()


def test_bibliography_file_missing_or_written_by_filecontents(tmp_path):
    tex = tmp_path / "paper.tex"
    tex.write_text(
        "\\documentclass{article}\n\\begin{document}\nSee \\cite{a}.\n"
        "\\bibliography{refs}\n\\end{document}\n"
    )
    [d] = run_prechecks(tex)
    assert (d.line, d.severity) == (4, "error") and "refs.bib" in d.message
    tex.write_text(
        "\\begin{filecontents}{refs.bib}\n@article{a, title={A}, year={2020}}\n\\end{filecontents}\n"
        + tex.read_text()
    )
    assert run_prechecks(tex) == ()


def test_duplicate_label_and_undefined_reference(tmp_path):
    tex = tmp_path / "paper.tex"
    tex.write_text("\\section{A}\\label{s}\n\\section{B}\\label{s}\nSee \\cref{s,t}.\n")
    assert _by_line(run_prechecks(tex)) == {
        (2, "warning"): "label `s` is defined twice (first on line 1)",
        (3, "warning"): "reference to undefined label `t`",
    }


def test_cite_without_bibliography_command(tmp_path):
    tex = tmp_path / "paper.tex"
    tex.write_text("Text.\n\\citet[p.~3]{a}\n")
    [d] = run_prechecks(tex)
    assert (d.line, d.severity) == (2, "error") and "no \\bibliography" in d.message


def test_helpers_keep_offsets_and_split_keys():
    text = "a % comment \\cite{x}\n50\\% b \\citep[see][p.~2]{k1, k2}\n\\nocite{*}\n"
    stripped = strip_comments(text)
    assert len(stripped) == len(text) and "comment" not in stripped and "50\\%" in stripped
    assert citations(text) == [("k1", 2), ("k2", 2)]
