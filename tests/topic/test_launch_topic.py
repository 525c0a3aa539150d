"""``aisci launch --topic`` through the real CLI: a scripted fake model drafts the template into
./templates/, then the launch goes on as with any template (here the sweep scientist at smoke
scale, so no other model call is made) to a built paper whose numbers `aisci check` finds
clean, whose setup says the model wrote the baseline code, and which keeps the topic."""

from __future__ import annotations

from tests.fakes.openai_server import FakeOpenAI
from tests.helpers import run_cli
from tests.topic.conftest import OFFLINE
from tests.topic.draft_answers import NAME, draft, write_topic


def test_launch_from_a_topic_drafts_then_runs_the_cycle_to_a_checked_paper(
    tmp_path, private_places
):
    write_topic(tmp_path)
    args = [
        "launch",
        "--topic",
        "topic.md",
        "--model",
        "openai/fake-model",
        "--scientist",
        "sweep",
        "--scale",
        "smoke",
        "--num-ideas",
        "1",
        "--engine",
        "local",
        "--results",
        "results",
    ]
    env = {"OPENAI_API_KEY": "sk-fake", **OFFLINE}
    with FakeOpenAI([draft()]) as fake:
        done = run_cli(*args, "--api-base", fake.base_url, cwd=tmp_path, env=env)
        asked = len(fake.chat_requests)
    assert done.returncode == 0, done.stdout + done.stderr
    assert asked == 1  # the draft; the sweep scientist asks no model
    template = tmp_path / "templates" / NAME
    assert f"Launching templates/{NAME}" in done.stdout
    assert (template / "topic.md").read_text() == (tmp_path / "topic.md").read_text()
    [idea] = [p for p in (tmp_path / "results" / NAME).glob("*_*") if (p / "idea.json").is_file()]
    assert (idea / "topic.md").is_file()  # the topic stays with the paper
    assert not (idea / "drafting").exists()  # the drafting's record stays with the template
    pdf = idea / f"{idea.name.split('_', 2)[-1]}.pdf"
    assert pdf.is_file(), done.stdout
    tex = (idea / "latex" / "template.tex").read_text()
    assert "written by a language model from the research topic" in " ".join(tex.split())
    checked = run_cli("check", str(idea), cwd=tmp_path, env=env)
    assert checked.returncode == 0, checked.stdout + checked.stderr

    # Run again with --resume: the drafting is reused and nothing is asked.
    with FakeOpenAI([]) as fake:
        again = run_cli(*args, "--resume", "--api-base", fake.base_url, cwd=tmp_path, env=env)
        assert fake.chat_requests == []
    assert again.returncode == 0, again.stdout + again.stderr
    assert "was drafted earlier" in again.stdout
