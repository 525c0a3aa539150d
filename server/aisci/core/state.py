"""The state file of a folder aisci works in (an idea folder, a baseline folder).

``state.json`` records each finished step with its outputs. It is rewritten atomically after
every change (temp file + rename), so a kill at any moment leaves either the old or the new
state, and every stage can resume at its first unfinished step. A step is "done" only when
its outputs are recorded; a step that was started and not finished is simply not done.

Several ``State`` objects may stand for one folder (a stage calls another stage that loads
its own): every change is a read-merge-write of the file (``record``, ``set`` and ``forget``
re-read it and change only their key, under a lock per file), so a stale object never
overwrites what another recorded. One process writes a folder at a time (core/locks.py).
Temp files left by an atomic write that a kill interrupted are removed on ``load``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aisci.core.atomic import write_json_atomic
from aisci.core.cleanup import clean_stale_temps
from aisci.errors import StateError

STATE_FILE = "state.json"
VERSION = 1
_file_locks: dict[str, threading.RLock] = {}
_file_locks_guard = threading.Lock()


def _file_lock(path: Path) -> threading.RLock:
    key = str(Path(path).absolute())
    with _file_locks_guard:
        return _file_locks.setdefault(key, threading.RLock())


class State:
    def __init__(self, folder: Path, data: dict[str, Any]):
        self.folder = Path(folder)
        self._data = data
        self._lock = threading.RLock()

    @property
    def path(self) -> Path:
        return self.folder / STATE_FILE

    @classmethod
    def load(cls, folder: Path, **initial: Any) -> State:
        """Read the folder's state, or start one (not written until the first record)."""
        path = Path(folder) / STATE_FILE
        if Path(folder).is_dir():
            clean_stale_temps(folder)
        data = _read(path)
        return cls(
            folder, data if data is not None else {"version": VERSION, **initial, "steps": {}}
        )

    def get(self, key: str, default: Any = None) -> Any:
        with self._lock:
            return self._data.get(key, default)

    def set(self, key: str, value: Any) -> None:
        self._update(lambda data: data.__setitem__(key, value))

    def step(self, name: str) -> dict[str, Any] | None:
        with self._lock:
            entry = self._data["steps"].get(name)
            return dict(entry) if entry else None

    def is_done(self, name: str) -> bool:
        entry = self.step(name)
        return bool(entry and entry.get("status") == "done")

    def steps(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return {k: dict(v) for k, v in self._data["steps"].items()}

    def record(self, name: str, status: str = "done", **outputs: Any) -> None:
        """Record a step as done/failed/skipped with its outputs, and write the state."""
        entry = {"status": status, "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **outputs}
        self._update(lambda data: data["steps"].__setitem__(name, entry))

    def forget(self, name: str) -> None:
        self._update(lambda data: data["steps"].pop(name, None))

    def save(self) -> None:
        """Write this object's whole view (what other objects recorded meanwhile is merged in first)."""
        self._update(lambda data: None)

    def _update(self, change: Callable[[dict[str, Any]], Any]) -> None:
        """Read the file, merge this object's unsaved keys, apply ``change``, write it back."""
        with self._lock, _file_lock(self.path):
            on_disk = _read(self.path)
            data = on_disk if on_disk is not None else self._data
            for key, value in self._data.items():  # keys set at load() that were never written
                data.setdefault(key, value)
            change(data)
            write_json_atomic(self.path, data)
            self._data = data

    def to_dict(self) -> dict[str, Any]:
        with self._lock:
            return json.loads(json.dumps(self._data))


def run_steps(steps: dict) -> list[int]:
    """The indices of the recorded runs (``run_i`` steps, the baseline's run 0 left out), in
    order; a tree search may leave gaps (a node that ran nothing has no run). Here, below both
    core/experiments.py and core/notes.py, which read it."""
    return sorted(
        int(name[4:])
        for name in steps
        if name.startswith("run_") and name[4:].isdigit() and name[4:] != "0"
    )


def _read(path: Path) -> dict[str, Any] | None:
    """The state in ``path``, or None when there is none yet."""
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError, OSError) as e:
        raise StateError(
            f"The state file {path} cannot be read: {e}.",
            "It is only ever replaced whole, so this file was changed by hand or by another program. "
            "Restore it, or delete it to start this folder's steps over.",
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("steps"), dict):
        raise StateError(
            f'The state file {path} is not an aisci state (no "steps" object).',
            "Delete it to start this folder's steps over.",
        )
    return data
