"""Stopping a child that runs in its own process group (``start_new_session=True``).

``kill_group`` is the one way aisci ends such a child and everything it started: an
experiment run (the runner) and a paper build (latexmk with pdflatex and bibtex).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess


def kill_group(proc: subprocess.Popen[bytes], *, grace_s: float, kill_wait_s: float) -> None:
    """SIGTERM the group of ``proc``, wait up to ``grace_s`` for its leader, then SIGKILL the
    group and wait up to ``kill_wait_s`` more. The SIGKILL is sent even when the leader left in
    time: the processes it started may still be in the group."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=grace_s)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=kill_wait_s)
