"""One writer per folder across processes: a second ``aisci`` on a folder that a running one
holds is refused at once with who holds it; the lock of a killed process is taken over."""

import os
import signal
import subprocess
import sys
import time

from tests.helpers import REPO, make_template, run_cli

ENV = {**os.environ, "PYTHONPATH": str(REPO / "server")}


def wait_for(path, proc, bound_s=120.0):
    deadline = time.monotonic() + bound_s
    while not path.exists():
        assert proc.poll() is None, "the first command ended before it held its folder"
        assert time.monotonic() < deadline, f"{path} did not appear within {bound_s} s"
        time.sleep(0.05)


def paused_template(tmp_path):
    """The scaffold, whose experiment says it started, then waits for a file (bounded)."""
    started, go = tmp_path / "started", tmp_path / "go"
    template = make_template(tmp_path)
    line = "    runs = [run_seed(cfg, seed) for seed in range(cfg.seeds)]"
    source = (template / "experiment.py").read_text()
    assert line in source
    (template / "experiment.py").write_text(
        source.replace(
            line,
            (
                f"    open({str(started)!r}, 'w').close()\n"
                f"    deadline = time.time() + 120\n"
                f"    while not os.path.exists({str(go)!r}) and time.time() < deadline:\n        time.sleep(0.05)\n"
                + line
            ),
        )
    )
    return template, started, go


def test_second_command_is_refused_and_a_dead_holder_is_taken_over(tmp_path):
    template, started, go = paused_template(tmp_path)
    baseline = [
        "baseline",
        str(template),
        "--scale",
        "smoke",
        "--results",
        "res",
        "--sandbox",
        "none",
    ]
    first = subprocess.Popen(
        [sys.executable, "-m", "aisci", *baseline],
        cwd=tmp_path,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for(started, first)
        again = run_cli(*baseline, cwd=tmp_path, env=ENV, timeout=60)
        assert again.returncode == 1
        assert (
            f"error: res/tiny/baseline_smoke is in use by PID {first.pid} (aisci baseline) since "
            in again.stderr
        ), again.stderr
        assert f"kill {first.pid}" in again.stderr and "Traceback" not in again.stderr

        launch = run_cli(
            "launch",
            "--template",
            str(template),
            "--scale",
            "smoke",
            "--results",
            "res",
            "--engine",
            "local",
            "--writeup",
            "none",
            cwd=tmp_path,
            env=ENV,
            timeout=60,
        )
        assert launch.returncode == 1
        assert f"res/tiny is in use by PID {first.pid} (aisci baseline)" in launch.stderr, (
            launch.stderr
        )
        assert not list((tmp_path / "res" / "tiny").glob("2*_*")), "the refused launch started work"
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()

    go.touch()
    taken_over = run_cli(*baseline, cwd=tmp_path, env=ENV, timeout=120)
    assert taken_over.returncode == 0, taken_over.stderr
    assert "in use" not in taken_over.stderr


def test_a_launch_excludes_commands_on_its_idea_folders(tmp_path):
    """A lock held through the module (as a launch holds it) refuses a command inside the
    template folder; once its process is killed, the command runs."""
    template, _, go = paused_template(tmp_path)
    go.touch()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from aisci.core.locks import "
            "lock_template_folder; lock = lock_template_folder(Path('res/tiny'), 'aisci launch'); "
            "print('held', flush=True); sys.stdin.read()",
        ],
        cwd=tmp_path,
        env=ENV,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "held\n"
        refused = run_cli(
            "baseline",
            str(template),
            "--scale",
            "smoke",
            "--results",
            "res",
            "--sandbox",
            "none",
            cwd=tmp_path,
            env=ENV,
            timeout=60,
        )
        assert refused.returncode == 1
        assert f"res/tiny is in use by PID {holder.pid} (aisci launch) since " in refused.stderr, (
            refused.stderr
        )
    finally:
        holder.kill()
        holder.wait()
    ran = run_cli(
        "baseline",
        str(template),
        "--scale",
        "smoke",
        "--results",
        "res",
        "--sandbox",
        "none",
        cwd=tmp_path,
        env=ENV,
        timeout=120,
    )
    assert ran.returncode == 0, ran.stderr
