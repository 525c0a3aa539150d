"""Rendering for the terminal: events as progress lines on stderr, results as tables on stdout."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
from typing import TYPE_CHECKING, TextIO

from aisci.core import events as ev
from aisci.core.proposals import Decision
from aisci.execution.final_info import FinalInfo
from aisci.execution.progress import progress_text

FIRST_LINES = 3  # of each file of a folder proposal, shown before the question

if TYPE_CHECKING:  # rich loads only when a live bar is shown
    from rich.progress import Progress, TaskID

    from aisci.core.proposals import Proposal


class TerminalReporter:
    """One line per stage and run event on stderr (stdout is kept for results). On a terminal,
    each running experiment also gets a live bar: the run's own progress (its step of its
    total, time elapsed and left, as in the editor: execution/progress.py), or else its time
    and last log line."""

    def __init__(self, stream: TextIO | None = None, live: bool | None = None):
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty() if live is None else live
        self._progress: Progress | None = None
        self._tasks: dict[tuple[str, str], TaskID] = {}
        self._where: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()

    def emit(self, event: ev.Event) -> None:
        with self._lock:
            if isinstance(event, ev.RunPlaced):
                # Say where a run is once (and again if it moves, as after a node failed), not per log line.
                key = (event.folder, event.run)
                if self._where.get(key) == event.where or event.where == "this machine":
                    return
                self._where[key] = event.where
            if isinstance(event, ev.RunProgress):
                self._live_progress(event)  # the live bar only: a line a second is noise
                return
            if self.live and isinstance(event, (ev.RunStarted, ev.RunFinished)):
                self._live_run(event)
            line = self.render(event)
            if line:
                if self._progress is not None:
                    self._progress.console.print(line, highlight=False, markup=False)
                else:
                    print(line, file=self.stream, flush=True)

    def _live_progress(self, event: ev.RunProgress) -> None:
        key = (event.folder, event.run)
        if self._progress is None or key not in self._tasks:
            return
        name = f"{event.folder.rsplit('/', 1)[-1]}/{event.run}"
        report = event.snapshot.report
        self._progress.update(
            self._tasks[key],
            description=progress_text(name, event.snapshot),
            total=report.total if report is not None else None,
            completed=report.step if report is not None else 0,
        )

    def _live_run(self, event: ev.RunStarted | ev.RunFinished) -> None:
        # deferred: rich takes ~50 ms to import; only a live terminal display needs it
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn

        key = (event.folder, event.run)
        if isinstance(event, ev.RunStarted):
            if self._progress is None:
                self._progress = Progress(
                    TextColumn("    {task.description}"),
                    BarColumn(),
                    TextColumn("(timeout {task.fields[limit]})"),
                    console=Console(file=self.stream),
                    transient=True,
                )
                self._progress.start()
            name = f"{event.folder.rsplit('/', 1)[-1]}/{event.run}"
            # the run's own progress (RunProgress) replaces this within a second
            self._tasks[key] = self._progress.add_task(
                f"{name} · starting", total=None, limit=f"{event.timeout_s:g} s"
            )
        elif key in self._tasks and self._progress is not None:
            self._progress.remove_task(self._tasks.pop(key))
            if not self._tasks:
                self._progress.stop()
                self._progress = None

    @staticmethod
    def render(event: ev.Event) -> str | None:
        if isinstance(event, ev.StageStarted):
            return f"==> {event.stage}" + (f": {event.message}" if event.message else "")
        if isinstance(event, ev.StageFinished):
            mark = "done" if event.ok else "FAILED"
            return f"<== {event.stage} {mark}" + (f": {event.message}" if event.message else "")
        if isinstance(event, ev.RunStarted):
            return (
                f"    {event.run} started (sandbox {event.sandbox}, timeout {event.timeout_s:g} s)"
            )
        if isinstance(event, ev.RunPlaced):
            return f"    {event.run} running on {event.where}"
        if isinstance(event, ev.RunFinished):
            return f"    {event.message}" + (f" (on {event.where})" if event.where else "")
        if isinstance(event, ev.Progress):
            pct = f"{event.percent:5.1f}% " if event.percent is not None else ""
            return f"    {pct}{event.message}"
        if isinstance(event, ev.RetryWaiting):
            return f"    {event.stage + ': ' if event.stage else ''}{event.message}"
        if isinstance(event, ev.Log):
            return (
                f"    {event.level}: {event.message}"
                if event.level != "info"
                else f"    {event.message}"
            )
        if isinstance(event, ev.CostUpdated):
            cost = (
                f"${event.total_usd:.4f}"
                if event.total_usd is not None
                else "unknown (a model without a price)"
            )
            return (
                f"    cost so far: {cost}; {event.tokens_in:,} tokens in, {event.tokens_out:,} out"
            )
        if isinstance(event, ev.ProposalReady):
            return f"    proposed edit of {event.file}: {event.description}"
        if isinstance(event, ev.ErrorEvent):
            # The hint on a line of its own: run on after the message, the two read as one.
            return f"error in {event.stage}: {event.message}" + (
                f"\n    {event.hint}" if event.hint else ""
            )
        return None


def format_number(value: float) -> str:
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 1e5 or magnitude < 1e-3:
        return f"{value:.4g}"
    if magnitude >= 100:
        return f"{value:.1f}"
    return f"{value:.4f}"


def results_table(info: FinalInfo) -> str:
    """A plain table: dataset, metric, mean, ± stderr ("n/a" when the run reported none, e.g. one seed)."""
    rows = [("dataset", "metric", "mean", "± stderr")]
    for name, result in info.datasets.items():
        for metric, mean in result.means.items():
            err = result.stderrs.get(metric)
            rows.append(
                (
                    name,
                    metric,
                    format_number(mean),
                    format_number(err) if err is not None else "n/a",
                )
            )
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = []
    for i, row in enumerate(rows):
        lines.append(
            "  ".join(
                cell.ljust(widths[j]) if j < 2 else cell.rjust(widths[j])
                for j, cell in enumerate(row)
            ).rstrip()
        )
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


class TerminalReviewer:
    """``review-edits`` in a terminal: show each proposed diff, ask accept / edit / reject.

    Ideas running in parallel threads share one terminal: one proposal is shown and answered
    at a time (the others wait on a lock, in the order they came), so diffs and prompts never
    interleave and each answer goes to the proposal it was given for."""

    _one_at_a_time = threading.Lock()

    def __init__(self, stream: TextIO | None = None, ask=input):
        self.stream = stream or sys.stderr
        self.ask = ask

    def review(self, proposal):
        with self._one_at_a_time:
            return self._review(proposal)

    def _review(self, proposal):
        if proposal.files:
            return self._review_folder(proposal)
        print(
            f"\n--- proposed edit of {proposal.file} ({proposal.stage}): {proposal.description}",
            file=self.stream,
        )
        print(proposal.diff, file=self.stream, flush=True)
        while True:
            answer = self.ask("[a]ccept, [e]dit, [r]eject? ").strip().lower()
            if answer in ("a", "accept", "y", "yes"):
                return Decision("accept")
            if answer in ("r", "reject", "n", "no"):
                reason = self.ask("why (told to the scientist)? ").strip()
                return Decision("reject", reason=reason or None)
            if answer in ("e", "edit"):
                text = self._edit(proposal.proposed, proposal.file)
                if text is not None:
                    return Decision("edit", text=text)

    def _review_folder(self, proposal: Proposal) -> Decision:
        """A folder proposal: its files, each with its size and first lines; one answer for all
        (an edit opens one file at a time and comes back to the question)."""
        print(
            f"\n--- proposed new folder {proposal.file}/ ({proposal.stage}): {proposal.description}",
            file=self.stream,
        )
        for i, f in enumerate(proposal.files, 1):
            lines = f.proposed.splitlines()
            size = len(f.proposed.encode("utf-8"))
            print(f"  {i}. {f.file} ({size:,} bytes, {len(lines)} lines)", file=self.stream)
            for line in lines[:FIRST_LINES]:
                print(f"       {line[:100]}", file=self.stream)
        self.stream.flush()
        edited: dict[str, str] = {}
        while True:
            answer = self.ask("[a]ccept, [e]dit, [r]eject? ").strip().lower()
            if answer in ("a", "accept", "y", "yes"):
                return Decision("edit", files=edited) if edited else Decision("accept")
            if answer in ("r", "reject", "n", "no"):
                reason = self.ask("why (told to the scientist)? ").strip()
                return Decision("reject", reason=reason or None)
            if answer in ("e", "edit"):
                which = self.ask(f"which file (1-{len(proposal.files)})? ").strip()
                if not which.isdigit() or not 1 <= int(which) <= len(proposal.files):
                    print(f"{which!r} is not a file's number.", file=self.stream)
                    continue
                f = proposal.files[int(which) - 1]
                text = self._edit(edited.get(f.file, f.proposed), f.file)
                if text is not None:
                    edited[f.file] = text
                    print(f"{f.file} edited; accept to take every edit.", file=self.stream)

    def _edit(self, text: str, name: str) -> str | None:

        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        suffix = os.path.splitext(name)[1]
        with tempfile.NamedTemporaryFile("w", suffix=suffix, delete=False, encoding="utf-8") as f:
            f.write(text)
        try:
            if subprocess.call([*editor.split(), f.name]) != 0:
                print(
                    f"{editor} exited with an error; the proposal is shown again.", file=self.stream
                )
                return None
            with open(f.name, encoding="utf-8") as edited:
                return edited.read()
        finally:
            os.unlink(f.name)
