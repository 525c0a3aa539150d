"""The cost ledger (totals, atomic saves, threads) and the cost cap."""

from __future__ import annotations

import json
import threading

import pytest

from aisci.errors import StateError
from aisci.llm import BudgetExceeded, CallRecord, Ledger
from tests.fakes import Answer

from .conftest import user


def rec(stage="ideas", cost=0.001, tin=100, tout=10, replayed=False):
    return CallRecord(
        stage=stage,
        model="m",
        prompt_tokens=tin,
        completion_tokens=tout,
        cost_usd=cost,
        duration_s=0.1,
        replayed=replayed,
    )


def test_totals_per_stage_and_summary():
    ledger = Ledger()
    ledger.record(rec("ideas", 0.004, 5000, 500))
    ledger.record(rec("novelty", 0.005, 4000, 400))
    ledger.record(rec("novelty", 0.003, 3345, 334))

    t = ledger.totals()
    assert t.overall.calls == 3 and t.overall.prompt_tokens == 12345
    assert t.by_stage["novelty"].cost_usd == pytest.approx(0.008)
    assert ledger.summary() == (
        "cost: $0.0120 (ideas $0.0040, novelty $0.0080); 12,345 tokens in, 1,234 out"
    )


def test_unknown_and_replayed_costs_are_marked():
    ledger = Ledger(max_cost_usd=1.0)
    ledger.record(rec(cost=None))
    ledger.record(rec(cost=0.5, replayed=True))
    t = ledger.totals()
    assert t.overall.unpriced_calls == 1 and t.overall.replayed_calls == 1
    assert t.live_cost_usd == 0.0  # replayed money was spent by an earlier run
    assert "1 call(s) of unknown price" in ledger.summary()
    assert "1 replayed" in ledger.summary() and "cap $1.00" in ledger.summary()


def test_saved_atomically_and_loaded_back(tmp_path):
    path = tmp_path / "idea" / "cost.json"
    ledger = Ledger(path)
    ledger.record(rec("ideas", 0.25))
    ledger.record(rec("review", None))

    data = json.loads(path.read_text())
    assert data["totals"]["calls"] == 2 and data["by_stage"]["ideas"]["cost_usd"] == 0.25
    assert [p.name for p in path.parent.iterdir()] == ["cost.json"]  # no temp file left

    again = Ledger.load(path)
    assert again.records == ledger.records
    again.record(rec("write", 0.1))
    assert json.loads(path.read_text())["totals"]["calls"] == 3


def test_load_of_a_missing_or_broken_file(tmp_path):
    assert Ledger.load(tmp_path / "none.json").records == []
    broken = tmp_path / "cost.json"
    broken.write_text("{not json")
    with pytest.raises(StateError, match=r"cost.json cannot be read"):
        Ledger.load(broken)


def test_parallel_records_are_all_kept(tmp_path):
    path = tmp_path / "cost.json"
    ledger = Ledger(path)

    def work(i):
        for _ in range(10):
            ledger.record(rec(f"stage{i}", 0.001))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert ledger.totals().overall.calls == 80
    assert json.loads(path.read_text())["totals"]["calls"] == 80


def test_child_ledgers_forward_to_the_parent(tmp_path):
    run = Ledger(tmp_path / "run.json", max_cost_usd=1.0)
    idea = Ledger(tmp_path / "idea" / "cost.json", parent=run)
    idea.record(rec(cost=0.3))
    assert run.totals().overall.calls == 1 and idea.root is run
    assert json.loads((tmp_path / "run.json").read_text())["totals"]["calls"] == 1


def test_reservations_stop_two_threads_spending_the_same_money():
    ledger = Ledger()
    ledger.record(rec(cost=0.5))
    ledger.reserve(0.3, 1.0)
    with pytest.raises(BudgetExceeded):
        ledger.reserve(0.3, 1.0)
    ledger.release(0.3)
    ledger.reserve(0.3, 1.0)


def test_a_call_over_the_cap_is_not_made(fake_openai, make_client):
    fake_openai.script(["never sent"])
    # openai/gpt-4o is priced ($2.5 / $10 per million): ~20 prompt tokens + 1,000 expected
    # completion tokens is about $0.01, over a cap of half a cent.
    client = make_client(model="openai/gpt-4o", max_cost_usd=0.005)

    with pytest.raises(BudgetExceeded) as caught:
        client.complete(user("Propose ten ideas."), stage="ideas")

    assert fake_openai.requests == []
    message = str(caught.value)
    assert "$0.0000 spent of the $0.005 cap" in message
    assert "stage `ideas`" in message and "estimated at $0.01" in message
    assert "rerun the same command with --max-cost 0.02 (and --resume, for aisci launch)" in message


def test_spending_accumulates_until_the_cap(fake_openai, make_client):
    fake_openai.script([Answer("ok", prompt_tokens=2000, completion_tokens=1000)] * 3)
    # Each call costs $0.005 + $0.01 = $0.015; the estimate (prompt ~10 tokens + 100
    # expected completion tokens) is ~$0.001: the third call would pass $0.031.
    client = make_client(model="openai/gpt-4o", max_cost_usd=0.031, max_tokens=100)
    client.complete(user("one"), stage="a")
    client.complete(user("two"), stage="a")
    with pytest.raises(BudgetExceeded, match=r"\$0\.0300 spent of the \$0\.031 cap"):
        client.complete(user("three"), stage="b")
    assert len(fake_openai.chat_requests) == 2


def test_cap_counts_what_a_resumed_ledger_already_spent(fake_openai, make_client, tmp_path):
    path = tmp_path / "cost.json"
    earlier = Ledger(path)
    earlier.record(rec(cost=0.99))
    client = make_client(Ledger.load(path), model="openai/gpt-4o", max_cost_usd=1.0)
    with pytest.raises(BudgetExceeded, match=r"--max-cost 2\.00"):
        client.complete(user("hi"), stage="ideas")
    assert fake_openai.requests == []


def test_unpriced_models_are_not_blocked_and_warn_once(fake_openai, make_client, caplog):
    fake_openai.script(["a", "b"])
    client = make_client(model="openai/unpriced-model", max_cost_usd=0.0001)
    with caplog.at_level("WARNING", logger="aisci.llm"):
        client.complete(user("hi"), stage="s")
        client.complete(user("hi again"), stage="s")
    warnings = [r for r in caplog.records if "No price is known" in r.getMessage()]
    assert len(warnings) == 1 and "openai/unpriced-model" in warnings[0].getMessage()
    assert all(r.cost_usd is None for r in client.ledger.records)
