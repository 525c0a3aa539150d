"""Typed, read-only views of what a folder's stages saved: its ``state.json`` and each run's
``final_info.json``, and the protocol every stage's outcome follows.

Contract:

- ``IdeaState.read(folder)`` reads ``state.json`` without changing anything (no lock, no temp
  clean-up: the editor's views call it while a stage writes); a missing, unreadable or
  foreign file reads as a state with no steps, as the views always showed it.
  ``IdeaState.of(state)`` views a loaded ``core.state.State`` (which raises on a broken file).
- ``RunView`` is one run: its recorded step (status, description, boundary, ...) and its
  ``final_info.json`` as a validated ``FinalInfo``, or ``problem``, the message saying why it
  could not be read. A read error is never an empty result: the paper material and the Runs
  view show ``problem``. ``IdeaState.run_rows`` adds the runs on disk that state.json does not
  record (running now, or cancelled), so a cancelled run keeps its row.
- ``LaunchRecord`` is the ``launch`` entry of ``results/<template>/state.json`` (cycle.py writes
  and resumes it); keys it does not know are kept as they are.
- ``StageOutcome`` is what a per-idea stage returns (``ok`` and ``message``); the cycle reads it
  typed, so a stage that returns nothing is a type error, not a success.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from aisci.core.context import Context
from aisci.core.scientist import Scientist
from aisci.core.state import STATE_FILE, State
from aisci.errors import AisciError
from aisci.execution import safefs
from aisci.execution.final_info import FinalInfo, load_final_info


class StageOutcome(Protocol):
    """What every per-idea stage returns (ExperimentsOutcome, PlotsOutcome, the paper stages')."""

    @property
    def ok(self) -> bool: ...

    @property
    def message(self) -> str: ...


# A stage of one idea folder, as the cycle runs it (cycle.idea_stages, paper.stages.paper_stages).
IdeaStage = Callable[[Path, Scientist, Context], StageOutcome]


def is_run_step(name: str) -> bool:
    return name.startswith("run_") and name[4:].isdigit()


@dataclass(frozen=True)
class Step:
    """One recorded step of ``state.json``: its status and whatever outputs it recorded."""

    name: str
    data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> str | None:
        status = self.data.get("status")
        return status if isinstance(status, str) else None

    @property
    def done(self) -> bool:
        return self.status == "done"

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)


@dataclass(frozen=True)
class BuildStep:
    """The paper build's record: what the cycle and the checklist judge a paper by."""

    status: str | None
    pdf_ok: bool
    summary: str | None
    consistency_mismatches: int | None  # None: the consistency check has not run
    unmatched_numbers: tuple[str, ...]
    missing_citations: tuple[str, ...]
    numbers_checked: int

    @classmethod
    def of(cls, step: Step | None) -> BuildStep:
        data = step.data if step else {}
        mismatches = data.get("consistency_mismatches")
        summary = data.get("summary")
        return cls(
            step.status if step else None,
            bool(data.get("pdf_ok", False)),
            summary if isinstance(summary, str) else None,
            mismatches if isinstance(mismatches, int) else None,
            tuple(str(n) for n in data.get("unmatched_numbers") or []),
            tuple(str(c) for c in data.get("missing_citations") or []),
            int(data.get("numbers_checked") or 0),
        )


def read_run_results(folder: Path, run: str) -> tuple[FinalInfo | None, str | None]:
    """``(final_info, None)``, or ``(None, why it cannot be read)``: never a silent nothing."""
    try:
        return load_final_info(Path(folder) / run / "final_info.json"), None
    except AisciError as e:
        return None, e.message
    except (OSError, ValueError) as e:  # UnicodeDecodeError is a ValueError
        return None, f"{run}/final_info.json cannot be read: {e}"


@dataclass(frozen=True)
class RunView:
    """One run of a folder: its recorded step and its results (or why they cannot be read)."""

    folder: Path
    run: str
    step: Step
    final_info: FinalInfo | None = None
    problem: str | None = None

    @classmethod
    def read(cls, folder: Path, run: str, step: Step | None = None) -> RunView:
        info, problem = read_run_results(folder, run)
        return cls(Path(folder), run, step or Step(run), info, problem)

    @property
    def status(self) -> str | None:
        return self.step.status

    @property
    def description(self) -> str:
        return str(self.step.get("description") or "")

    @property
    def boundary(self) -> Mapping[str, Any]:
        boundary = self.step.get("boundary")
        return boundary if isinstance(boundary, dict) else {}


class IdeaState:
    """The steps of one folder's ``state.json``, with typed accessors for those read elsewhere."""

    def __init__(self, folder: Path, data: Mapping[str, Any]):
        self.folder = Path(folder)
        steps = data.get("steps")
        self._data = data
        self._steps: dict[str, Any] = dict(steps) if isinstance(steps, dict) else {}

    @classmethod
    def read(cls, folder: Path) -> IdeaState:
        """The state on disk, changing nothing; an absent or broken file has no steps."""
        try:
            data = json.loads((Path(folder) / STATE_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = None
        return cls(folder, data if isinstance(data, dict) else {})

    @classmethod
    def of(cls, state: State) -> IdeaState:
        return cls(state.folder, state.to_dict())

    def get(self, key: str, default: Any = None) -> Any:
        return self._data.get(key, default)

    def step(self, name: str) -> Step | None:
        entry = self._steps.get(name)
        return Step(name, entry) if isinstance(entry, dict) else None

    def is_done(self, name: str) -> bool:
        step = self.step(name)
        return bool(step and step.done)

    def run_steps(self) -> dict[str, Step]:
        """The recorded ``run_i`` steps, in the order state.json has them."""
        return {
            name: Step(name, entry)
            for name, entry in self._steps.items()
            if is_run_step(name) and isinstance(entry, dict)
        }

    def run(self, name: str) -> RunView:
        return RunView.read(self.folder, name, self.step(name))

    def run_rows(self, *, running: bool) -> dict[str, Step]:
        """Every run the folder shows: the recorded steps, and each ``run_i`` folder on disk
        that has no step. The experiments stage records a run when it ends and forgets a
        cancelled one (a resume runs it again), but its folder and logs stay: while a job works
        in the folder its newest such run is the one running; any other is "cancelled" (one
        holding a final_info.json is a run whose record is being written, or a copied baseline,
        and is left to the caller). ``state`` of a row not in state.json says which it is."""
        rows = {
            # the baseline records a cancelled run as failed, marked "cancelled"
            name: Step(name, {**step.data, "status": "cancelled"})
            if step.status == "failed" and step.get("cancelled") is True
            else step
            for name, step in self.run_steps().items()
        }
        try:
            entries = safefs.list_dir(self.folder)
        except (OSError, AisciError):
            return rows
        unrecorded = sorted(
            int(name[4:])
            for name, what in entries
            if what == "dir"
            and is_run_step(name)
            and name not in rows
            # aisci opens the logs before a run begins: without them it is not a run of aisci's
            and safefs.is_file(self.folder / name / "stdout.log", root=self.folder)
            and safefs.kind(self.folder / name / "final_info.json", root=self.folder) != "file"
        )
        for index in unrecorded:
            name = f"run_{index}"
            status = "running" if running and index == unrecorded[-1] else "cancelled"
            edit = self.step(f"{name}.edit")  # what the run tries, recorded before it started
            description = edit.get("description") if edit else None
            rows[name] = Step(
                name,
                {"status": status, "unrecorded": True}
                | ({"description": description} if isinstance(description, str) else {}),
            )
        return dict(sorted(rows.items(), key=lambda item: int(item[0][4:])))

    @property
    def created(self) -> Step | None:
        return self.step("created")

    @property
    def experiments(self) -> Step | None:
        return self.step("experiments")

    @property
    def plots(self) -> Step | None:
        return self.step("plots")

    @property
    def writeup(self) -> Step | None:
        return self.step("writeup")

    @property
    def review(self) -> Step | None:
        return self.step("review")

    @property
    def build(self) -> BuildStep:
        return BuildStep.of(self.step("build"))


@dataclass(frozen=True)
class LaunchRecord:
    """Which ideas a launch chose and the folder of each, so ``--resume`` continues it."""

    started: str
    scale: Any
    scientist: str
    ideas: tuple[str, ...] = ()
    folders: Mapping[str, str] = field(default_factory=dict)  # idea -> folder name
    archive_before: tuple[str, ...] = ()  # ideas.json's names before this launch generated any
    extra: Mapping[str, Any] = field(default_factory=dict)

    _KEYS = ("started", "scale", "scientist", "ideas", "folders", "archive_before")

    @classmethod
    def of(cls, state: State) -> LaunchRecord | None:
        data = state.get("launch")
        if not data or not isinstance(data, dict):
            return None
        return cls(
            str(data.get("started", "")),
            data.get("scale"),
            str(data.get("scientist", "")),
            tuple(data.get("ideas") or ()),
            dict(data.get("folders") or {}),
            tuple(data.get("archive_before") or ()),
            {k: v for k, v in data.items() if k not in cls._KEYS},
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "started": self.started,
            "scale": self.scale,
            "scientist": self.scientist,
            "ideas": list(self.ideas),
            "folders": dict(self.folders),
            "archive_before": list(self.archive_before),
            **self.extra,
        }
