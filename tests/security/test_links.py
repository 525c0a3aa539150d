"""Links a run plants are never followed by aisci, for reads or writes (attack 1)."""

from __future__ import annotations

import os
from pathlib import Path

from tests.security.conftest import hostile_template, needs_bwrap

pytestmark = needs_bwrap


def _outside(runner, name: str, text: str) -> str:
    path = runner.scratch / name
    path.write_text(text)
    if runner.user == "nobody":
        os.chown(path, 65534, 65534)
    return str(path)


def test_links_planted_where_aisci_writes_change_nothing_outside(runner):
    victim = _outside(runner, "victim.txt", "untouched\n")
    experiment = (
        f"victim = {victim!r}\n"
        "tried = {}\n"
        "for name in ('run_1.py', 'state.json', 'notes.txt', 'logs', 'latex/template.tex'):\n"
        "    try:\n"
        "        os.symlink(victim, name); tried[name] = 'planted'\n"
        "    except OSError as e:\n"
        "        tried[name] = type(e).__name__\n"
        "os.remove(os.path.join(out, 'stdout.log'))\n"
        "os.symlink(victim, os.path.join(out, 'stdout.log'))\n"  # aisci's log fd stays on its own file
        "print('x' * 1000)\n"
        "json.dump(tried, open(os.path.join(out, 'tried.json'), 'w'))\n"
        "sys.exit(3)\n"  # a failed baseline: the next attempt copies the template into this folder again
    )
    template = hostile_template(runner, "plant_write", experiment)
    first = runner.baseline(template)
    assert first.returncode == 1 and "status 3" in first.stderr
    folder = runner.folder(template)
    tried = (folder / "run_0" / "tried.json").read_text()
    assert "planted" not in tried and "OSError" in tried  # the idea folder is read-only to the run
    second = runner.baseline(template)  # the re-copy into the failed folder
    assert second.returncode == 1
    assert Path(victim).read_text() == "untouched\n"
    assert not any(p.is_symlink() for p in folder.iterdir())


def test_a_link_named_final_info_is_refused_and_its_target_never_read(runner):
    secret = _outside(
        runner, "id_rsa", '{"d": {"means": {"acc": 0.123456}}, "k": "SECRET-KEY-MATERIAL-42"}'
    )
    experiment = f"os.symlink({secret!r}, os.path.join(out, 'final_info.json'))\n"
    template = hostile_template(runner, "plant_read", experiment)
    done = runner.baseline(template)
    assert done.returncode == 1
    assert "final_info.json" in done.stderr and "symbolic link" in done.stderr
    assert "SECRET-KEY-MATERIAL-42" not in done.stdout + done.stderr
    state = (runner.folder(template) / "state.json").read_text()
    assert "SECRET-KEY-MATERIAL-42" not in state and "0.123456" not in state


def test_a_figure_that_is_a_link_is_not_taken(runner):
    secret = _outside(runner, "shadow", "root:SECRET-HASH:19000:0:99999:7:::\n")
    plot = (
        "import os\n"
        "labels = {'run_0': 'Baseline'}\n"
        f"os.symlink({secret!r}, 'stolen.png')\n"
        "open('honest.png', 'wb').write(b'\\x89PNG\\r\\n\\x1a\\n' + b'0' * 64)\n"
    )
    template = hostile_template(runner, "plant_figure", "results()\n", plot=plot)
    done = runner.baseline(template)
    assert done.returncode == 0, done.stderr
    folder = runner.folder(template)
    assert (folder / "honest.png").is_file() and not os.path.lexists(folder / "stolen.png")
    state = runner.state(template)
    assert state["steps"]["plots"]["figures"] == ["honest.png"]
    assert any(
        "stolen.png" in r and "symbolic link" in r for r in state["steps"]["plots"]["refused"]
    )
    assert "SECRET-HASH" not in done.stdout + done.stderr + (folder / "state.json").read_text()
