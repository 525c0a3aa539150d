"""ChkTeX: the real program on the skeleton and on a planted issue; the output parser."""

from __future__ import annotations

import shutil

import pytest

from aisci.paper.chktex import SILENCED, parse_chktex, run_chktex
from tests.paper.helpers import line_of, replace_line

needs_chktex = pytest.mark.skipif(
    shutil.which("chktex") is None, reason="chktex is not installed (make setup)"
)


@needs_chktex
def test_skeleton_has_no_warnings_once_the_noisy_checks_are_silenced(latex_dir):
    assert run_chktex(latex_dir / "template.tex") == ()
    # ...and those checks do fire on it: silencing them is what keeps it clean.
    assert {
        int(d.message.rsplit(" ", 1)[1].rstrip(")"))
        for d in run_chktex(latex_dir / "template.tex", silence=())
    } <= set(SILENCED)
    assert run_chktex(latex_dir / "template.tex", silence=()) != ()


@needs_chktex
def test_planted_issue_is_reported_with_line_and_column(latex_dir):
    tex = latex_dir / "template.tex"
    line = line_of(tex, "RESULTS HERE")
    replace_line(tex, line, 'The loss falls... and "rises" again.')
    diags = run_chktex(tex)
    assert {(d.file, d.line, d.severity, d.source) for d in diags} == {
        ("template.tex", line, "warning", "chktex")
    }
    assert any("\\ldots" in d.message and d.column == 15 for d in diags)
    assert any("(chktex 18)" in d.message for d in diags)


def test_missing_chktex_gives_no_diagnostics(monkeypatch, tmp_path, latex_dir):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert run_chktex(latex_dir / "template.tex") == ()


def test_parse_output_lines():
    out = (
        "paper.tex\x1f12\x1f5\x1fWarning\x1f2\x1fNon-breaking space (`~') should have been used.\n"
        "paper.tex\x1f3\x1f1\x1fMessage\x1f30\x1fMultiple spaces detected in output.\n"
        "garbage line\n"
    )
    diags = parse_chktex(out)
    assert [(d.line, d.column, d.severity) for d in diags] == [(3, 1, "info"), (12, 5, "warning")]
    assert diags[1].message == "Non-breaking space (`~') should have been used. (chktex 2)"
