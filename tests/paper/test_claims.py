"""What a number claims (issue 23): the metric, run and data set its table cell or sentence
names, and the readings that must stay precise: a number that no run produced under any reading
is flagged, and a results macro states no literal number."""

from __future__ import annotations

import json
from pathlib import Path

from aisci.paper.consistency import check_consistency
from aisci.paper.stated_numbers import stated_numbers
from aisci.paper.tex_tables import table_cells
from tests.paper.test_consistency import RUN_0, RUN_1, make_idea, results_section

GROK_RUNS = (
    {
        "x_plus_y": {
            "means": {"final_val_acc": 0.912, "step_val_acc_99": 2450.0, "train_time": 17.6}
        }
    },
    {"x_plus_y": {"means": {"final_val_acc": 0.164, "step_val_acc_99": 300.0, "train_time": 12.0}}},
    {
        "x_plus_y": {
            "means": {"final_val_acc": 0.981, "step_val_acc_99": 1200.0, "train_time": 15.1}
        }
    },
)
TABLE = (
    "\\begin{table}\\caption{Final validation accuracy.}\\begin{tabular}{lc}\n\\toprule\n"
    "Run & Val. acc. \\\\\n\\midrule\nBaseline & @A \\\\\nRun 2 & @B \\\\\n\\bottomrule\n"
    "\\end{tabular}\\end{table}"
)


def _mismatches(tmp_path: Path, body: str, runs=GROK_RUNS, **files: str) -> list:
    idea = make_idea(tmp_path, results_section(body), runs)
    for name, text in files.items():
        (idea / name.replace("__", ".")).write_text(text)
    return list(check_consistency(idea).mismatches)


def test_a_cell_is_checked_against_its_column_and_its_rows_run(tmp_path):
    right = TABLE.replace("@A", "0.912").replace("@B", "0.981")
    assert _mismatches(tmp_path / "a", right) == []
    swapped = TABLE.replace("@A", "0.981").replace("@B", "0.912")  # both values exist, wrong rows
    found = _mismatches(tmp_path / "b", swapped)
    assert [m.text for m in found] == ["0.981", "0.912"]
    assert found[0].message == (
        "0.981 stated as final_val_acc of run_0 on x_plus_y: no run measured it; "
        "closest value 0.9120 (final_val_acc of run_0 on x_plus_y)"
    )


def test_a_flag_says_what_the_number_claims_and_the_closest_value(tmp_path):
    [m] = _mismatches(tmp_path, "Run~1 reaches a validation accuracy of 17.6\\% on x\\_plus\\_y.")
    # 17.6 is a training time of run_0: a number is never matched against an unrelated key
    assert m.message == (
        "17.6\\% stated as final_val_acc of run_1 on x_plus_y: no run measured it; "
        "closest value 16.40 % (final_val_acc of run_1 on x_plus_y)"
    )


def test_x100_only_with_a_percent_sign_and_a_bare_percent_counts(tmp_path):
    assert _mismatches(tmp_path / "a", "Run~2 reaches a validation accuracy of 98.1\\%.") == []
    assert [
        m.text for m in _mismatches(tmp_path / "b", "Run~2 reaches a validation accuracy of 98.1.")
    ] == ["98.1"]
    # "notable" is no "Table": the number after it is checked; a % right after a digit is a
    # percent, not a comment that hides the rest of the line
    found = _mismatches(tmp_path / "c", "Run~2 shows a notable 91.8% validation accuracy.")
    assert [m.text for m in found] == ["91.8%"]
    assert _mismatches(tmp_path / "d", "Run~2 shows a notable 98.1% validation accuracy.") == []


def test_a_change_is_checked_with_its_sign(tmp_path):
    runs = ({"d": {"means": {"loss": 0.0912}}}, {"d": {"means": {"loss": 0.0634}}})
    good = "Run~1 lowers the loss, a reduction of 30.5\\% relative to the baseline."
    assert _mismatches(tmp_path / "a", good, runs) == []
    flipped = "Run~1 raises the loss, an increase of 30.5\\% relative to the baseline."
    assert [m.text for m in _mismatches(tmp_path / "b", flipped, runs)] == ["30.5\\%"]
    signed = TABLE.replace("Val. acc.", "$\\Delta$ loss").replace(
        "Final validation accuracy", "Loss"
    )
    row = signed.replace("Baseline & @A \\\\\n", "").replace("Run 2", "Run 1")
    assert _mismatches(tmp_path / "c", row.replace("@B", "$-$0.0278"), runs) == []
    assert len(_mismatches(tmp_path / "d", row.replace("@B", "$+$0.0278"), runs)) == 1


def test_approximately_has_its_declared_looser_tolerance(tmp_path):
    runs = ({"d": {"means": {"train_time": 671.57}}},)
    assert _mismatches(tmp_path / "a", "Training takes approximately 670 s.", runs) == []
    assert _mismatches(tmp_path / "b", "Training takes about 11 minutes.", runs) == []
    assert len(_mismatches(tmp_path / "c", "Training takes 670 s.", runs)) == 1


def test_settings_pass_as_settings_but_not_in_a_result_column(tmp_path):
    code = "P = 97\nLEARNING_RATE = 3e-4\n"
    body = "Each data set has 9409 pairs; we train with a learning rate of 0.0003."
    assert _mismatches(tmp_path / "a", body, experiment__py=code) == []
    cell = TABLE.replace("@A", "0.912").replace("@B", "97")  # a result cell equal to a constant
    assert [m.text for m in _mismatches(tmp_path / "b", cell, experiment__py=code)] == ["97"]


def test_years_and_object_numbers_inside_tables_are_checked(tmp_path):
    body = "In 2022, Table 3 of Power et al. reported grokking.\n" + TABLE.replace(
        "Val. acc.", "Steps to 0.99"
    ).replace("@A", "2450").replace("@B", "2024")
    assert [m.text for m in _mismatches(tmp_path / "a", body)] == ["2024"]
    # a count that looks like a year is checked in prose too
    assert [m.text for m in _mismatches(tmp_path / "b", "Run~2 needs 2024 steps.")] == ["2024"]


SENTINELS = json.dumps(
    {"sentinels": [{"metric": "step_val_acc_99", "value": 300, "means": "never reached 0.99"}]}
)


def test_a_sentinel_value_is_never_a_result(tmp_path):
    [m] = _mismatches(tmp_path / "a", "Run~1 needs 300 steps.", aisci__json=SENTINELS)
    assert m.message == (
        '300 is step_val_acc_99\'s "not reached" value in run_1 on x_plus_y '
        "(never reached 0.99), not a measured result"
    )
    # the training budget that the stand-in equals is a setting
    budget = "Each run trains for 300 steps; Run~2 needs 1200 steps."
    assert (
        _mismatches(tmp_path / "b", budget, aisci__json=SENTINELS, run_2__py="STEPS = 300\n") == []
    )


def test_a_value_is_a_stand_in_where_its_flag_says_not_reached(tmp_path):
    sentinels = json.dumps(
        {
            "sentinels": [
                {
                    "metric": "step_val_acc_99",
                    "valid_when": "reached_val_acc_99",
                    "means": "validation accuracy never reached 0.99",
                }
            ]
        }
    )
    runs = (
        {"x_plus_y": {"means": {"step_val_acc_99": 2450.0, "reached_val_acc_99": 1.0}}},
        {"x_plus_y": {"means": {"step_val_acc_99": 3100.0, "reached_val_acc_99": 0.0}}},
    )
    body = "The baseline needs 2450 steps; Run~1 needs 3100 steps."
    [m] = _mismatches(tmp_path, body, runs, aisci__json=sentinels)
    assert (m.text, m.line) == ("3100", 4) and "never reached 0.99" in m.message


def test_table_headers_span_columns_and_multirow_labels_carry_down():
    tex = "\n".join(
        [
            "\\begin{table}\\caption{Validation accuracy.}\\begin{tabular}{llcc}",
            "\\toprule",
            "Run & & \\multicolumn{2}{c}{Val. acc.} \\\\",
            "\\cmidrule(lr){3-4} & & x\\_plus\\_y & x\\_div\\_y \\\\",
            "\\midrule",
            "\\multirow{2}{*}{Weight decay 1.0} & seed 0 & 0.91 & 0.82 \\\\",
            " & seed 1 & 0.93 & 0.84 \\\\",
            "\\bottomrule",
            "\\end{tabular}\\end{table}",
        ]
    )
    cells = [c for c in table_cells(tex) if c.body and "0." in tex[c.start : c.end]]
    assert [(c.header, c.row) for c in cells[:2]] == [
        ("Val. acc. x\\_plus\\_y", "Weight decay 1.0 seed 0"),
        ("Val. acc. x\\_div\\_y", "Weight decay 1.0 seed 0"),
    ]
    assert cells[2].row == "Weight decay 1.0 seed 1" and cells[2].caption == "Validation accuracy."


def test_a_table_row_of_values_is_no_header(tmp_path):
    """A table without rules whose only row holds a value: the value is checked (a header needs
    a body below it, and a row with a number cell is none without a rule saying so)."""
    one_row = (
        "\\begin{table}[h]\\centering\\begin{tabular}{lr}Accuracy & 97.31\\\\\\end{tabular}"
        "\\caption{A number that no run produced.}\\end{table}"
    )
    [m] = _mismatches(tmp_path / "a", one_row)
    assert (m.text, m.line) == ("97.31", 4) and "no run measured it" in m.message
    ruled = one_row.replace("{lr}", "{lr}\\hline ").replace("\\\\\\end", "\\\\ \\hline\\end")
    assert [m.text for m in _mismatches(tmp_path / "b", ruled)] == ["97.31"]
    true = one_row.replace("Accuracy & 97.31", "Run 2 validation accuracy & 0.981")
    assert _mismatches(tmp_path / "c", true) == []
    # a header row of words above rows of values stays a header, without a rule too
    header = "\\begin{tabular}{lc}Run & Val. acc. \\\\ Baseline & 0.912 \\\\ Run 2 & 0.981 \\\\"
    assert _mismatches(tmp_path / "d", header + "\\end{tabular}") == []
    cells = table_cells(header + "\\end{tabular}")
    assert [(c.header, c.row) for c in cells if c.body][1] == ("Val. acc.", "Baseline")


def test_the_run_after_a_value_is_that_values_not_the_next_ones(tmp_path):
    """ "0.0912 for the baseline and 0.0634 with degree 9": 0.0634 is not the baseline's; the
    subject before both still carries over an "and"."""
    runs = (RUN_0, RUN_1)
    right = "The validation loss is 0.0912 for the baseline and 0.0634 with degree 9."
    assert _mismatches(tmp_path / "a", right, runs) == []
    # each value names its own run: the one after "with" is still checked against it
    wrong = "The validation loss is 0.0912 for the baseline and 0.0702 with Run~1."
    assert [m.text for m in _mismatches(tmp_path / "b", wrong, runs)] == ["0.0702"]
    subject = "Run~1 reaches a validation loss of 0.0634 and 0.0912 on sine."
    [m] = _mismatches(tmp_path / "c", subject, runs)
    assert m.text == "0.0912" and "of run_1" in m.message
    macro = "The validation loss is \\res{run_0}{sine}{val_loss} for the baseline and 0.0634 too."
    assert _mismatches(tmp_path / "d", macro, runs) == []


def test_a_results_macro_states_no_literal_number(tmp_path):
    calls = (
        "The accuracy is \\res{run_2}{x_plus_y}{final_val_acc}, on the data set so named it is "
        "\\res{run_1}{0.25}{final_val_acc}, a change of \\reschange{run_0}{run_1}{12.5}{acc}\\% "
        "and \\respm{run_2}{x_plus_y}{final_val_acc} over seeds; Run~2 needs 1234 steps."
    )
    assert [n.text for n in stated_numbers(results_section(calls))] == ["1234"]
    [m] = _mismatches(tmp_path, calls)
    assert m.text == "1234"  # the literal beside them is still checked


COMBO_RUNS = tuple(
    {"a": {"means": {"val_loss": la, "train_time": t}}, "b": {"means": {"val_loss": lb}}}
    for la, lb, t in (
        (1.47, 1.01, 480.0),
        (1.45, 0.99, 482.0),
        (1.44, 0.98, 490.0),
        (1.43, 0.97, 495.0),
    )
)
COMBO_NOTES = (
    "## Run 0: Baseline\n## Run 1: Adaptive dropout\n## Run 2: Layer-wise rates\n"
    "## Run 3: Adaptive dropout with layer-wise rates\n"
)


def test_the_combined_model_is_the_run_whose_title_joins_two_others(tmp_path):
    said = "The combined model needs @ s against 480.0 s for the baseline."
    ok = _mismatches(tmp_path / "a", said.replace("@", "495.0"), COMBO_RUNS, notes__txt=COMBO_NOTES)
    assert ok == []
    # run_2's time: right for some run, wrong for the combined one
    wrong = _mismatches(
        tmp_path / "b", said.replace("@", "490.0"), COMBO_RUNS, notes__txt=COMBO_NOTES
    )
    assert [m.text for m in wrong] == ["490.0 s"]
    # without a run that joins two titles, "combined" names no run: any run's value passes
    plain = COMBO_NOTES.replace("with layer-wise rates", "and more")
    assert (
        _mismatches(tmp_path / "c", said.replace("@", "490.0"), COMBO_RUNS, notes__txt=plain) == []
    )


def test_a_list_of_values_keeps_the_run_of_the_clause_that_opens_it(tmp_path):
    said = "Run~3 reaches a validation loss of 1.43 on a, @ on b."
    assert _mismatches(tmp_path / "a", said.replace("@", "0.97"), COMBO_RUNS) == []
    assert [m.text for m in _mismatches(tmp_path / "b", said.replace("@", "0.99"), COMBO_RUNS)] == [
        "0.99"
    ]
    # the same value after a clause with its own subject is open to every run
    other = "Run~3 reaches a validation loss of 1.43 on a, while dropout gives 0.99 on b."
    assert _mismatches(tmp_path / "c", other, COMBO_RUNS) == []


def test_a_title_is_found_with_its_words_in_another_order(tmp_path):
    said = "Dropout that is adaptive reaches a loss of @ on a."
    right = _mismatches(
        tmp_path / "a", said.replace("@", "1.45"), COMBO_RUNS, notes__txt=COMBO_NOTES
    )
    assert right == []
    wrong = _mismatches(
        tmp_path / "b", said.replace("@", "1.44"), COMBO_RUNS, notes__txt=COMBO_NOTES
    )
    assert [m.text for m in wrong] == ["1.44"]  # run_2's loss, stated as run_1's


def test_a_clause_that_repeats_the_comparison_keeps_the_run_of_the_one_before(tmp_path):
    said = "Run~3 takes 495.0 s instead of 480.0 s, and its loss is @ instead of 1.01 on b."
    assert _mismatches(tmp_path / "a", said.replace("@", "0.97"), COMBO_RUNS) == []
    wrong = _mismatches(tmp_path / "b", said.replace("@", "0.99"), COMBO_RUNS)
    assert [m.text for m in wrong] == ["0.99"]  # run_1's loss, stated as run_3's
    # without the repeated comparison word the clause is open to every run
    other = "Run~3 takes 495.0 s instead of 480.0 s, and the loss is 0.99 on b."
    assert _mismatches(tmp_path / "c", other, COMBO_RUNS) == []
