"""Propose and apply edits with real aider against the fake OpenAI server."""

from __future__ import annotations

import threading

import pytest

from aisci.coder import AppliedEdit, ProposedEdit, to_proposals
from aisci.core.proposals import Decision, apply
from aisci.errors import AisciError
from tests.coder.helpers import (
    EXPERIMENT,
    FAKE_KEY,
    TEX,
    last_user_message,
    search_replace,
    whole_file,
)
from tests.fakes.openai_server import Answer

LOWER_LR = search_replace(
    "experiment.py",
    "LEARNING_RATE = 0.1  # step size\n",
    "LEARNING_RATE = 0.01  # step size\n",
    prose="A smaller step size should make training more stable.",
)


def test_propose_returns_the_edit_and_leaves_the_file_alone(idea, make_coder, fake_openai):
    fake_openai.script([Answer(LOWER_LR, prompt_tokens=1200, completion_tokens=40)])
    before = (idea / "experiment.py").stat()

    edit = make_coder().propose(idea, ["experiment.py"], "Lower the learning rate to 0.01.")

    assert isinstance(edit, ProposedEdit) and edit.ok
    expected = EXPERIMENT.replace("LEARNING_RATE = 0.1 ", "LEARNING_RATE = 0.01 ")
    assert edit.proposed == {"experiment.py": expected}
    assert edit.originals["experiment.py"] == EXPERIMENT
    diff = edit.diffs["experiment.py"]
    assert diff.startswith("--- a/experiment.py\n+++ b/experiment.py\n")
    assert "-LEARNING_RATE = 0.1  # step size\n+LEARNING_RATE = 0.01  # step size\n" in diff
    assert [
        line for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")
    ] == ["-LEARNING_RATE = 0.1  # step size", "+LEARNING_RATE = 0.01  # step size"]
    # Nothing on disk changed: same text, same modification time, no stray files.
    assert (idea / "experiment.py").read_text() == EXPERIMENT
    assert (idea / "experiment.py").stat().st_mtime_ns == before.st_mtime_ns
    assert sorted(p.name for p in idea.iterdir()) == ["experiment.py", "latex", "plot.py"]
    assert edit.reply == LOWER_LR and edit.replies == (LOWER_LR,)
    assert edit.summary() == "A smaller step size should make training more stable."
    assert (edit.usage.requests, edit.usage.prompt_tokens, edit.usage.completion_tokens) == (
        1,
        1200,
        40,
    )
    assert edit.usage.cost_usd is None  # the fake model has no price


def test_the_instruction_and_the_file_reach_the_model(idea, make_coder, fake_openai):
    fake_openai.script([LOWER_LR])
    make_coder().propose(idea, ["experiment.py"], "Lower the learning rate to 0.01.")
    (request,) = fake_openai.chat_requests
    assert request.body["model"] == "fake-model"
    assert request.headers["authorization"] == f"Bearer {FAKE_KEY}"
    # The format rules are in aider's system prompt, once: the instruction ends the request.
    assert last_user_message(request) == "Lower the learning rate to 0.01."
    everything = "\n".join(str(m["content"]) for m in request.body["messages"])
    assert "LEARNING_RATE = 0.1  # step size" in everything and "experiment.py" in everything


def test_apply_writes_the_changed_file(idea, make_coder, fake_openai):
    fake_openai.script([LOWER_LR])
    edit = make_coder().apply(idea, ["experiment.py"], "Lower the learning rate.")
    assert isinstance(edit, AppliedEdit) and edit.written == ("experiment.py",)
    assert (idea / "experiment.py").read_text() == edit.proposed["experiment.py"]
    assert "LEARNING_RATE = 0.01  # step size" in (idea / "experiment.py").read_text()


def test_whole_file_format(idea, make_coder, fake_openai):
    new = EXPERIMENT.replace("EPOCHS = 3", "EPOCHS = 30")
    fake_openai.script([whole_file("experiment.py", new)])
    edit = make_coder(edit_format="whole").propose(idea, ["experiment.py"], "Train for 30 epochs.")
    assert edit.ok and edit.proposed == {"experiment.py": new}
    assert "-EPOCHS = 3\n+EPOCHS = 30\n" in edit.diffs["experiment.py"]
    assert (idea / "experiment.py").read_text() == EXPERIMENT
    # aider told the model to answer with whole files, not SEARCH/REPLACE blocks.
    system = fake_openai.chat_requests[0].body["messages"][0]["content"]
    assert "SEARCH/REPLACE" not in system


def test_several_blocks_and_a_file_in_a_subfolder(idea, make_coder, fake_openai):
    answer = (
        search_replace(
            "experiment.py",
            "LEARNING_RATE = 0.1  # step size\n",
            "LEARNING_RATE = 0.05  # step size\n",
        )
        + search_replace("experiment.py", "EPOCHS = 3\n", "EPOCHS = 5\n", prose="And:")
        + search_replace(
            "latex/template.tex",
            "\\title{TITLE HERE}\n",
            "\\title{Smaller Steps}\n",
            prose="And the title:",
        )
    )
    fake_openai.script([answer])
    edit = make_coder().propose(idea, ["experiment.py", "latex/template.tex"], "Tune and retitle.")
    assert edit.ok and edit.changed_files == ("experiment.py", "latex/template.tex")
    # Both blocks on experiment.py apply, one after the other, although nothing is written.
    assert "LEARNING_RATE = 0.05" in edit.proposed["experiment.py"]
    assert "EPOCHS = 5\n" in edit.proposed["experiment.py"]
    assert edit.proposed["latex/template.tex"] == TEX.replace("TITLE HERE", "Smaller Steps")
    assert edit.diffs["latex/template.tex"].startswith("--- a/latex/template.tex\n")
    # The model saw the folder-relative name.
    assert "latex/template.tex" in "\n".join(
        str(m["content"]) for m in fake_openai.chat_requests[0].body["messages"]
    )


def test_an_answer_without_edits_changes_nothing(idea, make_coder, fake_openai):
    fake_openai.script(["The learning rate is already fine; no change is needed."])
    edit = make_coder().propose(idea, ["experiment.py"], "Check the learning rate.")
    assert edit.ok and edit.proposed == {} and edit.changed_files == ()
    assert edit.reply.startswith("The learning rate is already fine")


def test_proposals_carry_the_edit_and_apply_exactly_it(idea, make_coder, fake_openai):
    fake_openai.script([LOWER_LR])
    edit = make_coder().propose(idea, ["experiment.py"], "Lower the learning rate.")
    (proposal,) = to_proposals(edit, stage="experiments")
    assert (proposal.file, proposal.stage) == ("experiment.py", "experiments")
    assert proposal.original == EXPERIMENT and proposal.proposed == edit.proposed["experiment.py"]
    assert proposal.diff == edit.diffs["experiment.py"]
    assert proposal.description == "A smaller step size should make training more stable."
    assert edit.proposals("plots", description="why")[0].description == "why"
    apply(proposal, Decision("accept"))
    assert (idea / "experiment.py").read_text() == edit.proposed["experiment.py"]


def test_proposals_refuse_a_file_that_changed_since(idea, make_coder, fake_openai):
    fake_openai.script([LOWER_LR])
    edit = make_coder().propose(idea, ["experiment.py"], "Lower the learning rate.")
    (idea / "experiment.py").write_text(EXPERIMENT + "# a person's change\n")
    with pytest.raises(AisciError, match=r"experiment.py changed after its edit was proposed"):
        to_proposals(edit, stage="experiments")


def test_instruction_is_never_run_as_an_aider_command(idea, make_coder, fake_openai):
    fake_openai.script(["No edit."])
    make_coder().propose(idea, ["experiment.py"], "/run touch pwned")
    assert last_user_message(fake_openai.chat_requests[0]) == "/run touch pwned"
    assert not (idea / "pwned").exists()


def test_parallel_edits_in_threads_stay_in_their_folders(tmp_path, make_coder, fake_openai):
    folders = []
    for name, lr in (("a", "0.1"), ("b", "0.2")):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "experiment.py").write_text(f"LR = {lr}\n")
        folders.append(folder)

    def answer(body):  # halve whichever rate this request shows
        text = "\n".join(str(m["content"]) for m in body["messages"])
        lr = "0.1" if "LR = 0.1" in text else "0.2"
        return search_replace("experiment.py", f"LR = {lr}\n", f"LR = {float(lr) / 2}\n")

    fake_openai.default = answer
    coder = make_coder()
    results: dict[str, object] = {}

    def work(folder):
        results[folder.name] = coder.apply(folder, ["experiment.py"], "Halve the rate.")

    threads = [threading.Thread(target=work, args=(f,)) for f in folders]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert (tmp_path / "a" / "experiment.py").read_text() == "LR = 0.05\n"
    assert (tmp_path / "b" / "experiment.py").read_text() == "LR = 0.1\n"
    assert all(r.written == ("experiment.py",) for r in results.values())


def test_file_names_are_taken_relative_to_the_folder(idea, make_coder, fake_openai):
    fake_openai.script([LOWER_LR])
    edit = make_coder().propose(idea, ["./experiment.py", "latex/../experiment.py"], "Lower it.")
    assert edit.files == ("experiment.py",) and edit.changed_files == ("experiment.py",)
