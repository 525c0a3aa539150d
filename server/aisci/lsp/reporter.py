"""The core's events as LSP: work-done progress, ``aisci/*`` notifications, diagnostics.

Contract: ``LspReporter.emit`` is called from the job's worker thread; it never blocks and
never writes the protocol itself (everything goes through the ``Bridge``). Each event becomes
the notification of docs/lsp.md §3 (its lsp/wire type, sent by ``Bridge.send``), plus a
progress report on the job's token and, for a finished run, the experiment traceback
diagnostics. While a run trains, its ``RunProgress`` (about once a second) becomes the report
"run 1 of 3 · step 400/1,250 · 0:42 elapsed · ~1:20 left" (execution/progress.py words it), so
"run i of N" stays visible the whole run. Stage and run starts and ends tell the job which
folders it is busy in (``Job.working``: what the Runs view shows spinning). ``CostTracker`` sums
the ``CostUpdated`` totals of this session for ``aisci.getCost``.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from aisci.execution import progress
from aisci.lsp import pdf_record, wire
from aisci.lsp.uris import path_to_uri

if TYPE_CHECKING:  # events are dispatched by class name: the module loads with the first command
    from aisci.core import events as ev
    from aisci.lsp.diagnostics import DiagnosticStore
    from aisci.lsp.jobs import Bridge, Job


class CostTracker:
    """The latest totals each folder reported; the session's cost is their sum."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_folder: dict[str, ev.CostUpdated] = {}

    def update(self, event: ev.CostUpdated) -> dict[str, Any]:
        with self._lock:
            self._by_folder[event.folder or ""] = event
            return self.totals_locked()

    def totals(self) -> dict[str, Any]:
        with self._lock:
            return self.totals_locked()

    def totals_locked(self) -> dict[str, Any]:
        """Known costs summed; ``totalUsd`` (and a stage's cost) is None when nothing in it had
        a price, and ``unknown`` says that some call's price is unknown (the total is then a
        lower bound), so an unpriced model never reads as free."""
        events = list(self._by_folder.values())
        by_stage: dict[str, float | None] = {}
        total, tokens_in, tokens_out = 0.0, 0, 0
        for event in events:
            total += event.total_usd or 0.0
            tokens_in += event.tokens_in
            tokens_out += event.tokens_out
            for stage, usd in event.by_stage.items():
                known = by_stage.get(stage)
                by_stage[stage] = known if usd is None else (known or 0.0) + usd
        unknown = any(e.total_usd is None or e.unpriced_calls for e in events)
        none_known = bool(events) and all(e.total_usd is None for e in events)
        return {
            "totalUsd": None if none_known else round(total, 6),
            "unknown": unknown,
            "byStage": by_stage,
            "tokensIn": tokens_in,
            "tokensOut": tokens_out,
        }


def _pct(value: float | None) -> int | None:
    return None if value is None else max(0, min(100, int(value)))


class LspReporter:
    def __init__(
        self,
        bridge: Bridge,
        job: Job,
        diagnostics: DiagnosticStore,
        costs: CostTracker,
        max_runs: int | None = None,
    ) -> None:
        self.bridge = bridge
        self.max_runs = max_runs
        self.job = job
        self.diagnostics = diagnostics
        self.costs = costs
        self.last_failure_log: str | None = None
        self._placed: dict[tuple[str, str], str] = {}

    def _report(self, message: str, percent: float | None = None) -> None:
        self.bridge.progress(
            self.job.token, types.WorkDoneProgressReport(message=message, percentage=_pct(percent))
        )

    def _log(self, message: str, level: str = "info", folder: str | None = None) -> None:
        self.bridge.send(wire.LogMessage(level, message, folder, self.job.id))
        self.bridge.log_message(message, level)

    def emit(self, event: ev.Event) -> None:
        handler = getattr(self, f"_on_{type(event).__name__}", None)
        if handler is not None:
            handler(event)

    def _stage(
        self, stage: str, folder: str | None, state: str, message: str, outputs: dict
    ) -> None:
        self.bridge.send(wire.StageChanged(stage, folder, state, message, outputs, self.job.id))

    def _activity(self, folder: str | None, what: str, on: bool) -> None:
        if folder:
            self.job.working(folder, what, on)

    def _on_StageStarted(self, e: ev.StageStarted) -> None:
        self._activity(e.folder, f"stage:{e.stage}", True)
        self._stage(e.stage, e.folder, "started", e.message, {})
        self._report(f"{e.stage}: {e.message}" if e.message else e.stage)
        self._log(f"{e.stage} started" + (f": {e.message}" if e.message else ""), folder=e.folder)

    def _on_StageFinished(self, e: ev.StageFinished) -> None:
        self._activity(e.folder, f"stage:{e.stage}", False)
        state = "finished" if e.ok else "failed"
        self._stage(e.stage, e.folder, state, e.message, dict(e.outputs))
        self._report(f"{e.stage} {state}" + (f": {e.message}" if e.message else ""))
        self._log(
            f"{e.stage} {state}" + (f": {e.message}" if e.message else ""),
            "info" if e.ok else "warning",
            e.folder,
        )

    def _on_Progress(self, e: ev.Progress) -> None:
        self._report(f"{e.stage}: {e.message}", e.percent)

    def _run_percent(self, run: str, fraction: float = 0.0) -> float | None:
        """Experiment runs are run_1..run_N, N at most maxRuns (a scientist may stop sooner):
        run i's share of the job, ``fraction`` of the way through it."""
        number = run.removeprefix("run_")
        if not (number.isdigit() and int(number) > 0 and self.max_runs):
            return None
        return 100.0 * (int(number) - 1 + fraction) / self.max_runs

    def _on_RunStarted(self, e: ev.RunStarted) -> None:
        self._activity(e.folder, f"run:{e.run}", True)
        label = progress.run_label(e.run, self.max_runs)
        self._report(f"{label} · starting (sandbox {e.sandbox})", self._run_percent(e.run))
        self._log(
            f"{e.run} started in {e.folder} (sandbox {e.sandbox}, timeout {e.timeout_s:g} s)",
            folder=e.folder,
        )

    def _on_RunPlaced(self, e: ev.RunPlaced) -> None:
        key = (e.folder, e.run)
        if self._placed.get(key) != e.where:
            self._placed[key] = e.where
            self.bridge.send(wire.RunPlaced(e.folder, e.run, e.where))
            if e.where != "this machine":  # here, the run's own progress says more
                label = progress.run_label(e.run, self.max_runs)
                self._report(f"{label} · on {e.where}", self._run_percent(e.run))
            self._log(f"{e.run} in {e.folder} runs on {e.where}", folder=e.folder)

    def _on_RunProgress(self, e: ev.RunProgress) -> None:
        report = e.snapshot.report
        done = report.step / report.total if report is not None and report.total else 0.0
        label = progress.run_label(e.run, self.max_runs)
        self._report(progress.progress_text(label, e.snapshot), self._run_percent(e.run, done))

    def _on_RunFinished(self, e: ev.RunFinished) -> None:
        self._activity(e.folder, f"run:{e.run}", False)
        self.bridge.send(
            wire.RunFinished(
                folder=e.folder,
                run=e.run,
                ok=e.ok,
                duration_s=round(e.duration_s, 3),
                exit_code=e.exit_code,
                message=e.message,
                means=e.means,
                source="job",
                where=e.where,
            )
        )
        self._report(e.message)
        self._log(e.message, "info" if e.ok else "warning", e.folder)
        self.last_failure_log = None if e.ok else str(Path(e.folder) / e.run / "stderr.log")
        self.diagnostics.run_finished(Path(e.folder), e.run, e.ok)

    def _on_RetryWaiting(self, e: ev.RetryWaiting) -> None:
        # The progress notification says why nothing moves; the log keeps each wait.
        text = f"{e.stage}: {e.message}" if e.stage else e.message
        self._report(text)
        self._log(text, "warning", e.folder)

    def _on_Log(self, e: ev.Log) -> None:
        self._log(e.message, e.level, e.folder)

    def _on_ErrorEvent(self, e: ev.ErrorEvent) -> None:
        # The hint on a line of its own, so that message and hint never run together.
        self._log(
            f"error in {e.stage}: {e.message}" + (f"\n{e.hint}" if e.hint else ""),
            "error",
            e.folder,
        )

    def _on_ProposalReady(self, e: ev.ProposalReady) -> None:
        self.bridge.send(
            wire.ProposalReady(
                id=e.id,
                folder=e.folder,
                file=e.file,
                uri=path_to_uri(Path(e.folder) / e.file),
                description=e.description,
                stage=e.stage,
                diff=e.diff,
                job=self.job.id,
            )
        )

    def _on_ProposalDecided(self, e: ev.ProposalDecided) -> None:
        self.bridge.send(wire.ProposalDecided(e.id, e.folder, e.file, e.action, e.reason))
        self._log(
            f"proposed edit {e.id} of {e.file}: {e.action}"
            + (f" ({e.reason})" if e.reason else ""),
            folder=e.folder,
        )

    def _on_CostUpdated(self, e: ev.CostUpdated) -> None:
        totals = self.costs.update(e)
        self.bridge.send(
            wire.CostUpdated(
                total_usd=e.total_usd,
                unknown=e.total_usd is None or e.unpriced_calls > 0,
                by_stage=e.by_stage,
                tokens_in=e.tokens_in,
                tokens_out=e.tokens_out,
                folder=e.folder,
                session_total_usd=totals["totalUsd"],
                session_unknown=totals["unknown"],
            )
        )

    def _on_IdeasChanged(self, e: ev.IdeasChanged) -> None:
        self.bridge.send(wire.IdeasChanged(e.template, e.path, "job"))

    def _on_PreviewReady(self, e: ev.PreviewReady) -> None:
        # The paper stage saved this build's diagnostics just before: publish them with it.
        counts = self.diagnostics.saved_paper_diagnostics(Path(e.folder))
        tex = Path(e.folder) / "latex" / "template.tex"
        record = pdf_record.of_idea(Path(e.folder))  # e.pdf, the stage's PDF of record
        self.bridge.send(
            wire.PreviewReady(
                folder=e.folder,
                tex=str(tex),
                pdf=str(record.pdf) if record else e.pdf,
                ok=True,
                diagnostics=counts["diagnostics"],
                errors=counts["errors"],
                duration_s=None,
                built_at=record.built_at if record else None,
                stale=record.stale if record else False,
                first_error=None,
                missing=[],
                install=None,
            )
        )
