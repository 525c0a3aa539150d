"""aisci survives whatever a run leaves behind (issue 22): no traceback, no host disk blow-up.

Hostile templates through the real CLI, as root and as nobody: a final_info.json nested 200,000
deep or holding a 5,000-digit integer ends with one line naming the file and the limit (exit 1);
a 1,200-deep tree and a folder without rights in plot.py's staging folder are removed; a launch
whose run_0 holds a deep tree, a 255-character name, two sparse 1 GiB files and a link copies it
into the idea folder within its budget, records what it left out, and carries on. Every test
points aisci's temporary folder at its own scratch folder and checks nothing is left there.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from aisci.core.folders import find_idea_folders
from tests.security.conftest import Runner, hostile_template, needs_bwrap

# Builds ``levels`` nested folders named d below ``top`` by descriptor (the path would pass
# PATH_MAX), with one folder its owner cannot enter: what a careless or hostile run leaves.
DEEP_TREE = (
    "def deep_tree(top, levels):\n"
    "    os.makedirs(top, exist_ok=True)\n"
    "    fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)\n"
    "    for _ in range(levels):\n"
    "        os.mkdir('d', dir_fd=fd)\n"
    "        inner = os.open('d', os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)\n"
    "        os.close(fd); fd = inner\n"
    "    os.close(fd)\n"
    "    locked = os.path.join(top, 'locked')\n"
    "    os.makedirs(os.path.join(locked, 'inner')); os.chmod(locked, 0)\n"
)


def temp_env(runner: Runner) -> dict[str, str]:
    """aisci's temporary folders (plot staging among them) go to a folder this test watches."""
    tmp = runner.scratch / "tmp"
    tmp.mkdir(exist_ok=True)
    if runner.user == "nobody":
        os.chown(tmp, 65534, 65534)
    return {"TMPDIR": str(tmp)}


def assert_clean_failure(done: subprocess.CompletedProcess, runner: Runner) -> None:
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "RecursionError" not in done.stderr
    assert os.listdir(runner.scratch / "tmp") == []


@needs_bwrap
@pytest.mark.parametrize(
    ("write", "message"),
    [
        (
            "open(os.path.join(out, 'final_info.json'), 'w').write('[' * 200000 + ']' * 200000)\n",
            "run_0/final_info.json is nested deeper than 64 levels",
        ),
        (
            "open(os.path.join(out, 'final_info.json'), 'w')"
            ".write('{\"d\": {\"means\": {\"acc\": ' + '7' * 5000 + '}}}')\n",
            "run_0/final_info.json has a number longer than 100 digits",
        ),
    ],
    ids=["200000-deep", "5000-digits"],
)
def test_hostile_final_info_ends_in_one_line_naming_file_and_limit(runner, write, message):
    template = hostile_template(runner, "badjson", write)
    done = runner.baseline(template, env=temp_env(runner))
    assert_clean_failure(done, runner)
    [line] = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert message in line
    assert "Make the run write flat, plain results" in done.stderr
    assert runner.state(template)["steps"]["run_0"]["status"] == "failed"


@needs_bwrap
def test_a_deep_tree_in_the_plot_staging_folder_is_removed(runner):
    plot = (
        "import os\n"
        + DEEP_TREE
        + "deep_tree('junk', 1200)\n"
        + "open('result.png', 'wb').write(b'\\x89PNG\\r\\n\\x1a\\n' + b'0' * 64)\n"
    )
    template = hostile_template(runner, "deepplot", "results()\n", plot=plot)
    done = runner.baseline(template, env=temp_env(runner))
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    folder = runner.folder(template)
    assert (folder / "result.png").is_file() and not (folder / "junk").exists()
    assert os.listdir(runner.scratch / "tmp") == []  # no aisci-plot-* left behind


def launch(runner: Runner, template: Path) -> subprocess.CompletedProcess:
    return runner.cli(
        "launch",
        "--template",
        str(template),
        "--scientist",
        "sweep",
        "--scale",
        "smoke",
        "--num-ideas",
        "1",
        "--skip-novelty-check",
        "--writeup",
        "none",
        "--results",
        str(runner.scratch / "results"),
        env=temp_env(runner),
        timeout=300,
    )


LONG_NAME = "n" * 251 + ".txt"  # 255 characters: NAME_MAX


@needs_bwrap
def test_a_launch_copies_a_hostile_run_0_within_its_budget(runner):
    experiment = (
        "LEARNING_RATE = 0.1  # knob\n"
        + DEEP_TREE
        + "deep_tree(os.path.join(out, 'deep'), 1200)\n"
        + f"open(os.path.join(out, {LONG_NAME!r}), 'w').write('long')\n"
        # Two of 1 GiB and one of 256 MiB, each a few KB on disk.
        + "for name, size in (('a.bin', 1 << 30), ('b.bin', 1 << 30), ('c.bin', 1 << 28)):\n"
        + "    with open(os.path.join(out, name), 'wb') as f:\n"
        + "        f.truncate(size); f.seek(size // 2); f.write(b'data')\n"
        + "os.symlink('/etc/shadow', os.path.join(out, 'secret'))\n"
        + "results(acc=LEARNING_RATE)\n"
    )
    knobs = [
        {"name": "lr", "constant": "LEARNING_RATE", "values": [0.1, 0.3], "description": "step"}
    ]
    files = {
        "knobs.json": json.dumps(knobs),
        "aisci.json": json.dumps({"metric": {"name": "acc", "dataset": "d", "direction": "max"}}),
    }
    template = hostile_template(runner, "deeprun", experiment, files=files)
    done = launch(runner, template)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    [idea] = find_idea_folders(runner.scratch / "results", "deeprun")
    run_0 = idea / "run_0"
    assert (run_0 / LONG_NAME).read_text() == "long"
    assert not (run_0 / "secret").exists() and not (run_0 / "secret").is_symlink()
    assert (run_0 / "deep" / Path(*["d"] * 63)).is_dir()
    assert not (run_0 / "deep" / Path(*["d"] * 64)).exists()
    # Small files first: c.bin fits the 1 GiB budget of a run copy, a.bin and b.bin do not.
    assert (run_0 / "c.bin").stat().st_size == 1 << 28
    assert not (run_0 / "a.bin").exists() and not (run_0 / "b.bin").exists()
    with open(run_0 / "c.bin", "rb") as f:
        f.seek(1 << 27)
        assert f.read(4) == b"data"
    du = subprocess.run(["du", "-s", "--block-size=1", str(idea)], capture_output=True, text=True)
    assert int(du.stdout.split()[0]) < 16 << 20  # holes stayed holes, in every run folder
    left_out = json.loads((idea / "state.json").read_text())["steps"]["created"]["left_out"]
    joined = "\n".join(left_out)
    assert "secret (it is a symbolic link (to /etc/shadow))" in joined
    assert "deeper than 64 levels" in joined
    assert "a.bin (its 1,073,741,824 bytes would take the copy past its limit" in joined
    assert "the copy of run_0 left out" in done.stderr  # the warning
    assert os.listdir(runner.scratch / "tmp") == []
