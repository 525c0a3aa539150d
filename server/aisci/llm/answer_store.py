"""Paid answers kept where the work is, so a resume never pays for the same answer twice.

Contract:
- ``AnswerStore(path, root)`` holds the answers of one folder, one JSON line each in the
  cassette's format (cassette.py; so the file also replays with ``--replay``), keyed by the
  cassette's request key. ``keep`` appends a line with one ``write`` on an ``O_APPEND``
  descriptor opened without following a link, then fsync: the caller keeps the answer before
  it uses it, so a stop (a cost cap, a failed edit, a kill) after a paid call loses nothing.
  ``take(key)`` gives the answers the file held when the store was opened, each at most once,
  in order (one queue per key, as a cassette): an identical request made again in this process
  once those are used goes to the model, and its new answer is kept but not replayed.
- ``working_in(folder)`` names, for the current thread, the idea folder the work is about (a
  context variable, so parallel ideas in threads never mix); ``current_folder()`` reads it.
- ``Places``: the model client's homes. Inside an idea folder: its store
  ``<idea>/.aisci/answers.jsonl`` and its ledger ``<idea>/cost.json``, whose parent is the
  command's ledger (the template's cost.json); outside one, the command's own ledger and store
  (``results/<template>/.aisci/answers.jsonl`` for ideas and novelty). One per client, each
  folder's opened once, so the once-per-process rule holds across the stages of a command.

To ask the model again instead, delete the folder's ``.aisci/answers.jsonl``.
"""

from __future__ import annotations

import errno
import os
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aisci.execution import safefs

from .cassette import Recorded, entry_line, parse_lines
from .ledger import Ledger

STORE = Path(".aisci") / "answers.jsonl"
IDEA_LEDGER = "cost.json"
_APPEND = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
_folder: ContextVar[Path | None] = ContextVar("aisci_idea_folder", default=None)


@contextmanager
def working_in(folder: Path | str) -> Iterator[Path]:
    """The model calls made inside this block, in this thread, are about idea ``folder``."""
    path = Path(folder).resolve()
    token = _folder.set(path)
    try:
        yield path
    finally:
        _folder.reset(token)


def current_folder() -> Path | None:
    return _folder.get()


class AnswerStore:
    """The paid answers of one folder; see the module docstring."""

    def __init__(self, path: Path | str, root: Path | str):
        self.path, self.root = Path(path), Path(root)
        self._queues: dict[str, deque[Recorded]] = {}
        self._lock = threading.Lock()
        if safefs.kind(self.path, root=self.root) is not None:  # a link or a folder: refused
            text = safefs.read_text(self.path, root=self.root)
            for key, answer in parse_lines(text, self.path):
                self._queues.setdefault(key, deque()).append(answer)

    def take(self, key: str) -> Recorded | None:
        """The next answer kept for ``key`` before this process opened the store, or None."""
        with self._lock:
            queue = self._queues.get(key)
            return queue.popleft() if queue else None

    def keep(self, **entry: Any) -> None:
        """Append one paid answer (``entry``: the arguments of ``cassette.entry_line``) durably,
        fsync'd, before the caller uses it."""
        line = entry_line(**entry)
        with self._lock:
            self.root.mkdir(parents=True, exist_ok=True)  # the trusted folder (results/...)
            safefs.make_dirs(self.path.parent, root=self.root)
            try:
                fd = os.open(self.path, _APPEND, 0o644)
            except OSError as exc:
                if exc.errno != errno.ELOOP:
                    raise
                raise safefs.UnsafePathError(
                    f"Refused to keep a model answer in {self.path}: it is a symbolic link.",
                    "Remove the link (aisci never writes through one), then run again.",
                ) from None
            try:
                os.write(fd, line)
                os.fsync(fd)
            finally:
                os.close(fd)

    def __len__(self) -> int:
        with self._lock:
            return sum(len(q) for q in self._queues.values())


@dataclass(frozen=True)
class Place:
    """Where a call lands: the ledger that records it and the store that keeps its answer."""

    ledger: Ledger
    store: AnswerStore | None


class Places:
    """The command's home (its ledger and store) and each idea folder's, opened on first use."""

    def __init__(self, ledger: Ledger, answers: Path | str | None = None):
        self._lock = threading.Lock()
        self._ideas: dict[Path, Place] = {}
        self.set_base(ledger, answers)

    def set_base(self, ledger: Ledger, answers: Path | str | None) -> None:
        """Where calls outside any idea folder land; ``answers`` None keeps no answers."""
        store = None
        if answers is not None:
            path = Path(answers).absolute()
            # The store's own folder (.aisci) and the file are checked for links.
            store = AnswerStore(path, path.parent.parent)
        with self._lock:
            self._base = Place(ledger, store)

    @property
    def base(self) -> Place:
        with self._lock:
            return self._base

    def here(self) -> Place:
        """The place of the idea folder this thread works in (``working_in``), else the base."""
        folder = current_folder()
        with self._lock:
            if folder is None:
                return self._base
            place = self._ideas.get(folder)
            if place is None:
                ledger = Ledger.load(folder / IDEA_LEDGER)
                ledger.parent = self._base.ledger  # the template's total, then the cap
                place = Place(ledger, AnswerStore(folder / STORE, folder))
                self._ideas[folder] = place
            return place


__all__ = ["AnswerStore", "Place", "Places", "current_folder", "working_in"]
