"""--autonomy review-edits in a terminal (issue 13), through the real CLI: refused at start when
stdin is not a terminal; under --parallel, one proposal is shown and answered at a time."""

import os
import pty
import re
import select
import subprocess
import sys
import time

from tests.helpers import REPO, make_template, run_cli

PROMPT = "[a]ccept, [e]dit, [r]eject? "


def test_review_edits_without_a_terminal_is_refused_at_start(tmp_path):
    template = make_template(tmp_path)
    out = run_cli(
        "launch",
        "--template",
        str(template),
        "--scale",
        "smoke",
        "--engine",
        "local",
        "--autonomy",
        "review-edits",
        "--results",
        str(tmp_path / "results"),
        cwd=tmp_path,
    )
    assert out.returncode == 1
    assert "error: Cannot use --autonomy review-edits: stdin is not a terminal" in out.stderr
    assert "--autonomy full" in out.stderr
    assert not (tmp_path / "results").exists()  # nothing ran, nothing was paid for


def test_parallel_ideas_ask_one_proposal_at_a_time(tmp_path):
    template = make_template(tmp_path)
    main, child = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(REPO / "server")}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aisci",
            "launch",
            "--template",
            str(template),
            "--scale",
            "smoke",
            "--engine",
            "local",
            "--num-ideas",
            "2",
            "--parallel",
            "2",
            "--writeup",
            "none",
            "--max-runs",
            "1",
            "--autonomy",
            "review-edits",
            "--results",
            str(tmp_path / "results"),
        ],
        stdin=child,
        stdout=child,
        stderr=child,
        cwd=tmp_path,
        env=env,
        start_new_session=True,
    )
    os.close(child)
    transcript, answered, overlaps = "", 0, []
    deadline = time.monotonic() + 180
    try:
        while time.monotonic() < deadline:
            # A prompt is answered once the terminal has been quiet for a moment: time enough
            # for another idea's thread to show its proposal if nothing stopped it.
            ready, _, _ = select.select([main], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(main, 65536).decode(errors="replace")
                except OSError:
                    break
                if not chunk:
                    break
                if transcript.count(PROMPT) > answered and "--- proposed edit of" in chunk:
                    overlaps.append(chunk)
                transcript += chunk
            elif transcript.count(PROMPT) > answered:
                os.write(main, b"a\n")
                answered += 1
            elif proc.poll() is not None:
                break
        assert proc.wait(timeout=60) == 0, transcript[-3000:]
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(main)
    assert not overlaps, "a second proposal was shown while the first waited for its answer"
    # Each proposal's header is followed by its own prompt before the next header appears.
    events = re.findall(r"--- proposed edit of|\[a\]ccept, \[e\]dit, \[r\]eject\? ", transcript)
    assert len(events) >= 4 and events == ["--- proposed edit of", PROMPT] * (len(events) // 2), (
        events
    )
