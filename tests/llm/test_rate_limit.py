"""Rate limits and failing providers: the shared limiter, Retry-After, the time budget, the
visible waits, the give-up message, and the JSON-schema mode for local servers.

Through the real CLI (subprocesses) and the real LLM client against the fake OpenAI server on
127.0.0.1; the loop's own arithmetic with an injected clock and sleep. The one long test (six
``aisci ideas`` through a 20 s storm of 429s: 55-66 s on a busy 2-core machine, most of it
starting six Pythons) is marked ``slow``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

from aisci.core.events import RetryWaiting
from aisci.llm import LLMClient, LLMFormatError, LLMSettings, LLMUnavailableError, RetryPolicy
from aisci.llm.limiter import Limiter, retry_after_s
from aisci.llm.retry import call_with_retries
from tests.fakes.openai_responders import RateLimitStorm, SchemaAnswers
from tests.fakes.openai_server import Error, FakeOpenAI
from tests.helpers import make_template, run_cli
from tests.llm.conftest import user
from tests.scientists.test_llm_cli import FAKE_KEY_ENV, ideas_args, model_answers


class Refused(Exception):
    """A provider's refusal as litellm hands it over: a status and the response's headers."""

    def __init__(self, status: int, headers: dict[str, str] | None = None):
        super().__init__(f"RateLimitError: refused ({status})")
        self.status_code = status
        self.litellm_response_headers = headers or {}


class FakeTime:
    """A clock that only the recorded sleeps move (shared by threads)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.lock = threading.Lock()

    def clock(self) -> float:
        with self.lock:
            return self.now

    def advance(self, seconds: float) -> None:
        with self.lock:
            self.now += seconds


def failing_then(answers: list):
    """A call that raises or returns the next item each time it is made."""
    items = iter(answers)

    def call():
        item = next(items)
        if isinstance(item, BaseException):
            raise item
        return item

    return call


# -- Retry-After ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "7"}, 7.0),
        ({"retry-after-ms": "1500", "retry-after": "9"}, 1.5),  # OpenAI's millisecond header wins
        ({"retry-after": "http-date"}, 30.0),
    ],
)
def test_retry_after_is_the_wait(headers, expected):
    if headers.get("retry-after") == "http-date":
        when = datetime.now(timezone.utc) + timedelta(seconds=30)
        headers = {"retry-after": format_datetime(when, usegmt=True)}
    fake, sleeps, waits = FakeTime(), [], []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        fake.advance(seconds)

    result = call_with_retries(
        failing_then([Refused(429, headers), "answer"]),
        policy=RetryPolicy(max_total_s=120),
        what="Model `m` (stage `ideas`)",
        auth_hint="",
        sleep=sleep,
        clock=fake.clock,
        provider="openai",
        stage="ideas",
        limiter=Limiter(),
        on_wait=waits.append,
    )
    assert result == "answer"
    assert len(sleeps) == 1 and sleeps[0] == pytest.approx(
        expected, abs=1.5 if expected == 30 else 0
    )
    [wait] = waits
    assert wait.attempt == 2 and wait.status == 429
    assert wait.message.startswith("rate-limited by openai, retrying in ")


def test_retry_after_is_read_from_the_real_litellm_error(fake_openai):
    fake_openai.script([Error(429, headers={"Retry-After": "3"}), "after the wait"])
    waits: list[RetryWaiting] = []
    sleeps: list[float] = []
    client = LLMClient(
        LLMSettings(model="openai/fake-model", api_base=fake_openai.base_url, api_key="k"),
        on_wait=waits.append,
        sleep=sleeps.append,
        limiter=Limiter(),  # its own: the recorded sleep does not wait out a shared pause
    )
    assert client.complete(user("hi"), stage="ideas").text == "after the wait"
    assert sleeps == [3.0]  # the header's wait, not the policy's milliseconds
    assert [w.message for w in waits] == ["rate-limited by openai, retrying in 3 s (try 2)"]


def test_a_retry_after_past_the_budget_ends_the_call_at_once():
    fake, sleeps = FakeTime(), []
    with pytest.raises(LLMUnavailableError) as caught:
        call_with_retries(
            failing_then([Refused(429, {"Retry-After": "300"})]),
            policy=RetryPolicy(max_total_s=60),
            what="Model `m` (stage `ideas`)",
            auth_hint="",
            sleep=sleeps.append,
            clock=fake.clock,
            provider="openai",
        )
    assert sleeps == []  # no pointless wait: the provider's own wait passes the budget
    assert "asked to wait 300 s more, past the retry budget 60 s" in caught.value.message
    assert "--retry-budget" in caught.value.hint and "--resume" in caught.value.hint


def test_headers_without_retry_after_give_none():
    assert retry_after_s(Refused(429, {"content-type": "application/json"})) is None
    assert retry_after_s(Refused(429, {"Retry-After": "soon"})) is None
    assert retry_after_s(ValueError("no response at all")) is None


# -- the shared limiter -----------------------------------------------------------------------
def test_the_limiter_makes_two_threads_wait_together():
    fake, limiter = FakeTime(), Limiter("openai/m")
    a_paused, b_waited = threading.Event(), threading.Event()
    sent: list[tuple[str, float]] = []
    sleeps: dict[str, list[float]] = {"A": [], "B": []}

    def sleeper(name: str):
        def sleep(seconds: float) -> None:
            sleeps[name].append(seconds)
            if name == "A":
                a_paused.set()  # A's 429 has paused the limiter; now B comes
                assert b_waited.wait(10), "B never waited on A's pause"
            else:
                b_waited.set()
            fake.advance(seconds)

        return sleep

    def caller(name: str, answers: list):
        calls = iter(answers)

        def call():
            sent.append((name, fake.clock()))
            item = next(calls)
            if isinstance(item, BaseException):
                raise item
            return item

        return call_with_retries(
            call,
            policy=RetryPolicy(max_total_s=120),
            what=f"caller {name}",
            auth_hint="",
            sleep=sleeper(name),
            clock=fake.clock,
            limiter=limiter,
        )

    results: dict[str, str] = {}
    a = threading.Thread(
        target=lambda: results.update(A=caller("A", [Refused(429, {"Retry-After": "5"}), "a"]))
    )
    a.start()
    assert a_paused.wait(10)
    b = threading.Thread(target=lambda: results.update(B=caller("B", ["b"])))
    b.start()
    a.join(10)
    b.join(10)
    assert results == {"A": "a", "B": "b"}
    # B sent nothing during A's pause: it waited the 5 s A was told, then sent once.
    assert sleeps["B"] == [5.0]
    assert [t for name, t in sent if name == "B"] == [5.0]


def test_clients_of_one_provider_share_a_pause(fake_openai):
    """Two real clients of one model on one server (two ideas' threads): after the first is
    refused with Retry-After: 1, the second sends nothing until that second has passed."""
    storm = RateLimitStorm(0.3, "fine", retry_after="1")
    arrivals: list[tuple[str, float]] = []

    def answer(body: dict):
        arrivals.append((body["messages"][-1]["content"], time.monotonic()))
        return storm(body)

    fake_openai.default = answer
    settings = LLMSettings(model="openai/fake-model", api_base=fake_openai.base_url, api_key="k")
    paused = threading.Event()
    first = LLMClient(settings, on_wait=lambda wait: paused.set())
    second = LLMClient(settings)
    assert first.limiter is second.limiter  # one limiter per provider, model and server
    replies: list[str] = []
    thread = threading.Thread(
        target=lambda: replies.append(first.complete(user("one"), stage="a").text)
    )
    thread.start()
    assert paused.wait(30), "the first call was never refused"
    replies.append(second.complete(user("two"), stage="b").text)
    thread.join(30)
    assert replies == ["fine", "fine"] and storm.refused == 1
    refused_at = arrivals[0][1]
    [(_, second_sent)] = [a for a in arrivals if a[0] == "two"]
    assert second_sent - refused_at >= 0.9  # it waited out the pause the first was given


# -- the time budget, through the CLI ------------------------------------------------------------
def test_a_server_failing_for_good_ends_within_the_budget_with_a_clear_message(tmp_path):
    template = make_template(tmp_path)
    with FakeOpenAI(default=Error(500)) as fake:
        started = time.monotonic()
        done = run_cli(
            *ideas_args(template, tmp_path / "results", fake.base_url, "--retry-budget", "3"),
            cwd=tmp_path,
            env=FAKE_KEY_ENV,
        )
        took = time.monotonic() - started
        tries = len(fake.chat_requests)
    assert done.returncode == 1, done.stderr
    assert took < 3 + 20  # the budget, plus starting Python and litellm on a busy machine
    lines = done.stderr.splitlines()
    [error] = [i for i, line in enumerate(lines) if line.startswith("error: ")]
    assert (
        f"failed after {tries} tries in 3 s (retry budget 3 s); the last error was 500"
        in lines[error]
    )
    hint = lines[error + 1]  # the hint on its own line, never run on after the message
    assert hint.startswith("openai kept failing: wait a few minutes, then run the same command")
    assert "--resume" in hint and "--retry-budget SECONDS (now 3)" in hint
    assert "retry limits" not in done.stderr
    # Every wait was on the progress lines, saying why and for how long.
    assert "    ideas: openai failed (500), retrying in " in done.stderr
    assert "(try 2)" in done.stderr


def test_the_terminal_shows_waits_and_keeps_a_hint_on_its_own_line():
    from aisci.core.events import ErrorEvent
    from aisci.terminal import TerminalReporter

    wait = RetryWaiting("openai", 7.4, 3, 429, stage="ideas", reason="rate-limited by openai")
    assert (
        TerminalReporter.render(wait)
        == "    ideas: rate-limited by openai, retrying in 7 s (try 3)"
    )
    line = TerminalReporter.render(ErrorEvent("launch", "It failed: why.", "Do this."))
    assert line == "error in launch: It failed: why.\n    Do this."


def test_retry_budget_and_structured_output_flags_are_checked(tmp_path):
    template = make_template(tmp_path)
    bad = run_cli(
        *ideas_args(template, tmp_path / "r", "http://127.0.0.1:9/v1", "--retry-budget", "0")
    )
    assert bad.returncode == 2 and "--retry-budget: must be a finite number above 0" in bad.stderr
    bad = run_cli(
        *ideas_args(template, tmp_path / "r", "http://127.0.0.1:9/v1", "--structured-output", "yes")
    )
    assert bad.returncode == 2 and "invalid choice: 'yes'" in bad.stderr


def test_the_cost_cap_error_of_a_launch_is_printed_once(tmp_path):
    """The cap stops the launch inside an idea's experiments: one error, not an "error in
    launch" line and the same error again. gpt-4o-mini has a price; each answer costs $0.003."""
    template = make_template(tmp_path)
    with FakeOpenAI(default=model_answers(completion_tokens=5000)) as fake:
        done = run_cli(
            "launch",
            *("--template", str(template), "--model", "openai/gpt-4o-mini"),
            *("--api-base", fake.base_url, "--scientist", "llm", "--results", str(tmp_path / "r")),
            *("--num-ideas", "1", "--reflections", "0", "--skip-novelty-check"),
            *("--writeup", "none", "--engine", "local", "--scale", "smoke", "--sandbox", "none"),
            *("--max-cost", "0.004"),
            cwd=tmp_path,
            env=FAKE_KEY_ENV,
        )
    assert done.returncode == 1, done.stderr
    assert "(stage `experiments`)" in done.stderr  # the cap was met inside the idea's work
    assert done.stderr.count("Cost cap reached") == 1, done.stderr


@pytest.mark.slow
def test_six_parallel_ideas_commands_survive_a_20s_storm_of_429s(tmp_path):
    storm = RateLimitStorm(20.0, model_answers())  # no Retry-After: as many providers do
    procs = []
    with FakeOpenAI(default=storm) as fake:
        for i in range(6):
            folder = tmp_path / f"user{i}"
            template = make_template(folder)
            args = ideas_args(template, folder / "results", fake.base_url)
            procs.append(
                subprocess.Popen(
                    # Later flags win: one idea and no review round, so one call each.
                    [
                        sys.executable,
                        "-m",
                        "aisci",
                        *args,
                        "--num-ideas",
                        "1",
                        "--reflections",
                        "0",
                    ],
                    cwd=folder,
                    env={**os.environ, **FAKE_KEY_ENV},
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
        outcomes = [(p.wait(timeout=150), *p.communicate()) for p in procs]
    failed = [err for code, _, err in outcomes if code != 0]
    assert failed == [], failed[0][-2000:]
    assert storm.refused >= 6
    for i in range(6):
        ideas = json.loads((tmp_path / f"user{i}" / "results" / "tiny" / "ideas.json").read_text())
        assert len(ideas) == 1
    assert any("ideas: rate-limited by openai, retrying in " in err for _, _, err in outcomes)


# -- structured output for local servers ---------------------------------------------------------
OBJECT = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "score": {"type": "integer"}},
    "required": ["name", "score"],
}


def test_structured_output_on_sends_the_schema_to_an_unknown_local_model(fake_openai, make_client):
    fake_openai.default = SchemaAnswers()
    value = make_client(structured_output="on").complete_json(user("rate"), OBJECT, stage="ideas")
    assert value == {"name": "x", "score": 0}
    fmt = fake_openai.chat_requests[0].body["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["schema"] == OBJECT


@pytest.mark.parametrize("mode", ["auto", "off"])
def test_auto_and_off_send_no_schema_to_an_unknown_local_model(fake_openai, make_client, mode):
    fake_openai.default = SchemaAnswers()  # prose without a schema: no JSON to read
    with pytest.raises(LLMFormatError):
        make_client(structured_output=mode, json_reasks=1).complete_json(
            user("rate"), OBJECT, stage="ideas"
        )
    assert all("response_format" not in r.body for r in fake_openai.chat_requests)


def test_a_server_refusing_the_schema_falls_back_to_text(fake_openai, make_client):
    answers = SchemaAnswers(free_text=json.dumps({"name": "n", "score": 2}), refuse=True)
    fake_openai.default = answers
    value = make_client(structured_output="on").complete_json(user("rate"), OBJECT, stage="ideas")
    assert value == {"name": "n", "score": 2}
    bodies = [r.body for r in fake_openai.chat_requests]
    assert "response_format" in bodies[0] and "response_format" not in bodies[-1]


# -- the editor shows the wait -------------------------------------------------------------------
async def test_the_language_server_shows_the_rate_limit_wait_in_its_progress(tmp_path, monkeypatch):
    from lsprotocol import types

    from tests.lsp.conftest import start, stop

    monkeypatch.setenv("OPENAI_API_KEY", "sk-fake")  # the fake takes any key
    workspace = tmp_path / "ws"
    make_template(workspace / "templates")
    storm = RateLimitStorm(0.5, model_answers(), retry_after="1")
    with FakeOpenAI(default=storm) as fake:
        settings = {
            "scientist": "llm",
            "model": "openai/fake-model",
            "apiBase": fake.base_url,
            "numIdeas": 1,
        }
        client = await start(workspace, settings=settings)
        try:
            result = await client.command(
                "aisci.generateIdeas", {"template": str(workspace / "templates" / "tiny")}
            )
            assert len(result["ideas"]) == 1
        finally:
            await stop(client)
    values = [
        p.value if isinstance(p.value, dict) else vars(p.value)
        for p in client.notes[types.PROGRESS]
    ]
    reports = [v.get("message") for v in values]
    assert "ideas: rate-limited by openai, retrying in 1 s (try 2)" in reports, reports
    logs = [n["message"] for n in client.notes["aisci/log"] if n["level"] == "warning"]
    assert any("rate-limited by openai" in m for m in logs), logs
