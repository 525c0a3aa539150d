"""Spending lands where the work is (issue 24): a command on an idea folder records in the
folder's own cost.json and its template's results folder (not ./results/<idea folder name>/),
and ``aisci review PAPER.pdf`` beside the PDF (not ./results/reviews/)."""

from __future__ import annotations

import json
import shutil

from aisci.cli.parser import build_parser
from aisci.commands.targets import idea_folder
from aisci.llm.answer_store import working_in
from tests.fakes.openai_server import FakeOpenAI
from tests.helpers import make_template
from tests.scientists.test_llm_experiments import IDEA
from tests.scientists.test_llm_paper import REVIEW, review_cli, skeleton_pdf

from .conftest import FAKE_MODEL


def test_a_command_on_an_idea_folder_records_beside_it(tmp_path, fake_openai, monkeypatch):
    monkeypatch.chdir(tmp_path)  # where the old code wrote ./results/<idea folder name>/
    fake_openai.default = "An answer."
    template_results = tmp_path / "elsewhere" / "results" / "tiny"
    folder = template_results / "20260101_120000_lr_probe"
    shutil.copytree(make_template(tmp_path), folder)
    (folder / "idea.json").write_text(json.dumps(IDEA))
    args = build_parser().parse_args(
        ["review", str(folder), "--model", FAKE_MODEL, "--api-base", fake_openai.base_url]
    )

    folder, scientist, _ctx = idea_folder(args)
    with working_in(folder):
        scientist.client.complete([{"role": "user", "content": "Review."}], stage="review")

    own = json.loads((folder / "cost.json").read_text())
    total = json.loads((template_results / "cost.json").read_text())
    assert own["totals"]["calls"] == 1 and total["totals"]["calls"] == 1
    assert own["calls"][0]["cost_usd"] is None and own["calls"][0]["priced"] is False
    assert (folder / ".aisci" / "answers.jsonl").is_file()
    assert not (tmp_path / "results").exists()
    assert scientist.session.command_ledger.totals().overall.calls == 1  # the cap's ledger


def test_a_pdf_review_records_its_cost_beside_the_pdf(tmp_path):
    pdf = skeleton_pdf(tmp_path)
    with FakeOpenAI(default=lambda body: json.dumps({**REVIEW, "done": True})) as fake:
        done = review_cli(pdf, fake.base_url, tmp_path)
    assert done.returncode == 0, done.stderr
    cost = json.loads((pdf.parent / "template.cost.json").read_text())
    assert cost["totals"]["calls"] >= 1 and cost["totals"]["cost_usd"] is None
    assert cost["totals"]["priced"] is False
    assert not (tmp_path / "results").exists()  # neither a ledger nor kept answers there
    assert not (pdf.parent / ".aisci").exists()  # a review asked again is a new review
