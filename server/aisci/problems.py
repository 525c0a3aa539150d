"""Problem: one thing wrong with a user's file, with enough location to show it anywhere
(a terminal line, an editor diagnostic)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    file: str  # path relative to the folder that was checked, e.g. "prompt.json"
    message: str  # what is wrong, naming the field, e.g. 'missing key "task_description"'
    severity: str = "error"  # "error" or "warning"
    line: int | None = None  # 1-based, when known
    field: str | None = None  # the key or element, when there is one

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        label = "" if self.severity == "error" else "warning: "
        return f"{where}: {label}{self.message}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"
