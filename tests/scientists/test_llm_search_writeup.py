"""A model-written paper describes the tree search from its record: the search paragraph of
paper/search_paragraph.py and the best variant's numbers over seeds reach the write-up prompt (the
fake OpenAI server records it); a linear search's prompt has no such block."""

from __future__ import annotations

import json

from aisci.core.search import load_tree
from aisci.core.template import load_template
from aisci.paper.prose import fmt
from aisci.paper.search_paragraph import search_paragraph
from aisci.paper.stages import write_paper
from aisci.scientists.llm import LLMScientist
from tests.helpers import make_template, run_cli
from tests.scientists.conftest import FAST_RETRY

RESULTS = "The search's best variant is reported with its mean over seeds."


def _launch(tmp_path, *search: str):
    template = make_template(tmp_path)
    done = run_cli(
        "launch",
        "--template",
        str(template),
        "--scale",
        "smoke",
        "--engine",
        "local",
        "--num-ideas",
        "1",
        "--writeup",
        "none",
        "--sandbox",
        "none",
        "--results",
        str(tmp_path / "results"),
        *search,
        cwd=tmp_path,
        env={"AISCI_CACHE_DIR": str(tmp_path / "cache")},
    )
    assert done.returncode == 0, done.stderr
    [folder] = [p for p in (tmp_path / "results" / "tiny").iterdir() if (p / "idea.json").is_file()]
    return folder


def _results_prompt(folder, fake_openai, make_ctx) -> str:
    fake_openai.default = json.dumps({"latex": RESULTS})
    ctx = make_ctx(results=folder.parent.parent)
    scientist = LLMScientist(load_template(folder), ctx, retry=FAST_RETRY)
    try:
        assert write_paper(folder, scientist, ctx, section="Results").ok
    finally:
        scientist.close()
    [request] = fake_openai.chat_requests
    messages = request.body["messages"]  # the facts in the system message, the section's own
    return f"{messages[0]['content']}\n\n{messages[-1]['content']}"


def test_the_search_paragraph_and_the_seeds_reach_the_writeup_prompt(
    tmp_path, fake_openai, make_ctx
):
    folder = _launch(tmp_path, "--search", "tree", "--max-nodes", "2", "--seeds", "2")
    tree = load_tree(folder)
    prompt = _results_prompt(folder, fake_openai, make_ctx)
    assert "## The search (from tree.json" in prompt
    assert search_paragraph(tree) in prompt
    assert "best-first tree search" in prompt and "Selection rule: pinned nodes first" in prompt
    conf = tree.confirmation
    assert conf["n"] == 2
    stats = conf["means"]["sine"]["val_loss"]
    row = f"| {{sine}}{{val_loss}} | {fmt(stats['mean'])} | {fmt(stats['std'])} | {fmt(stats['min'])} | {fmt(stats['max'])} |"
    assert row in prompt
    assert "search_tree.png" in prompt and "fig:tree" in prompt
    assert RESULTS in (folder / "latex" / "template.tex").read_text()


def test_a_linear_search_has_no_search_block(tmp_path, fake_openai, make_ctx):
    folder = _launch(tmp_path, "--max-runs", "1")
    assert load_tree(folder).search == "linear"
    assert "## The search" not in _results_prompt(folder, fake_openai, make_ctx)
