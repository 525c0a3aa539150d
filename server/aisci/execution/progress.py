"""A run's own progress: the optional ``<out_dir>/progress.json`` it rewrites while it trains.

Contract (docs/templates.md, "Progress"): a run may write ``{"step": 400, "total": 1250,
"metrics": {"train_loss": 0.53}}`` to ``progress.json`` in its out_dir, replacing the file
atomically (write a temporary file, then ``os.replace``). Only ``step`` is required. A file
was chosen over a marked line in the log because it holds the latest state whole: it does not
depend on the run flushing stdout, on the log's size limit, or on what else the run prints.

The run is hostile, so is this file: it is read through ``safefs`` (a link is refused, at most
``MAX_BYTES``), decoded within ``runjson``'s limits, and every field is checked as untrusted
data: numbers must be finite and in range, names are cut to ``MAX_NAME`` printable characters,
at most ``MAX_METRICS`` metrics are kept. A file that fails any check is ignored (the last good
report stands): progress is a courtesy and never fails a run.

``ProgressWatch`` polls a running run once a second and hands a ``Snapshot`` (elapsed time, the
report, an estimate of the time left, the last line of the run's log) to a callback;
``progress_text`` renders one as "run 1 of 3 · step 400/1,250 · 0:42 elapsed · ~1:20 left",
the same words in the editor and in the terminal.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from aisci.errors import AisciError
from aisci.execution import environment, runjson, safefs

PROGRESS_FILE = "progress.json"
MAX_BYTES = 4096
MAX_METRICS = 3
MAX_NAME = 32
MAX_LINE = 120
MAX_STEP = 10**15  # larger than any honest step count, small enough to print
POLL_S = 1.0


@dataclass(frozen=True)
class Report:
    """What the run said about itself, checked."""

    step: int
    total: int | None = None
    metrics: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Snapshot:
    """A running run as the front ends show it."""

    elapsed_s: float
    report: Report | None = None
    remaining_s: float | None = None
    last_line: str = ""


def _count(value: object) -> int | None:
    """A whole, finite, non-negative number within ``MAX_STEP``, else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and (not math.isfinite(value) or value != int(value)):
        return None
    number = int(value)
    return number if 0 <= number <= MAX_STEP else None


def _clean(text: str, limit: int) -> str:
    """Printable characters only (no control sequences reach a notification), cut to ``limit``."""
    kept = "".join(c if c.isprintable() else " " for c in text).strip()
    return kept if len(kept) <= limit else kept[: limit - 1] + "…"


def parse_report(data: object) -> Report | None:
    """A checked ``Report`` of decoded JSON, or None when it is not a usable report."""
    if not isinstance(data, dict):
        return None
    step = _count(data.get("step"))
    if step is None:
        return None
    total = _count(data.get("total")) if data.get("total") is not None else None
    if total is not None and (total == 0 or step > total):
        total = None  # a total the run has already passed tells nothing
    metrics: dict[str, float] = {}
    raw = data.get("metrics")
    if isinstance(raw, dict):
        for name, value in raw.items():
            if len(metrics) == MAX_METRICS:
                break
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                continue
            if not math.isfinite(value):
                continue
            label = _clean(str(name), MAX_NAME)
            if label:
                metrics[label] = float(value)
    return Report(step, total, metrics)


def read_report(run_dir: Path, *, root: Path) -> Report | None:
    """The run's ``progress.json``, checked; None when absent, unsafe, too large or not valid."""
    path = Path(run_dir) / PROGRESS_FILE
    try:
        data = safefs.read_bytes(path, root=root, limit=MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            return None
        return parse_report(runjson.loads(data, f"{Path(run_dir).name}/{PROGRESS_FILE}"))
    except (AisciError, OSError, ValueError):  # missing, a link, not JSON: no report now
        return None


def last_log_line(run_dir: Path, *, root: Path) -> str:
    """The last non-empty line the run printed (stdout first, else stderr), scrubbed and cut."""
    for name in ("stdout.log", "stderr.log"):
        text = environment.scrub(safefs.read_tail(Path(run_dir) / name, 2000, root=root))
        # a progress bar redraws its line with \r: the newest drawing is the last piece
        lines = [piece for piece in text.replace("\r", "\n").split("\n") if piece.strip()]
        if lines:
            return _clean(lines[-1], MAX_LINE)
    return ""


class ProgressWatch:
    """Polls one running run (its ``progress.json`` and logs) until ``stop``.

    The time left is estimated from the steps made between the first report seen and the
    latest (so start-up time, data loading and compilation do not count as training speed)."""

    def __init__(self, run_dir: Path, root: Path, on_snapshot: Callable[[Snapshot], None]) -> None:
        self.run_dir, self.root, self.on_snapshot = Path(run_dir), Path(root), on_snapshot
        self.started = time.monotonic()
        self._first: tuple[float, int] | None = None
        self._last: Report | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="aisci-progress", daemon=True)

    def start(self) -> ProgressWatch:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.wait(POLL_S):
            try:
                self.on_snapshot(self.snapshot())
            except Exception:  # a courtesy: a failing front end must not stop the run
                return

    def snapshot(self, now: float | None = None) -> Snapshot:
        now = time.monotonic() if now is None else now
        report = read_report(self.run_dir, root=self.root) or self._last
        self._last = report
        elapsed = now - self.started
        remaining = None
        if report is not None:
            if self._first is None or report.step < self._first[1]:
                self._first = (now, report.step)
            remaining = estimate_remaining(report, self._first, now)
        line = "" if report is not None else last_log_line(self.run_dir, root=self.root)
        return Snapshot(elapsed, report, remaining, line)


def estimate_remaining(report: Report, first: tuple[float, int] | None, now: float) -> float | None:
    """Seconds left at the pace since the first report seen; None without a total or before a
    second report has shown a pace (the time to the first one is start-up, not training: an
    estimate from it read ~8 minutes for a run of 100 s)."""
    if report.total is None:
        return None
    left = report.total - report.step
    if left == 0:
        return 0.0
    if first is not None and report.step > first[1] and now > first[0]:
        return left * (now - first[0]) / (report.step - first[1])
    return None


def clock(seconds: float) -> str:
    """0:42, 12:05, 1:02:03."""
    whole = max(0, round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def progress_text(label: str, snap: Snapshot) -> str:
    """``label`` ("run 1 of 3", "run_0 (baseline)") with the run's step, time and estimate."""
    parts = [label]
    report = snap.report
    if report is not None:
        parts.append(
            f"step {report.step:,}/{report.total:,}"
            if report.total is not None
            else f"step {report.step:,}"
        )
    parts.append(f"{clock(snap.elapsed_s)} elapsed")
    if snap.remaining_s is not None:
        parts.append(f"~{clock(snap.remaining_s)} left")
    if report is not None and report.metrics:
        name, value = next(iter(report.metrics.items()))
        parts.append(f"{name} {value:.4g}")
    elif report is None and snap.last_line:
        parts.append(snap.last_line)
    return " · ".join(parts)


def run_label(run: str, max_runs: int | None) -> str:
    """ "run 2 of up to 3" for an experiment run when the most runs are known, else the name: a
    scientist may stop before its last run, so the count is a bound, never a promise."""
    number = run.removeprefix("run_")
    if number.isdigit() and int(number) > 0 and max_runs:
        return f"run {int(number)} of up to {max_runs}"
    return f"{run} (baseline)" if run == "run_0" else run
