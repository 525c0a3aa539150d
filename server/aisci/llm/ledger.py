"""The cost ledger: one record per model call, totals per stage, saved atomically.

Contract:
- ``record(CallRecord)`` appends a call (thread-safe: the pipeline runs ideas in parallel
  threads) and, when the ledger has a ``path``, rewrites that file atomically (a temp file in
  the same folder, then ``os.replace``), so a killed run leaves the old or the new file, never
  half of one.
- A ledger may have a ``parent`` (e.g. one per idea folder under one per command): records
  are forwarded to it, and the cost cap is checked on the root, so parallel ideas share one cap.
- Each call keeps ``cached_prompt_tokens``, the part of its prompt the provider served from
  its cache (``llm/caching.py``), and the totals sum them.
- ``reserve``/``release`` hold the estimate of calls in flight, so two threads cannot both pass
  the cap with the same remaining money.
- Costs are ``None`` when unknown; totals then say how many calls had no price. cost.json
  writes an unknown cost as ``null`` with ``priced: false`` (each call, and totals where no
  call had a price), never as 0. Replayed calls
  keep their recorded cost, marked ``replayed``, and do not count against the cap.
"""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from aisci.core.atomic import write_json_atomic
from aisci.errors import StateError

from .errors import BudgetExceeded

FORMAT_VERSION = 1


@dataclass(frozen=True)
class CallRecord:
    stage: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None
    duration_s: float
    timestamp: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat())
    replayed: bool = False
    # Of prompt_tokens, those the provider served from its prompt cache (billed lower; the
    # cost above already counts them at the cached price): 0 when it reported none.
    cached_prompt_tokens: int = 0


@dataclass(frozen=True)
class StageTotals:
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0  # known costs only
    unpriced_calls: int = 0  # calls whose cost is unknown
    replayed_calls: int = 0
    cached_prompt_tokens: int = 0

    def add(self, r: CallRecord) -> StageTotals:
        return StageTotals(
            calls=self.calls + 1,
            prompt_tokens=self.prompt_tokens + r.prompt_tokens,
            completion_tokens=self.completion_tokens + r.completion_tokens,
            cost_usd=self.cost_usd + (r.cost_usd or 0.0),
            unpriced_calls=self.unpriced_calls + (r.cost_usd is None),
            replayed_calls=self.replayed_calls + r.replayed,
            cached_prompt_tokens=self.cached_prompt_tokens + r.cached_prompt_tokens,
        )


@dataclass(frozen=True)
class LedgerTotals:
    overall: StageTotals
    by_stage: dict[str, StageTotals]
    live_cost_usd: float  # known cost of calls not replayed: what counts against the cap
    max_cost_usd: float | None


class Ledger:
    """Records every model call; see the module docstring."""

    def __init__(
        self,
        path: Path | str | None = None,
        *,
        max_cost_usd: float | None = None,
        parent: Ledger | None = None,
    ):
        self.path = Path(path) if path is not None else None
        self.max_cost_usd = max_cost_usd
        self.parent = parent
        self._records: list[CallRecord] = []
        self._reserved = 0.0
        self._lock = threading.RLock()

    # -- recording -----------------------------------------------------------------------
    def record(self, rec: CallRecord) -> None:
        with self._lock:
            self._records.append(rec)
            if self.path is not None:
                self._save_locked(self.path)
        if self.parent is not None:
            self.parent.record(rec)

    @property
    def records(self) -> list[CallRecord]:
        with self._lock:
            return list(self._records)

    @property
    def root(self) -> Ledger:
        return self if self.parent is None else self.parent.root

    # -- money ---------------------------------------------------------------------------
    def live_cost_usd(self) -> float:
        with self._lock:
            return sum(r.cost_usd or 0.0 for r in self._records if not r.replayed)

    def reserve(self, estimate_usd: float, cap_usd: float | None, stage: str = "") -> None:
        """Hold ``estimate_usd`` for a call about to be made, or raise ``BudgetExceeded``."""
        with self._lock:
            if cap_usd is not None:
                spent = self.live_cost_usd()
                if spent + self._reserved + estimate_usd > cap_usd:
                    raise _budget_error(spent + self._reserved, cap_usd, estimate_usd, stage)
            self._reserved += estimate_usd

    def release(self, estimate_usd: float) -> None:
        with self._lock:
            self._reserved = max(0.0, self._reserved - estimate_usd)

    # -- totals --------------------------------------------------------------------------
    def totals(self) -> LedgerTotals:
        with self._lock:
            records = list(self._records)
        overall = StageTotals()
        by_stage: dict[str, StageTotals] = {}
        for r in records:
            overall = overall.add(r)
            by_stage[r.stage] = by_stage.get(r.stage, StageTotals()).add(r)
        live = sum(r.cost_usd or 0.0 for r in records if not r.replayed)
        return LedgerTotals(overall, by_stage, live, self.max_cost_usd)

    def summary(self) -> str:
        """One line for the end of a command, e.g.
        ``cost: $0.0123 (ideas $0.0040, novelty $0.0083); 12,345 tokens in, 1,234 out``."""
        t = self.totals()
        o = t.overall
        if o.calls == 0:
            return "cost: $0.0000 (no model calls)"
        stages = ", ".join(f"{name} {_usd(s)}" for name, s in t.by_stage.items())
        line = f"cost: {_usd(o)} ({stages}); {o.prompt_tokens:,} tokens in, "
        line += f"{o.completion_tokens:,} out"
        notes = []
        if o.unpriced_calls:
            notes.append(f"{o.unpriced_calls} call(s) of unknown price")
        if o.replayed_calls:
            notes.append(f"{o.replayed_calls} replayed")
        if t.max_cost_usd is not None:
            notes.append(f"cap {money(t.max_cost_usd)}")
        return line + (f" [{'; '.join(notes)}]" if notes else "")

    # -- files ---------------------------------------------------------------------------
    def to_json(self) -> dict:
        t = self.totals()
        return {
            "version": FORMAT_VERSION,
            "max_cost_usd": self.max_cost_usd,
            "totals": _totals_json(t.overall),
            "by_stage": {k: _totals_json(v) for k, v in t.by_stage.items()},
            "calls": [{**asdict(r), "priced": r.cost_usd is not None} for r in self.records],
        }

    @classmethod
    def from_json(cls, data: dict, path: Path | str | None = None) -> Ledger:
        ledger = cls(path, max_cost_usd=data.get("max_cost_usd"))
        fields = CallRecord.__dataclass_fields__
        for raw in data.get("calls", []):
            ledger._records.append(CallRecord(**{k: v for k, v in raw.items() if k in fields}))
        return ledger

    @classmethod
    def load(cls, path: Path | str, *, missing_ok: bool = True) -> Ledger:
        """Read a saved ledger (and keep saving to the same path). A missing file gives an
        empty ledger when ``missing_ok``."""
        path = Path(path)
        if not path.exists() and missing_ok:
            return cls(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls.from_json(data, path)
        except (OSError, ValueError, TypeError) as exc:
            raise StateError(
                f"Cost ledger {path} cannot be read: {exc}.",
                "Delete or fix the file; its calls will then be missing from the totals.",
            ) from exc

    def save(self, path: Path | str | None = None) -> None:
        target = Path(path) if path is not None else self.path
        if target is None:
            raise ValueError("Ledger.save needs a path (none was given at construction)")
        with self._lock:
            self._save_locked(target)

    def _save_locked(self, target: Path) -> None:
        write_json_atomic(target, self.to_json())


def money(usd: float) -> str:
    """Dollars with cents, and more digits only when a small amount needs them."""
    text = f"{usd:.4f}".rstrip("0")
    whole, _, cents = text.partition(".")
    return f"${whole}.{cents.ljust(2, '0')}"


def _budget_error(spent: float, cap: float, estimate: float, stage: str) -> BudgetExceeded:
    needed = max(cap * 2, (spent + estimate) * 1.5)
    suggested = max(0.01, -(-needed * 100 // 1) / 100)  # round up to cents
    where = f" (stage `{stage}`)" if stage else ""
    return BudgetExceeded(
        f"Cost cap reached: ${spent:.4f} spent of the {money(cap)} cap, and the next call{where} "
        f"is estimated at ${estimate:.4f}; the call was not made.",
        f"Continue with a higher cap: rerun the same command with --max-cost {suggested:.2f} "
        "(and --resume, for aisci launch); what finished is saved.",
    )


def _totals_json(totals: StageTotals) -> dict:
    """Totals as cost.json writes them: ``cost_usd`` null when no call had a price (unknown,
    never $0), ``priced`` false when any call had none (the cost is then a lower bound)."""
    out = asdict(totals)
    if totals.calls and totals.unpriced_calls == totals.calls:
        out["cost_usd"] = None
    out["priced"] = totals.unpriced_calls == 0
    return out


def _usd(totals) -> str:
    """A cost as people read it: "unknown" when no call had a price (never "$0.0000"), and
    "at least $x" when only some had one."""
    if totals.calls and totals.unpriced_calls == totals.calls:
        return "unknown"
    if totals.unpriced_calls:
        return f"at least ${totals.cost_usd:.4f}"
    return f"${totals.cost_usd:.4f}"
