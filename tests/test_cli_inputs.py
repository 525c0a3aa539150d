"""Bad numbers are usage errors, and an unwritable results folder is a clear error (issue 13)."""

import pytest

from tests.helpers import make_template, run_cli


@pytest.mark.parametrize(
    "flag,value",
    [
        ("--timeout", "-1"),
        ("--timeout", "nan"),
        ("--timeout", "inf"),
        ("--max-cost", "-5"),
        ("--max-cost", "nan"),
        ("--num-ideas", "-1"),
        ("--max-runs", "0"),
        ("--max-iters", "-2"),
    ],
)
def test_bad_numbers_are_usage_errors(tmp_path, flag, value):
    out = run_cli("launch", "--template", "tiny", f"{flag}={value}", cwd=tmp_path, timeout=60)
    assert out.returncode == 2
    assert f"argument {flag}: must be a finite number above 0, found {value}" in out.stderr


def test_reflections_may_be_zero_but_not_negative(tmp_path):
    out = run_cli("launch", "--template", "tiny", "--reflections=-1", cwd=tmp_path, timeout=60)
    assert (
        out.returncode == 2 and "argument --reflections: must be 0 or more, found -1" in out.stderr
    )


def test_review_num_reviews_must_be_positive(tmp_path):
    out = run_cli("review", str(tmp_path), "--num-reviews", "0", cwd=tmp_path, timeout=60)
    assert (
        out.returncode == 2
        and "argument --num-reviews: must be a finite number above 0" in out.stderr
    )


def test_an_unwritable_results_folder_is_a_clear_error(tmp_path):
    template = make_template(tmp_path)
    # /sys refuses new folders even to root: as a read-only results folder does to a user.
    out = run_cli(
        "baseline",
        str(template),
        "--scale",
        "smoke",
        "--results",
        "/sys/aisci-results",
        cwd=tmp_path,
        timeout=120,
    )
    assert out.returncode == 1, out.stderr
    assert "Traceback" not in out.stderr
    assert (
        out.stderr.startswith("error: Cannot ")
        and "/sys/aisci-results" in out.stderr
        and "--results" in out.stderr
    )


def test_output_to_a_reader_that_went_away_ends_without_a_traceback(tmp_path):
    """`aisci template list | head -1`: the pipe closes before aisci has written everything."""
    import subprocess
    import sys

    child = subprocess.Popen(
        [sys.executable, "-m", "aisci", "template", "list"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdout is not None and child.stderr is not None
    child.stdout.close()  # before the child has started: its first write meets a closed pipe
    err = child.stderr.read().decode()
    assert child.wait(timeout=60) == 1 and err == "", err
