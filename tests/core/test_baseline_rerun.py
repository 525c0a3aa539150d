"""A re-run of a finished baseline keeps the last good one until the new one finishes (issue 13)."""

from __future__ import annotations

import json

from tests.helpers import make_template, run_cli


def test_a_failed_forced_rerun_leaves_the_good_baseline_in_place(tmp_path):
    template = make_template(tmp_path)
    results = tmp_path / "results"
    first = run_cli(
        "baseline", str(template), "--scale", "smoke", "--results", str(results), cwd=tmp_path
    )
    assert first.returncode == 0, first.stderr
    folder = results / "tiny" / "baseline_smoke"
    good = (folder / "run_0" / "final_info.json").read_text()

    source = (template / "experiment.py").read_text()
    (template / "experiment.py").write_text(
        source.replace(
            "def main() -> None:\n", "def main() -> None:\n    raise SystemExit('broken')\n"
        )
    )
    again = run_cli(
        "baseline",
        str(template),
        "--scale",
        "smoke",
        "--results",
        str(results),
        "--force",
        cwd=tmp_path,
    )
    assert again.returncode == 1 and "broken" in again.stderr
    assert (folder / "run_0" / "final_info.json").read_text() == good
    state = json.loads((folder / "state.json").read_text())
    assert (
        state["steps"]["run_0"]["status"] == "done" and state["steps"]["plots"]["status"] == "done"
    )
    reused = run_cli(
        "baseline", str(template), "--scale", "smoke", "--results", str(results), cwd=tmp_path
    )
    assert reused.returncode == 0 and "reused" in reused.stdout

    (template / "experiment.py").write_text(source)
    fixed = run_cli(
        "baseline",
        str(template),
        "--scale",
        "smoke",
        "--results",
        str(results),
        "--force",
        cwd=tmp_path,
    )
    assert fixed.returncode == 0, fixed.stderr
    assert "ran in" in fixed.stdout and not (results / "tiny" / "baseline_smoke.rerun").exists()
    assert not (results / "tiny" / "baseline_smoke.old").exists()
