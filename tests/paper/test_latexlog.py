"""The .log and .blg parsers, on logs that real pdflatex and BibTeX runs wrote (tests/paper/data/),
and on short excerpts in the shapes TeX prints."""

from __future__ import annotations

from aisci.core.diagnostics import Diagnostic
from aisci.paper.latexlog import LOG_RULES, first_error, parse_blg, parse_log
from tests.paper.helpers import DATA


def _parse(case: str):
    folder = DATA / case
    return parse_log((folder / "template.log").read_text(), root=folder)


def test_file_line_errors_from_a_real_log():
    diags = _parse("log_errors")
    assert [(d.file, d.line, d.severity) for d in diags] == [
        ("template.tex", 30, "error"),
        ("template.tex", 38, "error"),
    ]
    assert diags[0].message == "Undefined control sequence \\badcommand"
    assert "`nofig.png' not found" in diags[1].message
    # The first pass failed before BibTeX: its "citation undefined" warnings are not reported.
    assert not any("citation" in d.message for d in diags)


def test_classic_wrapped_log_gives_the_same_lines():
    """A log written without -file-line-error and wrapped at 79 columns (pdflatex's defaults)."""
    assert [(d.line, d.severity) for d in _parse("log_classic")] == [(30, "error"), (38, "error")]


def test_unclosed_argument_is_moved_to_the_line_that_opened_it():
    diags = _parse("log_runaway")
    errors = [d for d in diags if d.is_error]
    assert [(d.line, "\\textbf" in d.message) for d in errors] == [(34, True)]
    # TeX itself reports it at the end of the file; without the source that is all we know.
    raw = parse_log((DATA / "log_runaway" / "template.log").read_text())
    assert [d.line for d in raw if d.is_error] == [None]
    overfull = [d for d in diags if "overfull" in d.message]
    assert [(d.line, d.severity) for d in overfull] == [(30, "warning")]


def test_warnings_get_their_input_line_and_package_continuations():
    log = "\n".join(
        [
            "(./template.tex",
            "(/usr/share/texlive/texmf-dist/tex/latex/base/article.cls",
            "Package hyperref Warning: Token not allowed in a PDF string (Unicode):",
            "(hyperref)                removing `math shift' on input line 12.",
            ")",
            "LaTeX Warning: Reference `sec:missing' on page 2 undefined on input line 41.",
            "",
            "Package hyperref Warning: Token not allowed in a PDF string (Unicode):",
            "(hyperref)                removing `math shift' on input line 12.",
            "",
            "LaTeX Warning: Label(s) may have changed. Rerun to get cross-references right.",
            ")",
        ]
    )
    diags = parse_log(log)
    assert [(d.file, d.line, d.severity) for d in diags] == [
        ("template.tex", None, "warning"),  # issued while article.cls was being read
        ("template.tex", 12, "warning"),
        ("template.tex", 41, "warning"),
    ]
    assert "removing `math shift'" in diags[1].message
    assert "sec:missing" in diags[2].message


def test_messages_from_an_included_file_are_attributed_to_it():
    log = "\n".join(
        [
            "(./template.tex (./sections/results.tex",
            "./sections/results.tex:7: Undefined control sequence.",
            "l.7 \\foo",
            "",
            "LaTeX Warning: Citation `x' on page 1 undefined on input line 9.",
            ") (/usr/share/texmf/tex/latex/x.fd)",
            "Overfull \\hbox (12.0pt too wide) in paragraph at lines 50--52",
            "[]\\T1/ptm/m/n/10 text (with an unbalanced parenthesis",
            "",
            "! Missing $ inserted.",
            "l.60 x^",
            ")",
        ]
    )
    diags = parse_log(log)
    assert [(d.file, d.line, d.severity) for d in diags] == [
        ("sections/results.tex", 7, "error"),
        ("template.tex", 50, "warning"),
        ("template.tex", 60, "error"),
    ]


def test_missing_package_message_says_what_to_do():
    log = "(./template.tex\n./template.tex:3: LaTeX Error: File `fancystuff.sty' not found.\n\nl.3 \\usepackage\n"
    [d] = parse_log(log)
    assert (
        d.line == 3 and "fancystuff.sty' is not installed" in d.message and "kpsewhich" in d.message
    )


def test_the_rule_table_is_ordered_errors_first():
    assert [r.name for r in LOG_RULES[:2]] == ["file-line-error", "tex-error"]


def test_blg_of_a_real_bibtex_run():
    folder = DATA / "blg_errors"
    diags = parse_blg((folder / "template.blg").read_text(), root=folder)
    errors = [(d.file, d.line) for d in diags if d.is_error]
    assert errors == [("references.bib", 10), ("references.bib", 14)]
    by_message = {d.message: d for d in diags}
    assert "Repeated entry (near: @article{lu2024aiscientist ,)" in by_message
    missing = [d for d in diags if "missing1" in d.message]
    assert [(d.file, d.line) for d in missing] == [("template.tex", 22)]
    empty_title = [d for d in diags if "empty title" in d.message]
    assert [(d.file, d.line) for d in empty_title] == [("references.bib", 19)]
    assert all(d.source == "bibtex" for d in diags)


def test_blg_without_sources_still_names_the_problems():
    blg = (
        "Database file #1: references.bib\n"
        'Warning--I didn\'t find a database entry for "ghost"\n'
        "I couldn't open database file refs.bib\n"
    )
    diags = parse_blg(blg)
    assert [(d.file, d.line, d.severity) for d in diags] == [
        ("refs.bib", None, "error"),
        ("template.tex", None, "warning"),
    ]


# What pdflatex wrote (TeX Live 2022, openin_any=p) for `\input{/etc/hostname}` on line 4.
_REFUSED_INPUT_LOG = """(./template.tex
! LaTeX Error: File `/etc/hostname.tex' not found.

Type X to quit or <RETURN> to proceed,
or enter new name. (Default extension: tex)

Enter file name:
./template.tex:4: Emergency stop.
<read *>

l.4 \\input{/etc/hostname}
                         ^^M
*** (cannot \\read from terminal in nonstop modes)
"""
_REFUSED_OUTPUT = (
    "pdflatex: Not reading from /etc/hostname (openin_any = p).\n"
    "pdflatex: Not reading from ..//fig.png (openin_any = p).\n"
    "pdflatex: Not reading from ../fig.png.pdf (openin_any = p).\n"
    "pdflatex: Not writing to /tmp/x.txt (openout_any = p).\n"
)


def test_a_refused_input_is_named_on_the_line_that_asked_for_it():
    from aisci.paper.refusals import note_refusals

    diags = note_refusals(parse_log(_REFUSED_INPUT_LOG, failed=True), _REFUSED_OUTPUT)
    errors = [d for d in diags if d.is_error]
    assert [d.line for d in errors] == [4]
    assert "TeX refused to read /etc/hostname" in errors[0].message
    # The refusals no error explains come once each, in one warning, extension variants folded.
    (rest,) = [d for d in diags if d.severity == "warning"]
    assert "../fig.png, /tmp/x.txt" in rest.message and "fig.png.pdf" not in rest.message


def test_write18_is_reported_as_not_run():
    log = "(./template.tex\nrunsystem(touch /tmp/pwned)...disabled.\n)"
    (d,) = parse_log(log)
    assert (
        d.severity == "warning" and "touch /tmp/pwned" in d.message and "nothing ran" in d.message
    )
    assert any(rule.name == "shell-escape" for rule in LOG_RULES)


def test_first_error_is_the_earliest_located_one_in_the_main_file():
    found = [
        Diagnostic("template.tex", None, "error", "latexmk failed (exit 12)", "latex"),
        Diagnostic(
            "template.tex", 3, "warning", "a warning comes before, but is no error", "latex"
        ),
        Diagnostic("aisci.sty", 2, "error", "in another file", "latex"),
        Diagnostic("template.tex", 40, "error", "the later one", "latex"),
        Diagnostic("template.tex", 12, "error", "Undefined control sequence \\foo", "latex"),
    ]
    assert first_error(found).line == 12
    assert first_error(found[:3]).file == "aisci.sty"
    assert first_error(found[:2]).message.startswith("latexmk failed")
    assert first_error(found[1:2]) is None
