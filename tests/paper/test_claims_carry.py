"""Which run a sentence that names none is about (issue 23): the subject carried from the
sentence or the paragraph before, the reference of "from A to B" and "A instead of B", and the
comparisons whose two numbers contradict their words."""

from __future__ import annotations

from pathlib import Path

from aisci.paper.consistency import check_consistency
from tests.paper.test_consistency import make_idea, results_section

# Four runs on one data set: val_loss and tokens per second.
RUNS = tuple(
    {"a": {"means": {"val_loss": loss, "tokens_per_second": tps, "step_val_99": steps}}}
    for loss, tps, steps in (
        (1.47, 409.2, 2467.0),
        (1.45, 415.3, 2100.0),
        (1.44, 410.6, 2050.0),
        (1.43, 401.4, 1483.0),
    )
)
NOTES = (
    "## Run 0: Baseline\n## Run 1: Adaptive dropout\n## Run 2: Layer-wise rates\n"
    "## Run 3: Adaptive dropout with layer-wise rates\n"
)


def _flagged(tmp_path: Path, body: str, notes: str = NOTES) -> list[str]:
    idea = make_idea(tmp_path, results_section(body), RUNS)
    (idea / "notes.txt").write_text(notes)
    return [m.text for m in check_consistency(idea).mismatches]


def test_a_paragraph_keeps_the_run_its_earlier_sentence_named(tmp_path):
    said = (
        "The combined model reaches a validation loss of 1.43. "
        "Inference throughput drops slightly, from @REF to @NEW tokens per second."
    )
    right = said.replace("@REF", "409.2").replace("@NEW", "401.4")
    assert _flagged(tmp_path / "a", right) == []
    # the baseline's value where the combined model's belongs: right for some run, not this one
    wrong_new = said.replace("@REF", "409.2").replace("@NEW", "410.6")
    assert _flagged(tmp_path / "b", wrong_new) == ["410.6"]
    # the reference of "from" is another run (the baseline), not the combined model itself
    wrong_ref = said.replace("@REF", "410.6").replace("@NEW", "401.4")
    assert _flagged(tmp_path / "c", wrong_ref) == ["410.6"]
    # a new paragraph starts afresh: any run's value passes
    other_ref = said.replace("@REF", "415.3").replace("@NEW", "401.4")
    assert _flagged(tmp_path / "d", other_ref) == ["415.3"]
    assert _flagged(tmp_path / "e", other_ref.replace(". Inference", ".\n\nInference")) == []


def test_a_clause_with_its_own_vague_subject_is_not_given_the_earlier_run(tmp_path):
    # "the rates alone": a word of two titles, not of adaptive dropout's; no run it could tell
    said = (
        "Adaptive dropout reaches a validation loss of 1.45. "
        "The rates alone give a throughput of 410.6 tokens per second."
    )
    assert _flagged(tmp_path / "a", said) == []
    # without the vague subject, the sentence is adaptive dropout's
    assert _flagged(tmp_path / "b", said.replace("The rates alone give", "It gives")) == ["410.6"]
    # without titles in notes.txt, nothing would tell a vague subject: no run is carried
    assert _flagged(tmp_path / "c", said.replace("The rates alone give", "It gives"), "") == []


def test_a_number_after_instead_of_is_the_reference_and_a_year_like_count_is_checked(tmp_path):
    said = "Adaptive dropout needs 2100 steps instead of @ to reach the target."
    assert _flagged(tmp_path / "a", said.replace("@", "2467")) == []
    # 2050 looks like a year, but after "2100 steps instead of" it is a count: run_2's
    assert _flagged(tmp_path / "b", said.replace("@", "2050")) == ["2050"]


def test_compared_numbers_must_differ_and_move_as_their_words_say(tmp_path):
    said = "Averaged over seeds, the validation loss @ from 1.47 to 1.43."
    assert _flagged(tmp_path / "a", said.replace("@", "falls")) == []
    [flag] = check_consistency(_idea(tmp_path / "b", said.replace("@", "rises"))).mismatches
    assert flag.text == "1.43" and "said to rise from 1.47, but is lower" in flag.message
    # "improves" says nothing of the direction: a lower loss is better
    assert _flagged(tmp_path / "c", said.replace("@", "improves")) == []
    same = "The loss is 1.47 instead of 1.47."
    [flag] = check_consistency(_idea(tmp_path / "d", same)).mismatches
    assert "with the same value 1.47" in flag.message


def _idea(tmp_path: Path, body: str) -> Path:
    idea = make_idea(tmp_path, results_section(body), RUNS)
    (idea / "notes.txt").write_text(NOTES)
    return idea


def test_a_run_named_after_a_comparison_word_is_still_the_subject(tmp_path):
    # "run 3" between "relative to" and the number is a name, not the other number of a pair
    said = "Relative to the baseline run~3 needs @ steps."
    assert _flagged(tmp_path / "a", said.replace("@", "1483")) == []
    assert _flagged(tmp_path / "b", said.replace("@", "2100")) == ["2100"]
