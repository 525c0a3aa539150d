"""The Idea value and its validation at the edges (seed_ideas.json, ideas.json, model answers).

The JSON form is the original system's: ``Name`` (snake_case), ``Title``, ``Experiment``,
``Interestingness``, ``Feasibility``, ``Novelty`` (1-10), and ``novel`` (bool) after a
model's novelty check. An idea no model judged has no ``novel``; ``novelty_kind`` ("model" or
"unchecked") and ``novelty_note`` say what was done. Keys we do not know are kept, so a file
round-trips unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

SNAKE_CASE = re.compile(r"^[a-z][a-z0-9_]*$")
TEXT_FIELDS = ("Name", "Title", "Experiment")
SCORE_FIELDS = ("Interestingness", "Feasibility", "Novelty")
IDEA_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": list(TEXT_FIELDS + SCORE_FIELDS),
    "properties": {
        "Name": {"type": "string", "pattern": SNAKE_CASE.pattern},
        "Title": {"type": "string", "minLength": 1},
        "Experiment": {"type": "string", "minLength": 1},
        **{k: {"type": "integer", "minimum": 1, "maximum": 10} for k in SCORE_FIELDS},
    },
}


@dataclass(frozen=True)
class Idea:
    name: str
    title: str
    experiment: str
    interestingness: int
    feasibility: int
    novelty: int
    novel: bool | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Idea:
        """Build from a dict already checked by ``idea_problems`` (or raise ValueError)."""
        problems = idea_problems(data)
        errors = [p for p in problems if p[0] == "error"]
        if errors:
            raise ValueError("; ".join(msg for _, msg in errors))
        known = set(TEXT_FIELDS + SCORE_FIELDS + ("novel",))
        return cls(
            name=data["Name"],
            title=data["Title"],
            experiment=data["Experiment"],
            interestingness=int(data["Interestingness"]),
            feasibility=int(data["Feasibility"]),
            novelty=int(data["Novelty"]),
            novel=data.get("novel"),
            extra={k: v for k, v in data.items() if k not in known},
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "Name": self.name,
            "Title": self.title,
            "Experiment": self.experiment,
            "Interestingness": self.interestingness,
            "Feasibility": self.feasibility,
            "Novelty": self.novelty,
        }
        if self.novel is not None:
            out["novel"] = self.novel
        out.update(self.extra)
        return out


def idea_problems(data: Any) -> list[tuple[str, str]]:
    """Every problem of one idea as (severity, message) pairs, in field order."""
    if not isinstance(data, dict):
        return [
            (
                "error",
                f"must be an object with keys {', '.join(TEXT_FIELDS + SCORE_FIELDS)}, "
                f"found {type(data).__name__}",
            )
        ]
    problems: list[tuple[str, str]] = []
    for key in TEXT_FIELDS:
        if key not in data:
            problems.append(("error", f'missing key "{key}"'))
        elif not isinstance(data[key], str) or not data[key].strip():
            problems.append(("error", f'"{key}" must be a non-empty string'))
    name = data.get("Name")
    if isinstance(name, str) and name.strip() and not SNAKE_CASE.match(name):
        # The original's own seed files keep to snake_case, but a user's may not: a warning,
        # because the name becomes part of a folder name and is then normalised.
        problems.append(
            (
                "warning",
                f'"Name" should be snake_case (lowercase letters, digits, _), found "{name}"',
            )
        )
    for key in SCORE_FIELDS:
        if key not in data:
            problems.append(("error", f'missing key "{key}"'))
            continue
        value = data[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or int(value) != value:
            problems.append(("error", f'"{key}" must be an integer from 1 to 10, found {value!r}'))
        elif not 1 <= value <= 10:
            problems.append(("error", f'"{key}" must be from 1 to 10, found {value}'))
    if data.get("novel") is not None and not isinstance(data["novel"], bool):
        problems.append(
            ("error", f'"novel" must be true, false or null (unchecked), found {data["novel"]!r}')
        )
    return problems


def folder_safe_name(name: str) -> str:
    """An idea name as it may appear in a folder name."""
    cleaned = re.sub(r"[^A-Za-z0-9_]+", "_", name).strip("_").lower()
    return cleaned or "idea"
