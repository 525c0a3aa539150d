"""The LLM scientist's paper stages (write-up, citations, build fixes, review, improvement)
through aisci.paper.stages, against the fake OpenAI server (a model that answers by what each
request asks) and the fake Semantic Scholar, on an idea folder made by a real sweep launch of
the scaffold template, built with the real TeX."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from aisci.core import events as ev
from aisci.core.state import State
from aisci.core.template import load_template
from aisci.errors import AisciError
from aisci.literature import Literature
from aisci.paper.prose import fmt
from aisci.paper.sections import SECTIONS, get_section, set_section
from aisci.paper.stages import build_paper, improve_paper, review_paper, write_paper
from aisci.scientists.llm import LLMScientist, latex_check, reviewing
from tests.fakes.literature_fixtures import fast_settings
from tests.fakes.literature_servers import FakeSemanticScholar
from tests.fakes.openai_server import FakeOpenAI
from tests.helpers import SCAFFOLD, make_template, run_cli
from tests.scientists.conftest import FAST_RETRY

OFFLINE = {"LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_OFFLINE_MODE": "true"}
REVIEW = {
    "Summary": "A one-factor sweep of the step size of a polynomial fit.",
    "Strengths": ["Every number traces back to a run"],
    "Weaknesses": ["One seed per setting"],
    "Questions": ["Does the ranking hold with five seeds?"],
    "Limitations": ["Tiny scale"],
    "Originality": 2,
    "Quality": 2,
    "Clarity": 3,
    "Significance": 1,
    "Soundness": 2,
    "Presentation": 3,
    "Contribution": 1,
    "Overall": 4,
    "Confidence": 4,
    "Ethical Concerns": False,
    "Decision": "Reject",
}


@pytest.fixture(scope="module")
def idea_source(tmp_path_factory):
    """One idea folder with two finished runs and a figure: a sweep launch without the paper."""
    tmp = tmp_path_factory.mktemp("sweep")
    template = make_template(tmp)
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
        "--results",
        str(tmp / "results"),
        cwd=tmp,
        env={"AISCI_CACHE_DIR": str(tmp / "cache")},
    )
    assert done.returncode == 0, done.stderr
    [folder] = (tmp / "results" / "tiny").glob("*_sweep_learning_rate")
    return folder


@pytest.fixture
def folder(idea_source, tmp_path):
    dest = tmp_path / "results" / "tiny" / idea_source.name
    shutil.copytree(idea_source, dest)
    return dest


@pytest.fixture
def scientist_for(make_ctx, tmp_path):
    made = []

    def make(folder: Path, **settings):
        """A scientist for an idea folder (or a template folder), searching the fake S2 only."""
        ctx = make_ctx(**settings)
        literature = Literature(
            fast_settings(tmp_path, order=("semantic_scholar",)), workspace=tmp_path
        )
        scientist = LLMScientist(
            load_template(folder), ctx, literature=literature, retry=FAST_RETRY
        )
        made.append(scientist)
        return scientist, ctx

    yield make
    for scientist in made:
        scientist.close()


def means(folder: Path) -> dict[str, dict[str, float]]:
    return {
        run: json.loads((folder / run / "final_info.json").read_text())["sine"]["means"]
        for run in ("run_0", "run_1", "run_2")
    }


class PaperModel:
    """Answers each paper request by what it asks; records (kind, section, first user text)."""

    def __init__(self, folder: Path):
        self.folder = folder
        m = means(folder)
        self.v = {run: {k: fmt(x) for k, x in vals.items()} for run, vals in m.items()}
        self.seen: list[tuple[str, str | None, str]] = []
        self.planted: str | None = None  # a line added to the Results draft
        self.bad_first_results = False  # the first Results draft cites an unknown key
        self.broken_results = False  # the Results draft has an undefined command
        self.fix_results = None  # what a fix answers for Results (text or callable)
        self.refine = {}  # section -> refined body
        self.overall = [4]  # the reviews' Overall scores, in turn
        self._reviews = 0

    def of(self, kind: str) -> list[str]:
        return [text for k, _, text in self.seen if k == kind]

    def __call__(self, body: dict) -> str:
        messages = body["messages"]
        system = messages[0]["content"]
        users = [m["content"] for m in messages if m["role"] == "user"]
        first, last = users[0], users[-1]
        if system.startswith("You choose the references"):
            self.seen.append(("citations", None, first))
            if "No search yet" in first:
                return json.dumps({"pick": [], "query": "grokking", "reason": "The closest topic."})
            return json.dumps({"pick": [1, 2], "query": None, "reason": "Enough."})
        if system.startswith("You review"):
            if last.startswith("Reflection"):
                self.seen.append(("reflection", None, last))
                return json.dumps({**json.loads(messages[-2]["content"]), "done": True})
            self.seen.append(("review", None, first))
            score = self.overall[self._reviews % len(self.overall)]
            self._reviews += 1
            return json.dumps(
                {**REVIEW, "Overall": score, "Decision": "Accept" if score >= 6 else "Reject"}
            )
        # A write-up call's facts (idea, keys, results) are in its system message.
        whole = f"{system}\n\n{first}"
        if "## Write: " in first:
            section = re.search(r"## Write: (.+)", first).group(1).strip()
            self.seen.append(
                ("draft" if len(users) == 1 else "reask", section, f"{system}\n\n{last}")
            )
            return json.dumps({"latex": self.section(section, whole, attempt=len(users))})
        if "## Section to check: " in first:
            section = re.search(r"## Section to check: (.+)", first).group(1).strip()
            self.seen.append(("refine", section, whole))
            changed = section in self.refine
            return json.dumps({"changed": changed, "latex": self.refine.get(section, "")})
        if first.startswith("The paper does not build cleanly"):
            self.seen.append(("fix", None, whole))
            fixed = self.fix_results() if callable(self.fix_results) else self.fix_results
            return json.dumps({"sections": {"Results": fixed or self.results()}})
        if first.startswith("A reviewer has read this paper"):
            self.seen.append(("improve", None, whole))
            return json.dumps(
                {
                    "sections": {
                        "Conclusion": self.section("Conclusion", first) + " With one seed per "
                        "setting, these differences are indicative only."
                    },
                    "summary": "states the single-seed limitation",
                }
            )
        raise AssertionError(f"unexpected request: {first[:200]}")

    def results(self, extra: str = "") -> str:
        v = self.v
        rows = "\n".join(
            f"{label} & {v[run]['train_loss']} & {v[run]['val_loss']} \\\\"
            for label, run in (
                ("Baseline (0.1)", "run_0"),
                ("Step 0.03", "run_1"),
                ("Step 0.3", "run_2"),
            )
        )
        return (
            f"Table~\\ref{{tab:main}} lists the final losses. The validation loss is {v['run_0']['val_loss']} for "
            f"the baseline and {v['run_2']['val_loss']} with the step size 0.3.\n{extra}\n"
            "\\begin{table}[t]\n\\centering\n\\caption{Final losses on the sine task.}\n\\label{tab:main}\n"
            f"\\begin{{tabular}}{{lrr}}\n\\toprule\nRun & train & validation \\\\\n\\midrule\n{rows}\n"
            "\\bottomrule\n\\end{tabular}\n\\end{table}\n\n"
            "Figure~\\ref{fig:val} shows the validation loss of each run.\n\n"
            "\\begin{figure}[t]\n\\centering\n\\includegraphics[width=0.6\\linewidth]{val_loss.png}\n"
            "\\caption{Validation loss of each run.}\n\\label{fig:val}\n\\end{figure}"
        )

    def section(self, section: str, prompt: str, attempt: int = 1) -> str:
        v = self.v
        if section == "Results":
            if self.bad_first_results and attempt == 1:
                return self.results("As shown before~\\citep{nobody2020}.")
            if self.broken_results:
                return self.results("\\undefinedmacro{} The losses settle.")
            return self.results(self.planted or "")
        if section == "Related Work":
            block = prompt.split("## BibTeX keys you may cite\n", 1)[1].split("\n\n")[0]
            keys = [
                k for k in re.findall(r"^- ([^:\s]+):", block, re.M) if k != "lu2024aiscientist"
            ]
            return (
                f"Grokking was studied by~\\citet{{{keys[0]}}} and~\\citet{{{keys[1]}}}; we study a step size."
                if len(keys) >= 2
                else "We know of no closely related study."
            )
        return {
            "Title": "Step Size and the Fit of a Polynomial to a Noisy Sine",
            "Abstract": f"On the sine task the validation loss is {v['run_0']['val_loss']} at the baseline step "
            f"size and {v['run_2']['val_loss']} with the step size 0.3.",
            "Introduction": "Automated studies need honest baselines~\\citep{lu2024aiscientist}. We vary one knob.",
            "Background": "Gradient descent moves the weights against the gradient of the squared error.",
            "Method": "We change only the step size and keep the data, model and seeds.",
            "Experimental Setup": "Each run trains for 500 steps on 64 training points and is scored on 256 "
            "validation points.",
            "Conclusion": f"The larger step size lowered the validation loss from {v['run_0']['val_loss']} to "
            f"{v['run_2']['val_loss']}.",
        }[section]


@pytest.fixture
def model(fake_openai, folder):
    fake = PaperModel(folder)
    fake_openai.default = fake
    return fake


def tex_of(folder: Path) -> str:
    return (folder / "latex" / "template.tex").read_text()


def stage_tokens(scientist) -> dict[str, int]:
    return {
        name: t.prompt_tokens
        for name, t in scientist.session.command_ledger.totals().by_stage.items()
    }


# -- (1) the whole write-up -------------------------------------------------------------------------------------
@pytest.mark.slow
def test_llm_writes_a_cited_paper_that_builds(folder, model, fake_s2, scientist_for):
    model.bad_first_results = True
    model.refine = {
        "Conclusion": "The step size 0.3 gave the lowest validation loss, "
        f"{model.v['run_2']['val_loss']}, of the three runs."
    }
    scientist, ctx = scientist_for(folder)

    write_paper(folder, scientist, ctx)
    built = build_paper(folder, scientist, ctx)

    assert built.ok and (folder / "sweep_learning_rate.pdf").read_bytes().startswith(b"%PDF")
    tex = tex_of(folder)
    assert "\\aiscidisclosure" in tex and " HERE" not in tex
    assert get_section(tex, "Title") == "Step Size and the Fit of a Polynomial to a Noisy Sine"
    # The typed number that is one run's value now cites it: the PDF prints the same digits.
    assert get_section(tex, "Conclusion").strip() == model.refine["Conclusion"].replace(
        model.v["run_2"]["val_loss"], "\\res{run_2}{sine}{val_loss}"
    )
    # Citations: one search, two picks, in references.bib, cited in Related Work, resolved by BibTeX.
    assert fake_s2.requests[0].params["query"] == "grokking"
    bib = (folder / "latex" / "references.bib").read_text()
    assert (
        "Power2022GrokkingGB" in bib and "Nanda2023ProgressMF" in bib and "lu2024aiscientist" in bib
    )
    assert "\\citet{Power2022GrokkingGB}" in get_section(tex, "Related Work")
    assert "Power2022GrokkingGB" in (folder / "latex" / "template.bbl").read_text()
    build = State.load(folder).step("build")
    assert (
        build["errors"] == 0
        and build["missing_citations"] == []
        and build["consistency_mismatches"] == 0
    )
    assert State.load(folder).step("citations")["added"] == 2
    # Each section was drafted once; Results once more after the unknown key was named back.
    drafts = [s for k, s, _ in model.seen if k == "draft"]
    assert sorted(drafts) == sorted(SECTIONS) and drafts[-1] == "Related Work"
    [reask] = [text for k, s, text in model.seen if k == "reask"]
    assert "cite only the listed BibTeX keys; not listed: nobody2020" in reask
    results_prompt = next(t for k, s, t in model.seen if k == "draft" and s == "Results")
    assert (
        f"| {{sine}}{{val_loss}} | {model.v['run_0']['val_loss']} (1 seed) | "
        f"{model.v['run_1']['val_loss']} (1 seed) |" in results_prompt
    )
    assert "- val_loss.png: " in results_prompt
    # One refinement pass, no call for the title.
    assert sorted(s for k, s, _ in model.seen if k == "refine") == sorted(set(SECTIONS) - {"Title"})
    tokens = stage_tokens(scientist)
    assert set(tokens) == {"writeup", "citations"} and tokens["writeup"] > tokens["citations"] > 0


# -- (2) a planted wrong number ---------------------------------------------------------------------------------
@pytest.mark.slow
def test_a_wrong_number_is_caught_shown_with_its_line_and_fixed(
    folder, model, fake_s2, scientist_for
):
    model.planted = "A held-out check gives 0.4321 on the extra data."
    scientist, ctx = scientist_for(folder)
    write_paper(folder, scientist, ctx)
    wrong_line = next(
        i for i, line in enumerate(tex_of(folder).splitlines(), 1) if "0.4321" in line
    )

    build_paper(folder, scientist, ctx)

    [fix] = model.of("fix")
    # The checker's own words: what the number claims and that claim's closest value, once.
    claim = "0.4321 stated as val_loss on sine: no run measured it; closest value "
    assert f"template.tex:{wrong_line}: error: {claim}" in fix and fix.count("closest value") == 1
    assert f"{wrong_line:>4}>| A held-out check gives 0.4321" in fix
    assert "### Results" in fix and "| {sine}{val_loss} |" in fix
    tex = tex_of(folder)
    assert "0.4321" not in tex
    build = State.load(folder).step("build")
    assert build["errors"] == 0 and build["consistency_mismatches"] == 0 and build["pdf_ok"]
    assert "writeup_fix" in stage_tokens(scientist)


# -- (3) LaTeX that does not compile ----------------------------------------------------------------------------
@pytest.mark.slow
def test_an_undefined_command_is_shown_on_its_line_and_the_diagnostics_stay(
    folder, model, fake_s2, scientist_for
):
    model.broken_results = True
    attempts = iter(range(1, 10))
    # Each fix still uses the macro, differently each time, so every round is a real edit.
    model.fix_results = lambda: model.results(f"\\undefinedmacro{{}} Try {next(attempts)}.")
    scientist, ctx = scientist_for(folder, writeup_fix_rounds=2)
    write_paper(folder, scientist, ctx)
    bad_line = next(
        i for i, line in enumerate(tex_of(folder).splitlines(), 1) if "\\undefinedmacro" in line
    )

    outcome = build_paper(folder, scientist, ctx)

    fixes = model.of("fix")
    assert len(fixes) == 2  # the cap: writeup_fix_rounds
    assert f"template.tex:{bad_line}: error: Undefined control sequence" in fixes[0]
    assert f"{bad_line:>4}>| \\undefinedmacro{{}} The losses settle." in fixes[0]
    assert "Try 1." in fixes[1]
    diagnostics = json.loads((folder / "latex" / "diagnostics.json").read_text())
    assert any(
        "Undefined control sequence" in d["message"] and d["severity"] == "error"
        for d in diagnostics
    )
    assert not outcome.ok and not (folder / "sweep_learning_rate.pdf").exists()
    assert State.load(folder).step("build")["pdf_ok"] is False
    with pytest.raises(AisciError, match="the paper never built, so there is no PDF"):
        review_paper(folder, scientist, ctx)


@pytest.mark.slow
def test_review_reads_the_last_good_pdf_when_a_later_build_fails(
    folder, model, fake_s2, scientist_for
):
    scientist, ctx = scientist_for(folder, writeup_fix_rounds=1)
    write_paper(folder, scientist, ctx)
    assert build_paper(folder, scientist, ctx).ok
    good_pdf = (folder / "sweep_learning_rate.pdf").read_bytes()

    model.broken_results = True
    write_paper(folder, scientist, ctx, section="Results")
    model.fix_results = model.results("\\undefinedmacro{} Still here.")
    build_paper(folder, scientist, ctx)

    assert (folder / "sweep_learning_rate.pdf").read_bytes() == good_pdf
    assert State.load(folder).step("build")["pdf_ok"] is False
    assert any(
        d["source"] == "latex"
        for d in json.loads((folder / "latex" / "diagnostics.json").read_text())
    )
    review_paper(folder, scientist, ctx)
    logs = [e.message for e in ctx.reporter.of_type(ev.Log)]
    assert "the last build failed; reviewing the last good PDF" in logs
    assert "Step Size and the Fit" in model.of("review")[0]  # pdftotext of the good PDF
    assert json.loads((folder / "review.json").read_text())["review"]["Overall"] == 4


# -- (4) review answers that break the form ---------------------------------------------------------------------
PAPER_TEXT = "Title: A study\n\n" + " ".join(f"word{i}" for i in range(120))


def test_review_is_reasked_with_the_problem_then_accepted(fake_openai, scientist_for, template):
    missing = {k: v for k, v in REVIEW.items() if k != "Quality"}
    fake_openai.script(
        [
            json.dumps(missing),
            json.dumps({**REVIEW, "Overall": 11}),
            json.dumps(REVIEW),
            json.dumps({**REVIEW, "Overall": 3, "done": True}),
        ]
    )
    scientist, ctx = scientist_for(template.path)

    review = reviewing.review_paper(scientist.client, None, PAPER_TEXT, ctx)

    asks = [r.body["messages"][-1]["content"] for r in fake_openai.chat_requests]
    assert "'Quality' is a required property" in asks[1]
    assert "11 is greater than the maximum of 10" in asks[2]
    assert asks[3].startswith("Reflection 1 of 1")
    assert review["Overall"] == 3 and review["Kind"] == "model" and "done" not in review
    assert review["Model"] == "openai/fake-model"


def test_review_that_stays_malformed_is_refused(fake_openai, scientist_for, template):
    fake_openai.script(
        [
            json.dumps({**REVIEW, "Overall": 11}),
            json.dumps({**REVIEW, "Decision": "Maybe"}),
            "I liked it.",
        ]
    )
    scientist, ctx = scientist_for(template.path)
    with pytest.raises(AisciError) as caught:
        reviewing.review_paper(scientist.client, None, PAPER_TEXT, ctx)
    assert caught.value.message.startswith(
        "The review of the paper was refused: the model's answers did not "
        "follow the NeurIPS review form"
    )
    assert "--model" in caught.value.hint and len(fake_openai.chat_requests) == 3


def test_a_malformed_reflection_keeps_the_last_good_review(fake_openai, scientist_for, template):
    fake_openai.script(
        [json.dumps(REVIEW)] + [json.dumps({**REVIEW, "Overall": 0, "done": True})] * 3
    )
    scientist, ctx = scientist_for(template.path)
    assert reviewing.review_paper(scientist.client, None, PAPER_TEXT, ctx)["Overall"] == 4


def test_few_shot_example_is_off_by_default_and_short():
    plain = reviewing.review_messages(PAPER_TEXT)
    shot = reviewing.review_messages(PAPER_TEXT, fewshot=True)
    assert (
        "An example of the form" not in plain[0]["content"]
        and "An example of the form" in shot[0]["content"]
    )
    example = json.loads(shot[0]["content"].split("):\n", 1)[1])
    from aisci.paper.review import review_problems

    assert review_problems(example) == []


# -- (5) an ensemble of reviews ---------------------------------------------------------------------------------
@pytest.mark.slow
def test_an_ensemble_of_three_reviews_gives_a_meta_review(folder, model, fake_s2, scientist_for):
    model.overall = [4, 6, 8]
    scientist, ctx = scientist_for(folder, num_reviews=3)
    write_paper(folder, scientist, ctx)
    build_paper(folder, scientist, ctx)

    outcome = review_paper(folder, scientist, ctx)

    saved = json.loads((folder / "review.json").read_text())
    assert [r["Overall"] for r in saved["reviews"]] == [4, 6, 8]
    meta = saved["review"]
    assert meta["Kind"] == "meta" and meta["Overall (mean)"] == 6.0 and meta["Decision"] == "Accept"
    assert (
        meta["Reviews"] == 3
        and outcome.message == "Accept, overall 6/10"
        and saved["kind"] == "model"
    )
    assert (folder / "review.txt").read_text().startswith("Meta-review of 3 model reviews")
    assert len(model.of("review")) == 3 and len(model.of("reflection")) == 3
    assert "Step Size and the Fit of a Polynomial" in model.of("review")[0]
    # The reviewer can tell a measured value (printed by its macro) from a typed number.
    review_input = model.of("review")[0]
    assert review_input.startswith("Each number between ⟦ and ⟧")
    assert f"⟦{model.v['run_2']['val_loss']}⟧" in review_input  # the Conclusion's \res call
    assert "step size 0.3" in review_input and "⟦0.3⟧" not in review_input  # a typed setting


# -- (6) aisci review PAPER.pdf ---------------------------------------------------------------------------------
def skeleton_pdf(tmp_path: Path) -> Path:
    from aisci.paper.build import compile_paper

    latex = tmp_path / "paper" / "latex"
    shutil.copytree(SCAFFOLD / "latex", latex)
    tex = (latex / "template.tex").read_text()
    for section in SECTIONS:
        text = (
            "Polynomial Fits of a Noisy Sine"
            if section == "Title"
            else (
                f"The {section.lower()} of this short paper says what a reader needs to know about fitting a noisy "
                "sine curve with a polynomial trained by gradient descent, and what was measured."
            )
        )
        tex = set_section(tex, section, text)
    (latex / "template.tex").write_text(tex)
    assert compile_paper(latex).ok
    return latex / "template.pdf"


def review_cli(pdf: Path, base_url: str, tmp_path: Path):
    return run_cli(
        "review",
        str(pdf),
        "--model",
        "openai/fake-model",
        "--api-base",
        base_url,
        cwd=tmp_path,
        env={"OPENAI_API_KEY": "sk-fake", "AISCI_CACHE_DIR": str(tmp_path / "cache"), **OFFLINE},
    )


def test_review_cli_on_a_pdf(tmp_path):
    pdf = skeleton_pdf(tmp_path)
    with FakeOpenAI(default=lambda body: json.dumps({**REVIEW, "done": True})) as fake:
        done = review_cli(pdf, fake.base_url, tmp_path)
        prompt = fake.chat_requests[0].body["messages"][-1]["content"]
    assert done.returncode == 0, done.stderr
    assert (
        "Model review: template" in done.stdout
        and "Decision: Reject    Overall: 4/10" in done.stdout
    )
    assert "Polynomial Fits of a Noisy Sine" in prompt and "fitting a noisy sine curve" in prompt
    # Written beside the PDF, named after it, as docs/cli.md says.
    saved = json.loads((pdf.parent / "template.review.json").read_text())
    assert (
        saved["kind"] == "model"
        and saved["review"]["Decision"] == "Reject"
        and len(saved["reviews"]) == 1
    )
    assert "Decision: Reject    Overall: 4/10" in (pdf.parent / "template.review.txt").read_text()


def test_review_cli_refuses_a_pdf_without_a_text_layer(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    scan = tmp_path / "scan.pdf"
    fig = plt.figure(figsize=(3, 3))
    axes = fig.add_axes([0, 0, 1, 1])
    axes.imshow(np.random.default_rng(0).random((48, 48)))
    axes.axis("off")
    fig.savefig(scan)
    plt.close(fig)
    with FakeOpenAI() as fake:
        done = review_cli(scan, fake.base_url, tmp_path)
        assert fake.chat_requests == []
    assert done.returncode == 1
    assert "error: scan.pdf has no text layer (it is probably scanned images)." in done.stderr


# -- (7) literature down during the citations -------------------------------------------------------------------
@pytest.mark.slow
def test_literature_down_writes_the_paper_without_new_citations(
    folder, model, fake_s2, scientist_for
):
    fake_s2.set_default(FakeSemanticScholar.SEARCH, (503, {"message": "Service Unavailable"}))
    bib_before = (folder / "latex" / "references.bib").read_text()
    scientist, ctx = scientist_for(folder)

    write_paper(folder, scientist, ctx)

    note = State.load(folder).step("citations")["note"]
    assert note.startswith(
        "no new citations: The citations of sweep_learning_rate could not be searched: no "
        "literature source answered (semantic_scholar: "
    )
    assert (folder / "latex" / "references.bib").read_text() == bib_before
    assert (
        len(model.of("citations")) == 1
    )  # the model is not asked again once the literature is down
    assert (
        get_section(tex_of(folder), "Related Work").strip()
        == "We know of no closely related study."
    )
    assert any("written without new citations" in e.message for e in ctx.reporter.of_type(ev.Log))
    assert build_paper(folder, scientist, ctx).ok


# -- (8) the improvement ----------------------------------------------------------------------------------------
@pytest.mark.slow
def test_improvement_revises_rebuilds_and_reviews_again(folder, model, fake_s2, scientist_for):
    model.overall = [4, 5]
    scientist, ctx = scientist_for(folder, improvement=True)
    write_paper(folder, scientist, ctx)
    build_paper(folder, scientist, ctx)
    review_paper(folder, scientist, ctx)

    outcome = improve_paper(folder, scientist, ctx)

    [improve] = model.of("improve")
    assert "One seed per setting" in improve and "Decision: Reject; Overall 4" in improve
    assert "### Results" in improve and "| {sine}{val_loss} |" in improve
    assert "indicative only" in get_section(tex_of(folder), "Conclusion")
    first = json.loads((folder / "review.json").read_text())["review"]
    second = json.loads((folder / "review_improved.json").read_text())["review"]
    assert (first["Overall"], second["Overall"]) == (
        4,
        5,
    ) and outcome.message == "Reject, overall 5/10"
    assert (folder / "review.txt").exists() and (folder / "review_improved.txt").exists()
    assert "indicative only" in model.of("review")[1]
    assert State.load(folder).step("build")["pdf_ok"] and "improvement" in stage_tokens(scientist)


# -- the LaTeX checks, without a model --------------------------------------------------------------------------
def test_latex_problems_name_what_to_change(tmp_path):
    folder = tmp_path / "idea"
    shutil.copytree(SCAFFOLD / "latex", folder / "latex")
    (folder / "val_loss.png").write_bytes(b"not read")
    tex = tex_of(folder)
    keys = {"lu2024aiscientist": "The AI Scientist (2024)"}

    def problems(body, section="Results"):
        return latex_check.latex_problems(
            body, section, set_section(tex, section, body), keys, folder / "latex"
        )

    assert problems("Fine text~\\citep{lu2024aiscientist}.") == []
    assert problems("\\section{Results} text") == [
        "remove \\section: the paper keeps its own headings and document frame"
    ]
    assert problems("a {b") == ["1 opening brace(s) are never closed"]
    assert problems("a } b") == ["a closing brace on line 1 of your LaTeX closes nothing"]
    assert problems("\\begin{table}x") == ["\\begin{table} is never ended"]
    assert problems("\\citep{x2020}") == ["cite only the listed BibTeX keys; not listed: x2020"]
    assert problems("\\includegraphics{nothere.png}") == [
        "there is no figure file nothere.png; include only the listed figures"
    ]
    assert problems(
        "\\begin{figure}\\includegraphics{val_loss.png}\\label{fig:a}\\end{figure}"
    ) == ["the figure labelled fig:a is never referred to; add \\ref{fig:a} in the text"]
    assert problems("\\begin{abstract}x\\end{abstract}", "Abstract") == [
        "give the abstract's text only, without \\begin{abstract}"
    ]


def test_latex_whose_json_escapes_were_forgotten_is_repaired():
    broken = json.loads(
        '{"latex": "\\textbf{x} \\begin{table} \\frac{1}{2} \\ref{a} \\noindent y\\n\\nNext"}'
    )
    assert (
        latex_check.repair_escapes(broken["latex"])
        == "\\textbf{x} \\begin{table} \\frac{1}{2} \\ref{a} "
        "\\noindent y\n\nNext"
    )
    assert latex_check.repair_escapes("a\n\tb\r\nc") == "a\n\tb\r\nc"  # indentation and CRLF stay
