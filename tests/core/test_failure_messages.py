"""Failure messages say what was tried (issue 13), through the real CLI."""

from tests.helpers import make_template, run_cli


def test_a_failed_run_says_no_fix_was_tried(tmp_path):
    template = make_template(tmp_path)
    source = (template / "experiment.py").read_text()
    marker = "    runs = [run_seed(cfg, seed) for seed in range(cfg.seeds)]"
    assert marker in source
    (template / "experiment.py").write_text(
        source.replace(
            marker,
            "    if LEARNING_RATE == 0.03:\n        raise SystemExit('diverged at this step size')\n"
            + marker,
        )
    )
    out = run_cli(
        "launch",
        "--template",
        str(template),
        "--scale",
        "smoke",
        "--engine",
        "local",
        "--num-ideas",
        "1",
        "--writeup",
        "none",
        "--results",
        str(tmp_path / "results"),
        cwd=tmp_path,
    )
    assert out.returncode == 1, out.stderr
    assert "fixes" not in out.stdout  # no "still failed after 4 fixes": none was tried
    assert (
        "run_1 failed; the scientist proposed no fix (the sweep scientist changes one constant; it cannot "
        "repair code)" in out.stdout
    )
