"""The state file of a folder aisci works in (an idea folder, a baseline folder).

``state.json`` records each finished step with its outputs. It is rewritten atomically after
every change (temp file + rename), so a kill at any moment leaves either the old or the new
state, and every stage can resume at its first unfinished step. A step is "done" only when
its outputs are recorded; a step that was started and not finished is simply not done.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

from aisci.core.atomic import write_json_atomic
from aisci.errors import StateError

STATE_FILE = "state.json"
VERSION = 1


class State:
    def __init__(self, folder: Path, data: dict[str, Any]):
        self.folder = Path(folder)
        self._data = data
        self._lock = threading.RLock()

    @property
    def path(self) -> Path:
        return self.folder / STATE_FILE

    @classmethod
    def load(cls, folder: Path, **initial: Any) -> "State":
        """Read the folder's state, or start one (not written until the first record)."""
        path = Path(folder) / STATE_FILE
        if not path.exists():
            return cls(folder, {"version": VERSION, **initial, "steps": {}})
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError, OSError) as e:
            raise StateError(
                f"The state file {path} cannot be read: {e}.",
                "It is only ever replaced whole, so this file was changed by hand or by another program. "
                "Restore it, or delete it to start this folder's steps over.",
            ) from None
        if not isinstance(data, dict) or not isinstance(data.get("steps"), dict):
            raise StateError(f"The state file {path} is not an aisci state (no \"steps\" object).",
                             "Delete it to start this folder's steps over.")
        return cls(folder, data)

    def get(self, key: str, default: Any = None) -> Any:
        with self._lock:
            return self._data.get(key, default)

    def set(self, key: str, value: Any) -> None:
        with self._lock:
            self._data[key] = value
            self.save()

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
        with self._lock:
            self._data["steps"][name] = {"status": status, "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                                         **outputs}
            self.save()

    def forget(self, name: str) -> None:
        with self._lock:
            if self._data["steps"].pop(name, None) is not None:
                self.save()

    def save(self) -> None:
        with self._lock:
            write_json_atomic(self.path, self._data)

    def to_dict(self) -> dict[str, Any]:
        with self._lock:
            return json.loads(json.dumps(self._data))
