"""Long work off the event loop: jobs, their locks, their progress and their cancellation.

Contract:
- A ``Job`` runs one command's work in its own daemon thread with its own cancel event
  (the core's ``Context.cancel``: the runner kills the experiment's process group when it is
  set, model calls and aider edits stop at their next check). Callbacks registered with
  ``on_cancel`` run when it is cancelled (a pending proposal review is withdrawn that way).
- ``JobManager.reserve`` locks a path for the job: a second job whose path is equal to,
  inside or above a locked one is refused at once with ``Busy`` (never waits, never
  interleaves). The same path is also locked against other processes (an ``aisci launch``
  in a terminal, a second server) with the CLI's lock (core/locks.py); a path another
  process holds is refused with ``Busy`` too. ``release`` frees both when the work has ended.
  ``working_in`` is narrower than the lock: the job busy in a folder now (the folder it locked,
  or one where a stage or run of it started and has not ended), what a view shows running.
- ``Bridge`` is the only way worker threads talk to the client: every notification and
  request is handed to the event loop (``call_soon_threadsafe``), so the protocol is written
  from one thread and in order; after the loop has closed, messages are dropped. An
  ``aisci/*`` notification goes only as its lsp/wire type (``Bridge.send``).
- ``run_job`` (a coroutine, on the loop) creates the progress token, sends begin/end, starts
  the thread and waits for it; a ``$/cancelRequest``, a progress cancel or ``aisci.cancel``
  all end up in ``Job.request_cancel``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from aisci.core import locks
from aisci.lsp import wire
from aisci.lsp.pygls_compat import forget_request

if TYPE_CHECKING:
    from aisci.core.locks import FolderInUse, FolderLock

log = logging.getLogger(__name__)
_ids = itertools.count(1)
CANCEL_GRACE_S = 10.0
Progress = types.WorkDoneProgressBegin | types.WorkDoneProgressReport | types.WorkDoneProgressEnd


@dataclass
class Job:
    id: str
    command: str
    path: str  # the locked path
    folder: str | None = None  # the folder the work is about (for notifications)
    cancel: threading.Event = field(default_factory=threading.Event)
    started: float = field(default_factory=time.time)
    token: str | None = None
    thread: threading.Thread | None = None
    folder_lock: FolderLock | None = None  # the inter-process lock
    _callbacks: list[Callable[[], None]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    # folder -> the stages and runs started in it and not finished (the reporter keeps it)
    _busy: dict[str, set[str]] = field(default_factory=dict)

    def working(self, folder: str, what: str, on: bool) -> None:
        """Record that a stage or run (``what``) started (``on``) or ended in ``folder``."""
        key = str(Path(folder).resolve())
        with self._lock:
            busy = self._busy.setdefault(key, set())
            (busy.add if on else busy.discard)(what)
            if not busy:
                del self._busy[key]

    def works_in(self, folder: Path | str) -> bool:
        """Whether the job is busy in ``folder`` now: the folder it locked itself, or one in
        which a stage or run of it has started and not ended. A launch locks the whole template
        folder, but its finished ideas and its baseline are not being worked on."""
        key = str(Path(folder).resolve())
        with self._lock:
            return key == self.path or key in self._busy

    def request_cancel(self) -> None:
        with self._lock:
            if self.cancel.is_set():
                return
            self.cancel.set()
            callbacks = list(self._callbacks)
        log.info("job %s (%s) cancelled", self.id, self.command)
        for callback in callbacks:
            try:
                callback()
            except Exception:  # a withdrawn request may already be answered
                log.debug("cancel callback failed", exc_info=True)

    def on_cancel(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Run ``callback`` on cancellation (now, if already cancelled); returns a remover."""
        with self._lock:
            if not self.cancel.is_set():
                self._callbacks.append(callback)
                return lambda: self._remove(callback)
        callback()
        return lambda: None

    def _remove(self, callback: Callable[[], None]) -> None:
        with self._lock:
            if callback in self._callbacks:
                self._callbacks.remove(callback)

    def describe(self) -> dict[str, Any]:
        return {
            "job": self.id,
            "command": self.command,
            "folder": self.path,
            "since": time.strftime("%H:%M:%S", time.localtime(self.started)),
        }


class Busy(Exception):
    def __init__(self, job: Job, path: str):
        self.running = job.describe()
        super().__init__(
            f"{job.command} ({job.id}, started {job.describe()['since']}) is running on {job.path}; "
            f"a second command on {path} would interleave with it. Wait for it to finish, "
            f'or cancel it with aisci.cancel {{"job": "{job.id}"}}.'
        )

    @classmethod
    def elsewhere(cls, error: FolderInUse) -> Busy:
        """Another process holds the path."""
        busy = Exception.__new__(cls)
        holder = error.holder
        busy.running = {
            "job": None,
            "command": holder.command if holder else None,
            "folder": str(error.path),
            "since": holder.since if holder else None,
            "pid": holder.pid if holder else None,
        }
        Exception.__init__(busy, str(error))
        return busy


def _overlaps(a: str, b: str) -> bool:
    pa, pb = Path(a), Path(b)
    return pa == pb or pa in pb.parents or pb in pa.parents


class JobManager:
    def __init__(self, results: Callable[[Path], Path] | None = None) -> None:
        # The results folder of the workspace folder holding a path (they move at initialize).
        self._results = results
        self._lock = threading.Lock()
        self.jobs: dict[str, Job] = {}
        self._released: list[tuple[str, float]] = []  # (path, when its job ended)

    def reserve(self, command: str, path: Path | str, folder: Path | str | None = None) -> Job:
        path = str(Path(path).resolve())
        with self._lock:
            for job in self.jobs.values():
                if _overlaps(job.path, path):
                    raise Busy(job, path)
            job = Job(f"aisci-job-{next(_ids)}", command, path, str(folder) if folder else path)
            job.folder_lock = self._lock_folder(Path(path), command)
            self.jobs[job.id] = job
            return job

    def _lock_folder(self, path: Path, command: str) -> FolderLock:
        results = self._results(path).resolve() if self._results is not None else None
        label = f"aisci lsp: {command}"
        try:
            if results is not None and path.parent == results:
                return locks.lock_template_folder(path, label)
            if results is not None and path.parent.parent == results:
                return locks.lock_in_template_folder(path, label)
            return locks.lock_idea_folder(path, label)
        except locks.FolderInUse as e:
            raise Busy.elsewhere(e) from None

    def release(self, job: Job) -> None:
        now = time.time()
        if job.folder_lock is not None:
            job.folder_lock.release()
        with self._lock:
            self.jobs.pop(job.id, None)
            self._released = [(p, t) for p, t in self._released if now - t < 60] + [(job.path, now)]

    def held_at(self, path: Path | str, when: float) -> bool:
        """Whether a job held ``path`` at time ``when`` (it holds it now, or ended since then):
        the watcher leaves the changes a job made to that job."""
        if self.holder_of(path) is not None:
            return True
        path = str(Path(path).resolve())
        with self._lock:
            return any(_overlaps(p, path) and ended >= when for p, ended in self._released)

    def holder_of(self, path: Path | str) -> Job | None:
        """The job whose locked path holds ``path`` (or lies inside it), if any."""
        path = str(Path(path).resolve())
        with self._lock:
            return next((j for j in self.jobs.values() if _overlaps(j.path, path)), None)

    def working_in(self, path: Path | str) -> Job | None:
        """The job busy in ``path`` now (``Job.works_in``), if any: what a view shows running."""
        holder = self.holder_of(path)
        return holder if holder is not None and holder.works_in(path) else None

    def cancel(self, job_id: str | None = None, folder: str | None = None) -> list[str]:
        with self._lock:
            if job_id is not None:
                chosen = [self.jobs[job_id]] if job_id in self.jobs else []
            elif folder is not None:
                target = str(Path(folder).resolve())
                chosen = [j for j in self.jobs.values() if _overlaps(j.path, target)]
            else:
                chosen = []
        for job in chosen:
            job.request_cancel()
        return [j.id for j in chosen]

    def cancel_all(self) -> None:
        with self._lock:
            jobs = list(self.jobs.values())
        for job in jobs:
            job.request_cancel()

    def join_all(self, timeout_s: float = CANCEL_GRACE_S) -> None:
        """Wait (bounded) for every job thread: each ends once its processes are killed."""
        deadline = time.monotonic() + timeout_s
        with self._lock:
            threads = [j.thread for j in self.jobs.values() if j.thread is not None]
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))


def _message_type(level: str) -> types.MessageType:
    return {"error": types.MessageType.Error, "warning": types.MessageType.Warning}.get(
        level, types.MessageType.Info
    )


class Bridge:
    """Worker threads -> the event loop that owns the protocol."""

    def __init__(self, ls: LanguageServer, loop: asyncio.AbstractEventLoop) -> None:
        self.ls = ls
        self.loop = loop

    def call(self, fn: Callable, *args: Any) -> None:
        try:
            self.loop.call_soon_threadsafe(fn, *args)
        except RuntimeError:  # the loop is closed: the client has gone
            log.debug("dropped a message for a closed connection")

    def send(self, note: wire.Notification) -> None:
        """An ``aisci/*`` notification: its method is its type's, its params ``to_wire`` of it,
        so no sender names a method or shapes the params itself (lsp/wire/notes.py)."""
        self.call(self.ls.protocol.notify, wire.method_of(note), wire.to_wire(note))

    def log_message(self, message: str, level: str = "info") -> None:
        self.call(
            self.ls.window_log_message,
            types.LogMessageParams(type=_message_type(level), message=message),
        )

    def show_message(self, message: str, level: str = "error") -> None:
        self.call(
            self.ls.window_show_message,
            types.ShowMessageParams(type=_message_type(level), message=message),
        )

    def request(self, method: str, params: Any, msg_id: str) -> concurrent.futures.Future:
        """Send a request to the client; the returned future holds its answer."""
        answer: concurrent.futures.Future = concurrent.futures.Future()

        def send() -> None:
            try:
                sent = self.ls.protocol.send_request(method, params, msg_id=msg_id)
            except Exception as e:
                if not answer.done():
                    answer.set_exception(e)
                return

            def relay(done: concurrent.futures.Future) -> None:
                if answer.done():
                    return
                if done.cancelled():
                    answer.cancel()
                elif done.exception() is not None:
                    answer.set_exception(done.exception())
                else:
                    answer.set_result(done.result())

            sent.add_done_callback(relay)

        self.call(send)
        return answer

    def withdraw(self, msg_id: str) -> None:
        """Tell the client a request of ours is no longer wanted, and stop waiting for it."""

        def send() -> None:
            pending = forget_request(self.ls.protocol, msg_id)
            self.ls.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=msg_id))
            if pending is not None and not pending.done():
                pending.cancel()

        self.call(send)

    def progress(self, token: str | None, value: Progress) -> None:
        if token is None:
            return
        progress = self.ls.work_done_progress
        method = (
            progress.begin
            if isinstance(value, types.WorkDoneProgressBegin)
            else (progress.end if isinstance(value, types.WorkDoneProgressEnd) else progress.report)
        )
        self.call(method, token, value)


def client_has_progress(ls: LanguageServer) -> bool:
    window = getattr(ls.client_capabilities, "window", None)
    return bool(window and window.work_done_progress)


async def run_job(
    ls: LanguageServer, bridge: Bridge, job: Job, title: str, work: Callable[[], Any]
) -> Any:
    """Run ``work()`` in the job's thread, with progress; return its value or raise its error."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future = loop.create_future()
    if client_has_progress(ls):
        try:
            await ls.work_done_progress.create_async(job.id)
            job.token = job.id
            # pygls cancels this future when the client sends window/workDoneProgress/cancel.
            ls.work_done_progress.tokens[job.id].add_done_callback(
                lambda f: job.request_cancel() if f.cancelled() else None
            )
        except Exception:
            log.warning(
                "the client refused a progress token; running %s without progress",
                job.id,
                exc_info=True,
            )
    bridge.send(wire.JobStarted(job.id, job.command, job.folder, job.token))
    bridge.progress(
        job.token,
        types.WorkDoneProgressBegin(
            title=title, cancellable=True, message=job.folder, percentage=0
        ),
    )

    def settle(error: BaseException | None, value: Any = None) -> None:  # on the loop
        if done.done():
            return
        if error is not None:
            done.set_exception(error)
        else:
            done.set_result(value)

    def body() -> None:
        try:
            value = work()
        except BaseException as e:
            bridge.call(settle, e)
        else:
            bridge.call(settle, None, value)

    job.thread = threading.Thread(target=body, name=f"aisci-{job.id}", daemon=True)
    job.thread.start()
    try:
        try:
            return await asyncio.shield(done)
        except asyncio.CancelledError:
            # $/cancelRequest of the executeCommand request, or the server shutting down.
            job.request_cancel()
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(asyncio.shield(done), CANCEL_GRACE_S)
            raise
    finally:
        ok = done.done() and not done.cancelled() and done.exception() is None
        if ok and isinstance(done.result(), dict):
            ok = bool(done.result().get("ok", True))
        message = "cancelled" if job.cancel.is_set() else ("done" if ok else "failed")
        bridge.progress(job.token, types.WorkDoneProgressEnd(message=message))
        ls.work_done_progress.tokens.pop(job.id, None)
        bridge.send(wire.JobFinished(job.id, job.command, ok, job.cancel.is_set(), message))
