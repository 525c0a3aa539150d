"""The results consistency check on realistic papers and idea folders."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from aisci.errors import AisciError
from aisci.paper.build import compile_paper
from aisci.paper.chktex import run_chktex
from aisci.paper.consistency import check_consistency, format_report
from aisci.paper.prechecks import run_prechecks
from aisci.paper.stated_numbers import stated_numbers
from tests.paper.helpers import DATA, REPO, copy_skeleton, needs_tex

PAPER = (DATA / "paper.tex").read_text()
RUN_0 = {
    "sine": {
        "means": {"train_loss": 0.07013, "val_loss": 0.09118, "train_time": 58.07},
        "stderrs": {"train_loss": 0.0021, "val_loss": 0.00412},
        "final_info_dict": {
            "train_loss": [0.068, 0.071, 0.0713],
            "val_loss": [0.087, 0.093, 0.0934],
        },
    }
}
RUN_1 = {
    "sine": {
        "means": {"train_loss": 0.05204, "val_loss": 0.06342, "train_time": 72.41},
        "stderrs": {"train_loss": 0.0017, "val_loss": 0.00231},
        "final_info_dict": {
            "train_loss": [0.050, 0.053, 0.0531],
            "val_loss": [0.061, 0.064, 0.0652],
        },
    }
}
ADAM = (
    "@inproceedings{kingma2015adam, title = {Adam: A Method for Stochastic Optimization},\n"
    "  author = {Kingma, Diederik P. and Ba, Jimmy}, booktitle = {ICLR}, year = {2015}}\n"
)


def make_idea(tmp_path: Path, tex: str = PAPER, runs=(RUN_0, RUN_1)) -> Path:
    idea = tmp_path / "idea"
    latex = copy_skeleton(idea / "latex")
    (latex / "template.tex").write_text(tex, encoding="utf-8")
    (latex / "references.bib").write_text((latex / "references.bib").read_text() + ADAM)
    shutil.copy(REPO / "server" / "aisci" / "scaffold" / "experiment.py", idea / "experiment.py")
    for i, run in enumerate(runs):
        (idea / f"run_{i}").mkdir()
        (idea / f"run_{i}" / "final_info.json").write_text(json.dumps(run))
    return idea


def results_section(body: str) -> str:
    """A minimal paper whose Results section holds ``body``."""
    return (
        "\\documentclass{article}\n\\begin{document}\n\\section{Results}\n"
        + body
        + "\n\\end{document}\n"
    )


def _line(tex: str, needle: str) -> int:
    return next(n for n, line in enumerate(tex.splitlines(), 1) if needle in line)


def test_a_correct_realistic_paper_passes(tmp_path):
    report = check_consistency(make_idea(tmp_path))
    assert report.ok, format_report(report)
    assert report.checked >= 15  # abstract, results, table and caption numbers were looked at
    assert "all match" in format_report(report)


def test_a_planted_wrong_number_is_caught_with_its_line(tmp_path):
    tex = PAPER.replace("reaches $0.0634 \\pm 0.0023$", "reaches $0.0534 \\pm 0.0023$")
    report = check_consistency(make_idea(tmp_path, tex))
    [m] = report.mismatches
    assert (m.line, m.text, m.value) == (_line(tex, "reaches $0.0534"), "0.0534", 0.0534)
    assert "0.0534" in m.context
    # what it claims (the validation loss of the degree-9 run), and that claim's closest value
    assert m.nearest == "0.06342 (val_loss of run_1 on sine)"
    assert m.message == (
        "0.0534 stated as val_loss of run_1 on sine: no run measured it; "
        "closest value 0.06342 (val_loss of run_1 on sine)"
    )
    assert not report.ok
    [d] = report.diagnostics()
    assert (d.file, d.line, d.severity, d.source) == (
        "template.tex",
        m.line,
        "error",
        "consistency",
    )
    text = format_report(report)
    assert f"template.tex:{m.line}: 0.0534" in text and "not-a-result" in text


def test_a_wrong_table_cell_is_caught(tmp_path):
    tex = PAPER.replace("Degree 9 & 0.0520", "Degree 9 & 0.0420")
    report = check_consistency(make_idea(tmp_path, tex))
    assert [(m.line, m.text) for m in report.mismatches] == [
        (_line(tex, "Degree 9 & 0.0420"), "0.0420")
    ]


@pytest.mark.parametrize(
    "written",
    [
        "0.956",
        "0.9558",  # rounded, exact
        "95.6\\%",
        "95.58\\%",
        "96\\%",
        "$95.6\\%$",  # as a percent
        "$95.6 \\pm 4.4$\\%",  # a mean and its standard error, in percent
        "1.5 minutes",
        "90.5 s",
        "0.025 hours",
        "90{,}5",
        "2.5$\\times$ faster",  # ratio between runs, near a comparison
    ],
)
def test_rounding_percent_and_time_units_pass(tmp_path, written):
    runs = (
        {"d": {"means": {"acc": 0.9558, "time": 90.5}, "stderrs": {"acc": 0.044}}},
        {"d": {"means": {"acc": 0.80, "time": 36.2}}},
    )
    report = check_consistency(
        make_idea(tmp_path, results_section(f"We measure {written} in the end."), runs)
    )
    assert report.ok, format_report(report)


@pytest.mark.parametrize(
    "written",
    [
        "0.951",
        "0.9658",
        "0.955",  # truncated: rounded, 0.9558 is 0.956
        "97.1\\%",
        "3.1 minutes",
        "2.9$\\times$ faster",
        "0.956\\%",  # a fraction with a percent sign: 0.956 % is not 95.6 %
        "95.58",  # a percent without its sign: not x100
        "$95.6 \\pm 0.5$\\%",  # the spread is no standard error of it
    ],
)
def test_wrong_values_in_those_forms_fail(tmp_path, written):
    runs = (
        {"d": {"means": {"acc": 0.9558, "time": 90.5}}},
        {"d": {"means": {"acc": 0.80, "time": 36.2}}},
    )
    report = check_consistency(
        make_idea(tmp_path, results_section(f"We measure {written} in the end."), runs)
    )
    assert [m.line for m in report.mismatches] == [4]


def test_relative_change_between_runs(tmp_path):
    runs = ({"d": {"means": {"loss": 0.0912}}}, {"d": {"means": {"loss": 0.0634}}})
    good = results_section("The new model reduces the loss by 30.5\\% relative to the baseline.")
    assert check_consistency(make_idea(tmp_path / "a", good, runs)).ok
    bad = results_section("The new model reduces the loss by 35.5\\% relative to the baseline.")
    assert not check_consistency(make_idea(tmp_path / "b", bad, runs)).ok


def test_years_widths_references_citations_and_counts_are_ignored():
    body = "\n".join(
        [
            "In 2019, \\citet{smith2019} and \\citep[p.~17]{doe2021} tried this (see Section~\\ref{sec:12},",
            "Figure 14 and Table~\\ref{tab:3}).\\label{res:77}",
            "\\begin{figure}[h]\\includegraphics[width=0.73\\linewidth,trim=11 12 13 14]{fig_37.png}",
            "\\vspace{-3.7mm}\\hspace{0.25cm}\\end{figure}",
            "We use 3 seeds, 2 layers, a ResNet-50, CIFAR-100 and run\\_17; the 2nd run.",
            "\\begin{tabular}{p{3.5cm}c}\\multicolumn{2}{c}{Header}\\\\ \\end{tabular}",
            "A formula: \\begin{equation} y = 0.37 x + 12.5 \\end{equation} and \\[ z = 44.4 \\]",
            "Inline exponents $x^{23}$ and $w_{31}$ are not results. % 99.9 in a comment",
        ]
    )
    assert stated_numbers(results_section(body)) == []


def test_only_result_sections_tables_and_captions_are_checked():
    tex = "\n".join(
        [
            "\\documentclass{article}",
            "\\begin{document}",
            "\\begin{abstract}We reach 91.5\\% accuracy.\\end{abstract}",
            "\\section{Introduction} Prior work reached 87.3\\%.",
            "\\section{Related Work} Others report 77.7.",
            "\\section{Method} We scale by 0.37.",
            "\\begin{figure}\\caption{Loss falls to 0.123.}\\end{figure}",
            "\\section{Experimental Setup} We train for 1234 steps.",
            "\\section{Results on \\textsc{Sine}} The loss is 0.456.",
            "\\section{Conclusion} Overall 91.5\\%.",
            "\\section*{Acknowledgements} Funded by grant 123456.",
            "\\end{document}",
        ]
    )
    assert [(n.line, n.text) for n in stated_numbers(tex)] == [
        (3, "91.5\\%"),
        (7, "0.123"),
        (8, "1234"),
        (9, "0.456"),
        (10, "91.5\\%"),
    ]
    assert [n.line for n in stated_numbers(tex.replace("{Introduction}", "*{Abstract}"))][:2] == [
        3,
        4,
    ]


def test_opt_out_comment_and_code_constants(tmp_path):
    idea = make_idea(
        tmp_path,
        results_section(
            "We will try 123.4 next time. % aisci: not-a-result\n"
            "Training ran for 5000 steps with a learning rate of 0.1 and 20000 steps at full scale."
        ),
    )
    report = check_consistency(idea)
    assert report.ok, format_report(report)
    (idea / "experiment.py").unlink()  # without the code, 5000 and 20000 are unexplained
    assert [m.text for m in check_consistency(idea).mismatches] == ["5000", "20000"]


def test_constants_of_run_snapshots_count(tmp_path):
    idea = make_idea(tmp_path, results_section("We then used 777 hidden units."))
    assert not check_consistency(idea).ok
    (idea / "run_1.py").write_text("HIDDEN = 777\n")
    assert check_consistency(idea).ok


def test_the_baselines_code_counts_where_the_idea_has_no_run_0_py(tmp_path):
    """A sweep's idea copies the baseline's results, not its run_0.py: the baseline's setting
    (a learning rate the runs then changed) is still a setting, not an unmatched result."""
    idea = make_idea(tmp_path, results_section("The baseline used a learning rate of 0.00071."))
    assert [m.text for m in check_consistency(idea).mismatches] == ["0.00071"]
    baseline = tmp_path / "baseline_smoke"
    (baseline / "run_0").mkdir(parents=True)
    (baseline / "run_0.py").write_text("LEARNING_RATE = 7.1e-4\n")
    created = {"status": "done", "baseline": str(baseline / "run_0")}
    (idea / "state.json").write_text(json.dumps({"steps": {"created": created}}))
    assert check_consistency(idea).ok


def test_without_results_every_stated_number_is_unverified(tmp_path):
    report = check_consistency(make_idea(tmp_path, results_section("Accuracy was 0.93."), runs=()))
    assert [m.text for m in report.mismatches] == ["0.93"]
    assert any("no run_*/final_info.json" in n for n in report.notes)


def test_missing_paper_is_a_clear_error(tmp_path):
    with pytest.raises(AisciError, match="does not exist"):
        check_consistency(tmp_path)


def test_long_curves_contribute_only_their_ends_and_extremes(tmp_path):
    curve = [round(1 - i / 1000, 4) for i in range(500)]  # 1.0, 0.999, ... 0.501
    runs = ({"d": {"means": {"acc": 0.9}, "final_info_dict": {"val_acc": curve}}},)
    ok = make_idea(tmp_path / "a", results_section("It starts at 1.000 and ends at 0.501."), runs)
    assert check_consistency(ok).ok
    mid = make_idea(tmp_path / "b", results_section("Halfway it is 0.750."), runs)
    assert not check_consistency(mid).ok


@needs_tex
def test_the_realistic_paper_passes_every_check(tmp_path):
    idea = make_idea(tmp_path)
    (idea / "val_loss.png").write_bytes(
        (REPO / "tests" / "paper" / "data" / "val_loss.png").read_bytes()
    )
    tex = idea / "latex" / "template.tex"
    assert run_prechecks(tex) == ()
    assert run_chktex(tex) == ()
    result = compile_paper(idea / "latex", output_pdf=idea / "idea.pdf")
    assert result.ok and result.diagnostics == (), result.diagnostics
    assert check_consistency(idea).ok
