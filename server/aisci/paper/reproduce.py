"""``aisci reproduce``: the runs a paper's numbers come from, run again from their recorded code,
and each stated number's original and reproduced value side by side.

Which runs: those of the paper's results macro calls (``results_macros.calls_in``), plus those
whose measured value a literal number matches as the checker reads its claim
(``consistency``'s claims: table column and row, the words around it), or every finished run
when the paper states nothing (or has no ``latex/template.tex``). ``--runs`` keeps a subset;
a number that needs a run left out reads "not re-run", never a failure.

How: each run's recorded code (``run_i.py``; run_0's is the baseline's) becomes
``experiment.py`` of a scratch copy of the template (the folder the idea was created from, else
the idea folder's own top-level files) in ``IDEA/reproduce/<stamp>/``, never the idea's own
``run_i``, and runs through the same path as every run (``core.runs.execute_run``: the
executor, the sandbox), at the scale the baseline recorded and, for a tree search's seed
re-runs, with their ``AISCI_SEED``. The reproduced ``run_i/`` folders land there beside
``reproduce.json``, the report.

Tolerance: where a value has seeds and a recorded standard error, twice that error (a run
re-drawn would differ by about that much); otherwise ``DEFAULT_TOLERANCE`` relative: a seeded
run on the same machine and scale is deterministic, so only float noise in printing and
summing may differ (``--tolerance`` sets it). A wall-clock metric (a training time, a
throughput: ``core.wall_clock``, declared in the template's ``aisci.json`` or known by its name)
is re-run and shown but never compared: its verdict is ``WALL_CLOCK``, which is no failure.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from aisci.core.context import Context
from aisci.core.folders import copy_template
from aisci.core.records import IdeaState
from aisci.core.runs import execute_run
from aisci.core.search import load_tree
from aisci.core.search.seeds import spread
from aisci.core.template import load_template
from aisci.core.wall_clock import WallClock
from aisci.errors import AisciError, ConfigError
from aisci.execution import safefs
from aisci.execution.executor import RunSpec
from aisci.execution.runner import finished_runs
from aisci.paper.claims import Claims
from aisci.paper.matching import close, matches
from aisci.paper.naming import Vocabulary
from aisci.paper.results_macros import BASELINE, Recorded, Results, calls_in, results
from aisci.paper.run_values import Measurement, Runs, collect, setup_values
from aisci.paper.stated_numbers import stated_numbers
from aisci.paper.tex_mask import blank_non_prose, strip_comments
from aisci.paper.tex_tables import table_cells

DEFAULT_TOLERANCE = 1e-6  # relative; see the module docstring
SCRATCH = "reproduce"
REPORT = "reproduce.json"
WALL_CLOCK = "not comparable (wall-clock)"
_PER_RUN = ("res", "reserr", "resn", "respm", "resavg")
_PAIR = ("reschange", "resdiff")
_BEST = ("resmax", "resmin", "resmaxrun", "resminrun")


@dataclass(frozen=True)
class Stated:
    """One number the paper states: a macro call or a literal, and the values it rests on."""

    text: str  # the call, or the literal as written
    line: int
    source: str  # where its value comes from, in words
    original: float | None
    runs: tuple[str, ...]  # the runs it needs
    tolerance: float | None = None  # absolute, where seeds give one
    reproduced: float | None = None
    status: str = "pending"  # reproduced | differs | not re-run | failed | WALL_CLOCK
    metric: str | None = None  # the metric it states
    wall_clock: bool = False  # a metric the machine's clock measures: never compared

    @property
    def ok(self) -> bool:
        return self.status in ("reproduced", "not re-run", WALL_CLOCK)


@dataclass(frozen=True)
class ReproduceReport:
    folder: Path  # the scratch folder the runs went to
    rows: tuple[Stated, ...]
    reran: tuple[str, ...]
    failed: tuple[str, ...]  # runs that did not finish, with why
    tolerance: float
    wall_clock_rule: str = ""  # which metrics are wall-clock, in words (WallClock.rule)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rows) and not self.failed

    def summary(self) -> str:
        bad = sum(r.status in ("differs", "failed") for r in self.rows)
        clock = sum(r.status == WALL_CLOCK for r in self.rows)
        return (
            f"{len(self.rows) - bad} of {len(self.rows)} stated numbers reproduced or not re-run"
            + (f", {clock} of them wall-clock, not comparable" if clock else "")
            + f"; re-ran {', '.join(self.reran) or 'nothing'} in {self.folder} (tolerance "
            f"{self.tolerance:g} relative, or 2x the recorded stderr where seeds give one; "
            f"wall-clock metrics: {self.wall_clock_rule or 'none'})"
        )

    def to_dict(self) -> dict:
        return {
            "folder": str(self.folder),
            "ok": self.ok,
            "tolerance_relative": self.tolerance,
            "wall_clock_rule": self.wall_clock_rule,
            "reran": list(self.reran),
            "failed": list(self.failed),
            "rows": [asdict(r) for r in self.rows],
        }


def _line(tex: str, offset: int) -> int:
    return tex.count("\n", 0, offset) + 1


def _err(found: Results, names: tuple[str, ...], seeds: int | None) -> float | None:
    """Twice the recorded standard error of a run's value that has more than one seed."""
    err = found.get("reserr", *names[:3]) if len(names) >= 3 else None
    return 2 * err.value if err is not None and (seeds or 0) > 1 else None


def _needs(value: Recorded, found: Results, seed_runs: tuple[str, ...]) -> tuple[str, ...]:
    if value.macro in _PER_RUN:
        return (value.names[0],)
    if value.macro in _PAIR:
        return value.names[:2]
    if value.macro in _BEST:
        return tuple(v.names[0] for v in found.of("res") if v.names[1:] == value.names)
    return seed_runs  # resseeds: the seed re-runs of the search's best variant


def macro_rows(tex: str, found: Results, seed_runs: tuple[str, ...]) -> list[Stated]:
    rows = []
    for offset, macro, args in calls_in(tex):
        value = found.get_safe(macro, args)
        text = f"\\{macro}" + "".join("{" + a + "}" for a in args)
        if value is None or value.macro.endswith("run"):
            # An unknown call stops the build already; a run's name is no number to reproduce.
            continue
        runs = _needs(value, found, seed_runs)
        rows.append(
            Stated(
                text,
                _line(tex, offset),
                value.source,
                value.value,
                runs,
                _err(found, value.names, value.seeds) if value.macro in _PER_RUN else None,
                metric=_metric(value),
            )
        )
    return rows


def _metric(value: Recorded) -> str:
    """The metric a value is of: the last argument, or the one before the statistic."""
    return value.names[-2] if value.macro == "resseeds" else value.names[-1]


def _key(m: Measurement) -> tuple[str, str, str, str]:
    return (m.run, m.dataset, m.metric, m.kind)


def literal_rows(tex: str, runs: Runs, setup: list[tuple[float, str]]) -> list[Stated]:
    """The literal numbers that equal a measured value of what they claim (as the checker
    reads them), each with that measurement; a number matching none is ``aisci check``'s, and
    one equal to a setting (``setup``: a learning rate the sweep set) states no result."""
    numbers = stated_numbers(tex)
    vocab = Vocabulary(runs.metrics, runs.datasets, runs.runs, runs.names)
    claims = Claims(blank_non_prose(tex), table_cells(strip_comments(tex)), runs, vocab)
    claims.learn_rows(numbers)
    stderrs = {_key(m)[:3]: m.value for m in runs.measurements if m.kind == "stderr"}
    rows = []
    for n in numbers:
        c = claims.claim(n)
        if c.label:
            continue
        scale = (100.0, 1.0) if n.percent else (1.0,)
        if not (c.in_table and c.metric_named) and any(
            close(n, v * f) for v, _ in setup for f in scale
        ):
            continue
        hits = [
            m
            for m in runs.measurements
            if m.metric in c.metrics
            and m.run in c.runs
            and (m.dataset in c.datasets or not m.dataset)
            and m.kind in ("mean", "stderr", "std", "value")
            and m.run.startswith("run_")
            and matches(n, m, c.percent)
        ]
        if not hits:
            continue
        m = hits[0]
        err = stderrs.get(_key(m)[:3]) if m.kind == "mean" else None
        rows.append(
            Stated(
                n.text,
                n.line,
                m.where(),
                m.value,
                tuple(sorted({h.run for h in hits}, key=_order)),
                2 * err if err else None,
                metric=m.metric,
            )
        )
    return rows


def _order(run: str) -> int:
    return int(run[4:]) if run[4:].isdigit() else -1


def all_run_rows(found: Results, runs: Iterable[str]) -> list[Stated]:
    wanted = set(runs)
    return [
        Stated(
            v.call,
            0,
            v.source,
            v.value,
            (v.names[0],),
            _err(found, v.names, v.seeds),
            metric=_metric(v),
        )
        for v in found.of("res")
        if v.names[0] in wanted
    ]


def plan(folder: Path) -> tuple[list[Stated], dict[str, int | None]]:
    """The stated numbers of ``folder``'s paper and the runs to re-run (run -> its seed)."""
    folder = Path(folder)
    found = results(folder)
    tree = load_tree(folder)
    seeds = {f"run_{n.id}": n.seed for n in tree.nodes if n.seed is not None} if tree else {}
    conf = (tree.confirmation if tree else None) or {}
    seed_runs = tuple(r for r in conf.get("runs", []) if isinstance(r, str))
    tex_path = folder / "latex" / "template.tex"
    rows: list[Stated] = []
    if safefs.is_file(tex_path, root=folder):
        tex = safefs.read_text(tex_path, root=folder, errors="replace")
        rows = macro_rows(tex, found, seed_runs) + literal_rows(
            tex, collect(folder), setup_values(folder)
        )
    if not rows:
        rows = all_run_rows(found, found.runs)
    clock = WallClock(folder)
    rows = [replace(r, wall_clock=clock(r.metric)) for r in rows]
    needed = sorted({r for row in rows for r in row.runs}, key=_order)
    return rows, {run: seeds.get(run) for run in needed}


def recorded_code(folder: Path, run: str) -> str:
    """What ``run`` ran: its ``run_i.py``; run_0's is in the baseline folder it was copied from."""
    own = folder / f"{run}.py"
    if safefs.is_file(own, root=folder):
        return safefs.read_text(own, root=folder)
    created = IdeaState.read(folder).step("created")
    baseline = created.get("baseline") if created else None
    if run == BASELINE and isinstance(baseline, str):
        code = Path(baseline).parent / f"{run}.py"
        if safefs.is_file(code):
            return safefs.read_text(code)
    raise AisciError(
        f"{run} of {folder.name} cannot be reproduced: its recorded code {run}.py is missing.",
        "Re-run only the other runs: --runs with the runs that have their run_i.py.",
    )


def recorded_scale(folder: Path) -> str | None:
    """The scale the idea's runs had: its state's, else that of the baseline it copied."""
    state = IdeaState.read(folder)
    if isinstance(state.get("scale"), str):
        return state.get("scale")
    created = state.step("created")
    baseline = created.get("baseline") if created else None
    if isinstance(baseline, str):
        scale = IdeaState.read(Path(baseline).parent).get("scale")
        return scale if isinstance(scale, str) else None
    return None


def scratch_folder(folder: Path) -> Path:
    """A new ``IDEA/reproduce/<stamp>/`` holding a copy of the template the idea was made from."""
    stamp = time.strftime("%Y%m%d_%H%M%S")
    work = folder / SCRATCH / stamp
    i = 1
    while work.exists():
        i += 1
        work = folder / SCRATCH / f"{stamp}_{i}"
    safefs.make_dirs(work, root=folder)
    created = IdeaState.read(folder).step("created")
    source = created.get("template_path") if created else None
    if isinstance(source, str) and (Path(source) / "experiment.py").is_file():
        copy_template(load_template(Path(source)), work)
    else:  # the template moved: the idea folder's own copy of it, its top-level files
        for name, kind in safefs.list_dir(folder):
            if kind == "file" and not name.startswith(".") and name != "state.json":
                safefs.copy_file(folder / name, work / name, src_root=folder, dst_root=folder)
    return work


def rerun(folder: Path, work: Path, seeds: dict[str, int | None], ctx: Context) -> list[str]:
    """Run each run again in ``work``; the runs that did not finish, with why."""
    s = ctx.settings
    scale = recorded_scale(folder) or s.scale
    failed = []
    for run, seed in seeds.items():
        ctx.check_cancelled("The reproduction")
        safefs.write_atomic(work / "experiment.py", recorded_code(folder, run), root=folder)
        spec = RunSpec(work, int(run[4:]), s.timeout_s, s.sandbox, scale, ctx.gpu, seed=seed)
        result = execute_run(ctx.executor, spec, ctx.reporter, ctx.cancel)
        if not result.ok:
            failed.append(f"{run}: {result.summary(with_hint=False)}")
    return failed


def judge(rows: list[Stated], again: Results, again_runs: Runs, tolerance: float) -> list[Stated]:
    """Each row with its reproduced value and verdict, from the re-run folder's results."""
    done = set(again.runs)
    out = []
    for row in rows:
        if not set(row.runs) <= done:
            out.append(replace(row, status="not re-run" if not row.runs else "failed"))
            continue
        value = _reproduced(row, again, again_runs)
        if value is None or row.original is None:
            out.append(replace(row, reproduced=value, status="failed"))
            continue
        if row.wall_clock:  # the clock of another moment: shown, never compared
            out.append(replace(row, reproduced=value, status=WALL_CLOCK))
            continue
        allowed = max(row.tolerance or 0.0, tolerance * abs(row.original), 1e-12)
        close = math.isclose(value, row.original, rel_tol=0.0, abs_tol=allowed)
        out.append(replace(row, reproduced=value, status="reproduced" if close else "differs"))
    return out


def _reproduced(row: Stated, again: Results, again_runs: Runs) -> float | None:
    if row.text.startswith("\\resseeds"):
        args = row.text[len("\\resseeds{") : -1].split("}{")
        values = [
            v.value
            for v in again.of("res")
            if list(v.names[1:]) == args[:2] and v.names[0] in row.runs  # the seed runs only
        ]
        stat = spread(values).get(args[2]) if values else None
        return float(stat) if isinstance(stat, (int, float)) else None
    if row.text.startswith("\\"):
        macro, _, rest = row.text[1:].partition("{")
        value = again.get_safe(macro, tuple(rest[:-1].split("}{")))
        return value.value if value else None
    # A literal: the same measurement (run, data set, metric, kind) of the re-run, the closest.
    same = [m for m in again_runs.measurements if m.where() == row.source and m.run in row.runs]
    if not same or row.original is None:
        return None
    original = row.original
    return min(same, key=lambda m: abs(m.value - original)).value


def reproduce(
    folder: Path, ctx: Context, *, only: tuple[str, ...] = (), tolerance: float = DEFAULT_TOLERANCE
) -> ReproduceReport:
    """Re-run the runs the paper's numbers need (``only`` of them, when given) and judge each."""
    folder = Path(folder).resolve()
    if not finished_runs(folder):
        raise ConfigError(
            f"{folder} has no run_i folders: there is nothing to reproduce.",
            "Give an idea folder whose experiments ran (results/<template>/<stamp>_<name>).",
        )
    rows, seeds = plan(folder)
    unknown = [r for r in only if r not in finished_runs(folder)]
    if unknown:
        raise ConfigError(
            f"--runs names {', '.join(unknown)}, which {folder.name} does not have.",
            f"Choose among: {', '.join(finished_runs(folder))}.",
        )
    if only:
        seeds = {run: seed for run, seed in seeds.items() if run in only}
    work = scratch_folder(folder)
    failed = rerun(folder, work, seeds, ctx)
    judged = judge(rows, results(work), collect(work), tolerance)
    kept = [r if set(r.runs) <= set(seeds) else replace(r, status="not re-run") for r in judged]
    rule = WallClock(folder).rule()
    report = ReproduceReport(work, tuple(kept), tuple(seeds), tuple(failed), tolerance, rule)
    text = json.dumps(report.to_dict(), indent=2) + "\n"
    safefs.write_atomic(work / REPORT, text, root=folder)
    return report


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.6g}"


def format_table(report: ReproduceReport) -> str:
    """The report as the terminal prints it: one row per stated number."""
    head = ("stated", "line", "original", "reproduced", "verdict")
    body = [
        (r.text, str(r.line or "-"), _num(r.original), _num(r.reproduced), r.status)
        for r in report.rows
    ]
    widths = [max(len(row[i]) for row in [head, *body]) for i in range(len(head))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in [head, *body]
    ]
    lines.append(report.summary())
    lines += [f"failed: {f}" for f in report.failed]
    return "\n".join(lines)
