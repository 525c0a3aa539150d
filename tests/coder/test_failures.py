"""Edits that must be refused, answers aider cannot apply, failing model calls, cancellation."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from aisci.coder import AiderCoder, EditFailed, EditRefused
from aisci.core.context import Cancelled
from aisci.errors import AisciError, ConfigError
from aisci.llm import RetryPolicy
from tests.coder.helpers import EXPERIMENT, PLOT, last_user_message, search_replace
from tests.fakes.openai_server import Answer, Error

ONE_TRY = RetryPolicy(max_attempts=1)
NO_MATCH = search_replace("experiment.py", "LEARNING_RATE = 0.5\n", "LEARNING_RATE = 0.01\n")
GOOD = search_replace("experiment.py", "EPOCHS = 3\n", "EPOCHS = 4\n")


# -- confined to the folder and to the listed files ---------------------------------------
def test_an_edit_outside_the_folder_is_refused(idea, make_coder, fake_openai):
    new_file = search_replace("../outside.py", "", "import os\n", prose="I also need a helper.")
    fake_openai.script([GOOD + new_file])
    with pytest.raises(
        EditRefused, match=r"\.\./outside\.py: it lies outside the folder"
    ) as caught:
        make_coder().apply(idea, ["experiment.py"], "Add a helper.")
    assert caught.value.files == ("../outside.py",)
    assert not (idea.parent / "outside.py").exists()
    assert (
        idea / "experiment.py"
    ).read_text() == EXPERIMENT  # the good block was not written either


def test_an_existing_file_outside_by_absolute_path_is_refused(
    idea, tmp_path, make_coder, fake_openai
):
    victim = tmp_path / "victim.py"
    victim.write_text("SECRET = 1\n")
    fake_openai.script([search_replace(str(victim), "SECRET = 1\n", "SECRET = 2\n")])
    with pytest.raises(EditRefused, match=r"victim.py") as caught:
        make_coder().apply(idea, ["experiment.py"], "Change the secret.")
    assert caught.value.files == (str(victim),)
    assert victim.read_text() == "SECRET = 1\n"


def test_a_file_inside_the_folder_but_not_listed_is_refused(idea, make_coder, fake_openai):
    fake_openai.script(
        [
            search_replace(
                "plot.py", 'labels = {"run_0": "Baseline"}\n', 'labels = {"run_0": "Base"}\n'
            )
        ]
    )
    with pytest.raises(EditRefused, match=r"plot.py: only experiment.py may change"):
        make_coder().apply(idea, ["experiment.py"], "Rename the label.")
    assert (idea / "plot.py").read_text() == PLOT


def test_a_read_only_file_is_shown_but_refused_as_a_target(idea, make_coder, fake_openai):
    fake_openai.script(
        [search_replace("plot.py", 'labels = {"run_0": "Baseline"}\n', "labels = {}\n")]
    )
    with pytest.raises(EditRefused, match=r"plot.py"):
        make_coder().propose(idea, ["experiment.py"], "Edit.", read_only=["plot.py"])
    shown = "\n".join(str(m["content"]) for m in fake_openai.chat_requests[0].body["messages"])
    assert 'labels = {"run_0": "Baseline"}' in shown


def test_listed_files_that_leave_the_folder_are_refused_before_any_call(
    idea, tmp_path, make_coder, fake_openai
):
    outside = tmp_path / "elsewhere.py"
    outside.write_text("X = 1\n")
    (idea / "link.py").symlink_to(outside)
    coder = make_coder()
    for name in ("link.py", "../elsewhere.py", str(outside)):
        with pytest.raises(AisciError, match=r"outside the folder"):
            coder.propose(idea, [name], "Edit it.")
    with pytest.raises(AisciError, match=r"no such file"):
        coder.propose(idea, ["missing.py"], "Edit it.")
    assert fake_openai.requests == []


# -- answers aider cannot apply --------------------------------------------------------------
def test_a_search_block_that_never_matches_comes_back_as_an_error(idea, make_coder, fake_openai):
    fake_openai.default = NO_MATCH
    edit = make_coder(max_reflections=2).propose(idea, ["experiment.py"], "Lower the rate.")
    assert not edit.ok and edit.proposed == {}
    assert edit.error.startswith(
        "The SEARCH block for experiment.py did not match the file's text (3 answers tried)."
    )
    assert "LEARNING_RATE = 0.5" in edit.error  # the block itself, for the model to fix
    # The first answer plus two reflections, each telling the model what failed.
    requests = fake_openai.chat_requests
    assert len(requests) == 3 and edit.usage.requests == 3 and len(edit.replies) == 3
    assert "failed to exactly match lines in experiment.py" in last_user_message(requests[1])
    # apply writes nothing when the edit has an error.
    fake_openai.default = NO_MATCH
    applied = make_coder(max_reflections=0).apply(idea, ["experiment.py"], "Lower the rate.")
    assert applied.written == () and "did not match" in applied.error
    assert (idea / "experiment.py").read_text() == EXPERIMENT


def test_a_reflection_can_fix_the_answer(idea, make_coder, fake_openai):
    fake_openai.script([NO_MATCH, GOOD])
    edit = make_coder().propose(idea, ["experiment.py"], "Train longer.")
    assert edit.ok and "EPOCHS = 4\n" in edit.proposed["experiment.py"]
    assert edit.usage.requests == 2 and edit.reply == GOOD


def test_a_partly_applied_answer_keeps_what_applied_and_reports_the_rest(
    idea, make_coder, fake_openai
):
    fake_openai.default = GOOD + NO_MATCH
    edit = make_coder(max_reflections=0).propose(idea, ["experiment.py"], "Both.")
    assert "EPOCHS = 4\n" in edit.proposed["experiment.py"]
    assert "did not match" in edit.error


# -- failing model calls ----------------------------------------------------------------
def test_a_refused_key_fails_at_once(idea, make_coder, fake_openai):
    fake_openai.script([Error(401)])
    with pytest.raises(EditFailed, match=r"Incorrect API key") as caught:
        make_coder().propose(idea, ["experiment.py"], "Edit.")
    assert caught.value.hint == "Check the API key for the model."
    assert len(fake_openai.chat_requests) == 1


def test_server_errors_are_retried_a_bounded_number_of_times(idea, make_coder, fake_openai):
    fake_openai.default = Error(500)
    with pytest.raises(EditFailed, match=r"after 2 tries") as caught:
        make_coder(retry=RetryPolicy(max_attempts=2, base_delay_s=0.001)).propose(
            idea, ["experiment.py"], "Edit."
        )
    assert len(fake_openai.chat_requests) == 2  # no hidden retries inside the OpenAI SDK
    assert caught.value.hint.startswith("openai kept failing")
    assert "--retry-budget" in caught.value.hint and "retry limits" not in caught.value.hint


def test_a_retry_can_succeed(idea, make_coder, fake_openai):
    fake_openai.script([Error(429), GOOD])
    edit = make_coder().propose(idea, ["experiment.py"], "Train longer.")
    assert edit.ok and edit.usage.requests == 2


def test_a_429_burst_follows_the_retry_policy_not_aiders_loop(
    idea, make_coder, fake_openai, caplog
):
    # Four 429s in a row: aider's own loop gives up after three tries; the policy's six go on.
    fake_openai.script([Error(429)] * 4 + [GOOD])
    policy = RetryPolicy(max_attempts=6, base_delay_s=0.001, max_delay_s=0.002, max_total_s=10)
    with caplog.at_level("WARNING", logger="aisci.coder"):
        edit = make_coder(retry=policy).propose(idea, ["experiment.py"], "Train longer.")
    assert edit.ok and "EPOCHS = 4\n" in edit.proposed["experiment.py"]
    assert len(fake_openai.chat_requests) == 5 and edit.usage.requests == 5
    # Each wait is a WARNING that names the provider and the try that follows it.
    assert "rate-limited by openai, retrying in 0.0 s (try 5)" in caplog.text
    assert not [line for line in edit.log if "Retrying in" in line]  # aider never waited


def test_a_persistent_429_fails_with_the_rate_limit_hint(idea, make_coder, fake_openai):
    fake_openai.default = Error(429)
    policy = RetryPolicy(max_attempts=3, base_delay_s=0.001, max_delay_s=0.002, max_total_s=10)
    with pytest.raises(EditFailed, match=r"failed after 3 tries in 0 s: .*Rate limit") as caught:
        make_coder(retry=policy).propose(idea, ["experiment.py"], "Edit.")
    assert len(fake_openai.chat_requests) == 3
    assert caught.value.hint.startswith("openai kept rate-limiting: wait a few minutes")
    assert "--resume" in caught.value.hint and "--retry-budget" in caught.value.hint
    assert "model name" not in caught.value.hint


def test_a_cancel_ends_the_wait_between_tries(idea, make_coder, fake_openai):
    cancel = threading.Event()

    def rate_limited_then_cancel(body):
        cancel.set()  # the person presses stop while the call is being refused
        return Error(429)

    fake_openai.default = rate_limited_then_cancel
    slow = RetryPolicy(max_attempts=6, base_delay_s=60, max_delay_s=60, max_total_s=600)
    start = time.monotonic()
    with pytest.raises(Cancelled):
        make_coder(retry=slow).propose(idea, ["experiment.py"], "Edit.", cancel=cancel)
    assert time.monotonic() - start < 30 and len(fake_openai.chat_requests) == 1


def test_an_unreachable_server_fails_cleanly(idea, make_coder):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    coder = make_coder(api_base=f"http://127.0.0.1:{port}/v1", retry=ONE_TRY)
    with pytest.raises(EditFailed, match=r"failed") as caught:
        coder.propose(idea, ["experiment.py"], "Edit.")
    assert "reachable" in caught.value.hint


def test_a_slow_server_times_out(idea, make_coder, fake_openai):
    fake_openai.script([Answer(GOOD, delay_s=30)])
    start = time.monotonic()
    with pytest.raises(EditFailed):
        make_coder(timeout_s=0.5, retry=ONE_TRY).propose(idea, ["experiment.py"], "Edit.")
    assert time.monotonic() - start < 10


# -- cancellation -----------------------------------------------------------------------
def test_cancel_before_start_sends_nothing(idea, make_coder, fake_openai):
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        make_coder().propose(idea, ["experiment.py"], "Edit.", cancel=cancel)
    assert fake_openai.requests == []


def test_cancel_stops_before_the_next_reflection_and_writes_nothing(idea, make_coder, fake_openai):
    cancel = threading.Event()

    def answer_then_cancel(body):
        cancel.set()  # the person presses stop while the model answers
        return NO_MATCH

    fake_openai.default = answer_then_cancel
    with pytest.raises(Cancelled):
        make_coder(max_reflections=3).apply(idea, ["experiment.py"], "Edit.", cancel=cancel)
    assert len(fake_openai.chat_requests) == 1
    assert (idea / "experiment.py").read_text() == EXPERIMENT


# -- configuration ----------------------------------------------------------------------
def test_bad_settings_are_config_errors(monkeypatch, idea, fake_openai):
    with pytest.raises(ConfigError, match=r"edit format 'patch'"):
        AiderCoder("openai/fake-model", edit_format="patch")
    monkeypatch.delenv("AISCI_TEST_KEY", raising=False)
    with pytest.raises(ConfigError, match=r"AISCI_TEST_KEY is not set"):
        AiderCoder("openai/fake-model", api_key_env="AISCI_TEST_KEY")
    with pytest.raises(ConfigError, match=r"Unknown model `no-such-model`"):
        AiderCoder("no-such-model").propose(idea, ["experiment.py"], "Edit.")


def test_the_key_can_come_from_a_named_variable(monkeypatch, idea, fake_openai):
    monkeypatch.setenv("AISCI_TEST_KEY", "sk-from-env")
    fake_openai.script(["No edit."])
    coder = AiderCoder(
        "openai/fake-model", api_base=fake_openai.base_url, api_key_env="AISCI_TEST_KEY"
    )
    assert "sk-from-env" not in repr(coder)
    coder.propose(idea, ["experiment.py"], "Edit.")
    assert fake_openai.chat_requests[0].headers["authorization"] == "Bearer sk-from-env"


# -- answers and requests that do not fit ------------------------------------------------
def test_an_answer_cut_off_at_the_length_limit_is_an_error(idea, make_coder, fake_openai):
    fake_openai.script([Answer(GOOD[:60], finish_reason="length")])
    edit = make_coder().propose(idea, ["experiment.py"], "Train longer.")
    assert edit.proposed == {} and "hit a token limit" in edit.error


def test_a_request_too_large_for_the_model_is_not_sent(idea, make_coder, fake_openai):
    edit = make_coder(model_info={"max_input_tokens": 100}).propose(
        idea, ["experiment.py"], "Edit."
    )
    assert fake_openai.requests == [] and edit.usage.requests == 0
    assert "exceeds the 100 token limit" in edit.error


def test_a_price_given_for_an_unknown_model_gives_a_cost(idea, make_coder, fake_openai):
    fake_openai.script([Answer(GOOD, prompt_tokens=1000, completion_tokens=100)])
    price = {"input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6}
    edit = make_coder(model_info=price).propose(idea, ["experiment.py"], "Train longer.")
    assert edit.usage.cost_usd == pytest.approx(1000 * 1e-6 + 100 * 2e-6)
