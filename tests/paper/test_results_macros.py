"""latex/results.tex: the runs' values as macros, derived values, hostile names, the pre-check
that turns a literal number into its macro, and a real build that prints the same text."""

from __future__ import annotations

import json
import re
import shutil
import zlib
from pathlib import Path

import pytest

from aisci.core.ideas import Idea
from aisci.core.metric import Metric
from aisci.core.scientist import RunRecord
from aisci.core.search import Node, Tree, save_tree
from aisci.paper.build import compile_paper
from aisci.paper.results_literals import (
    as_macros,
    conversions,
    literal_diagnostics,
    resolved,
    unescaped_calls,
    unknown_calls,
)
from aisci.paper.results_macros import (
    RESULTS_FILE,
    call,
    ensure_results_input,
    results,
    safe_name,
    write_results_tex,
)
from aisci.paper.review import pdf_to_text
from aisci.paper.search_paragraph import search_paragraph
from aisci.scientists.sweep.report import SweepReport
from tests.paper.helpers import copy_skeleton, needs_tex

# grokking's shape: means, stderrs over seeds and the per-seed lists.
GROKKING_0 = {
    "x_plus_y": {
        "means": {"final_val_acc": 0.91234, "step_val_acc_99": 2400.0},
        "stderrs": {"final_val_acc": 0.0123},
        "final_info_dict": {
            "final_val_acc": [0.9, 0.91, 0.92],
            "step_val_acc_99": [2300, 2400, 2500],
        },
    },
    "x_div_y": {
        "means": {"final_val_acc": 0.5},
        "stderrs": {"final_val_acc": 0.02},
        "final_info_dict": {"final_val_acc": [0.48, 0.5, 0.52]},
    },
}
# One seed: no stderr, a per-seed list of one.
GROKKING_1 = {
    "x_plus_y": {
        "means": {"final_val_acc": 0.8, "step_val_acc_99": 2600.0},
        "final_info_dict": {"final_val_acc": [0.8], "step_val_acc_99": [2600]},
    },
    "x_div_y": {"means": {"final_val_acc": 0.7}, "final_info_dict": {"final_val_acc": [0.7]}},
}
# The original system's shape: means only.
ORIGINAL_2 = {"x_plus_y": {"means": {"final_val_acc": 0.95}}}
HOSTILE = {"a b\\input{/etc/passwd}%": {"means": {"we^^5cird}\\def": 2.5}}}


def pdf_streams(pdf: Path) -> list[bytes]:
    """The PDF's decompressed streams (hyperref's link names live in compressed objects)."""
    out = []
    for m in re.finditer(rb"stream\r?\n(.*?)endstream", pdf.read_bytes(), re.S):
        try:
            out.append(zlib.decompress(m.group(1)))
        except zlib.error:
            continue  # an image, or a stream that is not deflated
    return out


def make_runs(tmp_path: Path, *runs: dict) -> Path:
    folder = tmp_path / "idea"
    for i, run in enumerate(runs):
        (folder / f"run_{i}").mkdir(parents=True)
        (folder / f"run_{i}" / "final_info.json").write_text(json.dumps(run), encoding="utf-8")
    return folder


def test_each_value_is_named_by_run_data_set_metric_and_statistic(tmp_path):
    found = results(make_runs(tmp_path, GROKKING_0, GROKKING_1, ORIGINAL_2))
    assert found.runs == ("run_0", "run_1", "run_2")
    mean = found.get("res", "run_0", "x_plus_y", "final_val_acc")
    assert mean and mean.call == r"\res{run_0}{x_plus_y}{final_val_acc}"
    assert (mean.text, mean.seeds) == ("0.9123", 3)
    assert mean.source == "run_0/final_info.json: x_plus_y.means.final_val_acc over 3 seeds"
    err = found.get("reserr", "run_0", "x_plus_y", "final_val_acc")
    assert err and err.text == "0.01230"
    assert found.get("resn", "run_0", "x_plus_y", "final_val_acc").text == "3"
    assert found.get("res", "run_0", "x_plus_y", "step_val_acc_99").text == "2400"
    # The original system's runs record no seeds: no count is made up for them.
    original = found.get("res", "run_2", "x_plus_y", "final_val_acc")
    assert original and original.seeds is None and original.text == "0.9500"
    assert found.get("resn", "run_2", "x_plus_y", "final_val_acc") is None


def test_one_seed_prints_no_plus_minus_and_says_n(tmp_path):
    found = results(make_runs(tmp_path, GROKKING_0, GROKKING_1, ORIGINAL_2))
    three = found.get("respm", "run_0", "x_plus_y", "final_val_acc")
    assert three.text == r"0.9123 \ensuremath{\pm} 0.01230 (\ensuremath{n = 3})"
    one = found.get("respm", "run_1", "x_plus_y", "final_val_acc")
    assert one.text == r"0.8000 (\ensuremath{n = 1})" and "pm" not in one.text
    assert found.get("reserr", "run_1", "x_plus_y", "final_val_acc") is None
    assert found.get("respm", "run_2", "x_plus_y", "final_val_acc").text == "0.9500"


def test_derived_values_keep_the_sign_of_the_data(tmp_path):
    found = results(make_runs(tmp_path, GROKKING_0, GROKKING_1, ORIGINAL_2))
    names = ("x_plus_y", "final_val_acc")
    down = found.get("reschange", "run_0", "run_1", *names)
    assert down and down.value == pytest.approx(100 * (0.8 - 0.91234) / 0.91234)
    assert down.text == "-12.31"  # a decrease is negative, whatever the prose calls it
    up = found.get("reschange", "run_1", "run_0", *names)
    assert up.text == "14.04"
    assert found.get("resdiff", "run_0", "run_1", *names).text == "-0.1123"
    assert found.get("resavg", "run_1", "final_val_acc").text == "0.7500"
    assert found.get("resavg", "run_2", "final_val_acc") is None  # one data set: no mean over them
    assert found.get("resmax", *names).text == "0.9500"
    assert found.get("resmaxrun", *names).text == r"\texttt{run\_2}"
    assert found.get("resmin", *names).text == "0.8000"
    # A step count that is lower is better or worse: max and min are both there, by their data.
    assert found.get("resminrun", "x_plus_y", "step_val_acc_99").source.endswith(": run_0")


def test_hostile_names_never_reach_tex_as_they_are(tmp_path):
    folder = make_runs(tmp_path, HOSTILE, HOSTILE)
    found = write_results_tex(folder)
    dataset, metric = next(iter(HOSTILE.items()))[0], "we^^5cird}\\def"
    value = found.get("res", "run_0", dataset, metric)
    assert value and value.text == "2.500"
    assert re.fullmatch(
        r"\\res\{run_0\}\{a-b-input-etc-passwd-[0-9a-f]{6}\}\{we-5cird-def-[0-9a-f]{6}\}",
        value.call,
    )
    assert safe_name("x_plus_y") == "x_plus_y" and safe_name("a b") != safe_name("a-b")
    tex = (folder / "latex" / RESULTS_FILE).read_text(encoding="utf-8")
    assert "\\input{/etc/passwd}" not in tex and "^^5c" not in tex and "}\\def" not in tex
    assert r"\texttt{a b\textbackslash{}input\{/etc/passwd\}\%}" in tex  # shown, quoted


def test_a_tree_search_confirmation_has_its_own_names(tmp_path):
    folder = make_runs(tmp_path, GROKKING_0, GROKKING_1)
    stats = {"n": 3, "mean": 0.85, "std": 0.01, "stderr": 0.00577, "min": 0.84, "max": 0.86}
    conf = {"node": 1, "run": "run_1", "n": 3, "seeds": [1, 2, 3], "mean": 0.85, "std": 0.01}
    tree = Tree("tree", confirmation={**conf, "means": {"x_plus_y": {"final_val_acc": stats}}})
    save_tree(folder, tree)
    found = results(folder)
    assert found.get("resseeds", "x_plus_y", "final_val_acc", "mean").text == "0.8500"
    assert found.get("resseeds", "x_plus_y", "final_val_acc", "n").text == "3"
    assert (
        "run_1 re-run with 3 seeds"
        in found.get("resseeds", "x_plus_y", "final_val_acc", "std").source
    )


def test_the_pre_check_converts_only_a_number_that_is_exactly_one_value(tmp_path):
    found = results(make_runs(tmp_path, GROKKING_0, GROKKING_1, ORIGINAL_2))
    tex = (
        "\\begin{document}\n\\section{Results}\n"
        "The baseline reaches 0.9123 and run 1 reaches 0.8000.\n"  # one value each
        "Both runs of x_div_y print 0.5000 and 0.7000; 0.5 is not the printed precision.\n"
        "It took 2400 steps, 12.31\\% less, at 0.9500\\,\\% of the time. % 0.9123 in a comment\n"
        "\\includegraphics[width=0.9500\\linewidth]{a.png}\n\\end{document}\n"
    )
    new, done = as_macros(tex, found)
    assert [(c.line, c.text) for c in done] == [
        (3, "0.9123"),
        (3, "0.8000"),
        (4, "0.5000"),
        (4, "0.7000"),
    ]
    assert (
        "reaches \\res{run_0}{x_plus_y}{final_val_acc} and run 1 reaches \\res{run_1}{x_plus_y}{final_val_acc}."
        in new
    )
    assert (
        "print \\res{run_0}{x_div_y}{final_val_acc} and \\res{run_1}{x_div_y}{final_val_acc}; 0.5 is"
        in new
    )
    # An integer (a count, a step, a sentinel), a percent, a comment and a width stay as written.
    assert "2400 steps, 12.31\\% less, at 0.9500\\,\\% of the time. % 0.9123 in a comment" in new
    assert "width=0.9500\\linewidth" in new
    # A number that prints as two recorded values is the writer's to name: it stays.
    twice = results(make_runs(tmp_path / "b", ORIGINAL_2, ORIGINAL_2))
    assert conversions("\\begin{document}\nboth 0.9500\n\\end{document}", twice) == []


def test_the_build_warns_of_a_literal_that_has_a_macro(tmp_path):
    folder = make_runs(tmp_path, GROKKING_0, GROKKING_1)
    tex = copy_skeleton(folder / "latex") / "template.tex"
    tex.write_text(tex.read_text().replace("RESULTS HERE", "It reaches 0.9123."), encoding="utf-8")
    (warning,) = literal_diagnostics(folder, tex)
    assert (
        warning.severity == "warning"
        and warning.line == tex.read_text().splitlines().index("It reaches 0.9123.") + 1
    )
    assert "write it as \\res{run_0}{x_plus_y}{final_val_acc}" in warning.message


def test_calls_are_checked_and_escaped_underscores_repaired(tmp_path):
    found = results(make_runs(tmp_path, GROKKING_0, GROKKING_1))
    body = r"\res{run\_0}{x\_plus\_y}{final\_val\_acc} and \_ stays; \reschange{run_0}{run_9}{x_plus_y}{final_val_acc}"
    fixed = unescaped_calls(body)
    assert fixed.startswith(r"\res{run_0}{x_plus_y}{final_val_acc} and \_ stays")
    assert unknown_calls(fixed, found) == [r"\reschange{run_0}{run_9}{x_plus_y}{final_val_acc}"]
    assert unknown_calls(r"\res{run_0}{x_plus_y}", found) == [r"\res{run_0}{x_plus_y}"]


def test_the_paper_inputs_results_tex_once(tmp_path):
    latex = copy_skeleton(tmp_path / "latex")
    text = (latex / "template.tex").read_text(encoding="utf-8")
    assert ensure_results_input(text, latex) == text  # the scaffold's aisci.sty inputs it
    foreign = "\\documentclass{article}\n\\begin{document}\nx\n\\end{document}\n"
    added = ensure_results_input(foreign, latex)
    assert "\\IfFileExists{results.tex}{\\input{results.tex}}{}\n\\begin{document}" in added
    assert ensure_results_input(added, latex) == added


def test_the_best_node_is_described_by_its_whole_path():
    metric = Metric("final_val_acc", "x_plus_y", "max", "the template")
    means = {"x_plus_y": {"final_val_acc": 0.99}}
    nodes = (
        Node(0, None, "root", "the baseline", "done", code_hash="a", metric=0.9, means=means),
        Node(
            2,
            0,
            "draft",
            "Set LEARNING_RATE to 0.003 (from 0.001)",
            "done",
            code_hash="b",
            metric=0.95,
            means=means,
        ),
        Node(
            6,
            2,
            "improve",
            "Set TRAIN_FRACTION to 0.7",
            "done",
            code_hash="c",
            metric=0.99,
            means=means,
        ),
    )
    text = search_paragraph(Tree("tree", nodes, metric.to_dict(), {"max_nodes": 8}))
    assert (
        "every change on its path from the baseline, in order: \\texttt{run\\_2}: Set LEARNING\\_RATE to 0.003;"
        in text
    )
    assert "\\texttt{run\\_6}: Set TRAIN\\_FRACTION to 0.7" in text
    assert call("res", "run_6", "x_plus_y", "final_val_acc") in text


@needs_tex
def test_a_paper_with_macros_prints_the_same_text_and_its_sources(tmp_path):
    """One real pdflatex build each: the literal paper and the macro paper read the same, and
    the macro paper ends with the table of sources."""
    folder = make_runs(tmp_path, GROKKING_0, GROKKING_1)
    write_results_tex(folder)
    sentence = (
        "The baseline reaches {a} ({pm}); with one seed, {b}. The change is {c}\\% and the "
        "best run is {best}."
    )
    literal = sentence.format(
        a="0.9123",
        pm="0.9123 $\\pm$ 0.01230 ($n = 3$)",
        b="0.8000 ($n = 1$)",
        c="-12.31",
        best="\\texttt{run\\_0}",
    )
    macros = sentence.format(
        a=call("res", "run_0", "x_plus_y", "final_val_acc"),
        pm=call("respm", "run_0", "x_plus_y", "final_val_acc"),
        b=call("respm", "run_1", "x_plus_y", "final_val_acc"),
        c=call("reschange", "run_0", "run_1", "x_plus_y", "final_val_acc"),
        best=call("resmaxrun", "x_plus_y", "final_val_acc"),
    )
    texts, links = {}, {}
    for name, body in (("literal", literal), ("macros", macros)):
        latex = copy_skeleton(tmp_path / name)
        shutil.copy(folder / "latex" / RESULTS_FILE, latex / RESULTS_FILE)
        skeleton = (latex / "template.tex").read_text(encoding="utf-8")
        (latex / "template.tex").write_text(
            skeleton.replace("RESULTS HERE", body), encoding="utf-8"
        )
        result = compile_paper(latex, timeout_s=120)
        assert result.ok, [str(d) for d in result.diagnostics]
        texts[name] = " ".join(pdf_to_text(latex / "template.pdf").split())
        links[name] = sum(s.count(b"aiscires.") for s in pdf_streams(latex / "template.pdf"))
    paper, sources = texts["macros"].split("Sources of the results")
    # The same text up to the references (the page numbers after them differ: one more page).
    assert paper.split("References")[0] == texts["literal"].split("References")[0]
    assert (
        "The baseline reaches 0.9123 (0.9123 ± 0.01230 (n = 3)); with one seed, 0.8000 (n = 1)."
        in paper
    )
    assert "run_0/final_info.json:" in sources and "x_plus_y.means.final_val_acc" in sources
    assert "0.9123 ± 0.01230" in sources and "\\res{run_0}{x_plus_y}" in sources
    assert "relative change in % from run_0 to run_1" in sources
    # Each printed value links to its row: link annotations and their targets are in the PDF.
    assert links["literal"] == 0 and links["macros"] >= 10


def test_many_runs_write_only_the_changes_a_paper_uses(tmp_path):
    folder = make_runs(tmp_path, *[ORIGINAL_2] * 12)
    (folder / "latex").mkdir()
    used = call("reschange", "run_3", "run_5", "x_plus_y", "final_val_acc")
    (folder / "latex" / "template.tex").write_text(f"x {used}\n", encoding="utf-8")
    found = write_results_tex(folder)
    assert found.get("reschange", "run_4", "run_5", "x_plus_y", "final_val_acc")  # known here
    tex = (folder / "latex" / RESULTS_FILE).read_text(encoding="utf-8")
    assert "{reschange@run_3/run_5/x_plus_y/final_val_acc}" in tex  # the paper uses it
    assert "{reschange@run_0/run_5/x_plus_y/final_val_acc}" in tex  # against the baseline
    assert "{reschange@run_5/run_0/x_plus_y/final_val_acc}" in tex
    assert "reschange@run_4/run_5/" not in tex and "resdiff@run_4/run_5/" not in tex


def test_a_reader_of_the_text_sees_the_numbers_the_pdf_prints(tmp_path):
    found = results(make_runs(tmp_path, GROKKING_0, GROKKING_1))
    tex = "a \\res{run_0}{x_plus_y}{final_val_acc}, b \\respm{run_1}{x_plus_y}{final_val_acc}, c \\res{run_7}{x}{y}."
    assert resolved(tex, found) == "a 0.9123, b 0.8000 (\\ensuremath{n = 1}), c ??."


@needs_tex
def test_the_sweep_report_prints_hostile_names_through_macros_that_build(tmp_path):
    """The sweep report's abstract and tables, from runs whose data set and metric names are
    TeX commands, build with real pdflatex and print the names as text."""
    dataset, metric = "a b\\input{/etc/passwd}%", "we^^5cird}\\def"
    run = {dataset: {"means": {metric: 2.5}, "final_info_dict": {metric: [2.5]}}}
    other = {dataset: {"means": {metric: 2.0}, "final_info_dict": {metric: [2.0]}}}
    folder = make_runs(tmp_path, run, other)
    idea = Idea("sweep_x", "A sweep", "x", 1, 1, 1, extra={"constant": "X", "baseline_value": 1})
    report = SweepReport(folder, idea, [RunRecord("run_1", "X = 2 (baseline 1)")], {}, "t", None)
    body = report.section("Abstract") + "\n\n" + report.section("Results")
    assert call("res", "run_1", dataset, metric) in body and "\\input{/etc" not in body
    latex = copy_skeleton(folder / "latex")
    skeleton = (latex / "template.tex").read_text(encoding="utf-8")
    (latex / "template.tex").write_text(skeleton.replace("RESULTS HERE", body), encoding="utf-8")
    write_results_tex(folder)
    result = compile_paper(latex, timeout_s=120)
    assert result.ok, [str(d) for d in result.diagnostics]
    text = " ".join(pdf_to_text(latex / "template.pdf").split())
    assert "is 2.500 for the baseline and 2 with X = 2" in text  # 2.0 prints as 2 (prose.fmt)
    assert "2.500 (n = 1)" in text and "we^^5cird}\\def" in text


@needs_tex
def test_a_name_no_run_recorded_stops_the_build_with_its_name(tmp_path):
    folder = make_runs(tmp_path, GROKKING_0)
    latex = copy_skeleton(folder / "latex")
    skeleton = (latex / "template.tex").read_text(encoding="utf-8")
    body = "Escaped: \\res{run\\_0}{x_plus_y}{final_val_acc}."  # a command inside: no crash
    (latex / "template.tex").write_text(skeleton.replace("RESULTS HERE", body), encoding="utf-8")
    write_results_tex(folder)
    result = compile_paper(latex, timeout_s=120)
    assert not result.ok
    (error,) = [d for d in result.diagnostics if d.severity == "error"]
    assert "No recorded value res@run\\_0/x_plus_y" in error.message
    assert error.line == skeleton.splitlines().index("RESULTS HERE") + 1
