"""Counts the prompt tokens the LLM scientist sends for one paper, stage by stage, offline.

    .venv/bin/python benchmarks/paper_tokens.py                     # grokking, 5 runs, gpt-4o
    .venv/bin/python benchmarks/paper_tokens.py --template templates/nanogpt --runs 3
    .venv/bin/python benchmarks/paper_tokens.py --folder results/grokking/<stamp>_<name>

First the cycle up to the paper (cycle_tokens.py): a real launch of the LLM scientist (one idea
with ``--reflections`` review rounds, ``--runs`` runs at smoke scale, plots) against the tests'
scripted fake model, every request recorded. Then the paper of that idea folder: the real stage
code (aisci.paper.stages.write_paper, the review, one fix round and the improvement) with a
recording stand-in for the model client and the literature. The stand-in answers with sections
of typical length (ANSWER_WORDS, about 3,000 words in all: a short conference paper), so the
prompts that show the paper grow as they would. Worst cases: every citation round is used, and
no review reflection stops early. Every request is counted with litellm's tokenizer, and so is
its cacheable prefix: the tokens it shares at its start with the stage's previous call
(``prefix_tokens``). ``--folder`` skips the cycle and counts the paper of that folder only;
``--dump DIR`` writes each stage's requests as JSON.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from cycle_tokens import prefix_tokens, run_cycle, stage_of

from aisci.core.context import Context
from aisci.core.diagnostics import Diagnostic
from aisci.core.settings import Settings
from aisci.literature import Paper
from aisci.llm import count_tokens
from aisci.llm.models import count_message_tokens, price
from aisci.paper.consistency import check_consistency
from aisci.paper.review import tex_to_text
from aisci.paper.stages import paper_job, write_paper
from aisci.scientists.llm import (
    citations,
    drafting,
    improvement,
    paper_fixes,
    paper_material,
    refinement,
    reviewing,
)

ROOT = Path(__file__).resolve().parents[1]
CACHED_PRICE_SHARE = 0.5  # OpenAI bills cached prompt tokens at half the price (gpt-4o)
ANSWER_WORDS = {
    "Title": 12,
    "Abstract": 180,
    "Introduction": 550,
    "Background": 400,
    "Method": 450,
    "Experimental Setup": 350,
    "Results": 450,
    "Conclusion": 200,
    "Related Work": 400,
}
PROSE = (
    "We vary one setting of the experiment and keep the data, the model and the seeds fixed, so that any "
    "change in the measured losses can be traced to that setting alone. The baseline run uses the "
    "template as it is, and each further run changes a single constant in the experiment script. "
)
REVIEW = {
    "Summary": "The paper varies one hyperparameter of a small regression experiment and reports the "
    "final training and validation losses of each run against the baseline.",
    "Strengths": ["Every reported number traces back to a run", "The method is easy to reproduce"],
    "Weaknesses": [
        "A single seed per setting leaves the differences within noise",
        "No comparison with a tuned baseline or a schedule",
        "The scale is very small",
    ],
    "Questions": [
        "Do the rankings hold with five seeds?",
        "How sensitive is the result to the degree?",
    ],
    "Limitations": ["Synthetic data only", "One model family"],
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


def prose(words: int) -> str:
    text = (PROSE * (words // len(PROSE.split()) + 1)).split()[:words]
    return " ".join(text).rstrip(".") + "."


def body(section: str, job) -> str:
    text = prose(ANSWER_WORDS[section])
    if section == "Results":  # a table of every run and the figures, as a real draft has
        table = stand_in_table(job)
        text += (
            "\n\n\\begin{table}[t]\n\\centering\n\\begin{tabular}{lrrr}\n\\toprule\n"
            + "\n".join(
                " & ".join(c.strip() for c in row.strip("|").split("|")) + r" \\" for row in table
            )
            + "\n\\bottomrule\n\\end{tabular}\n\\caption{Final means.}\\label{tab:main}\n\\end{table}\n"
        )
        for i, figure in enumerate(sorted(job.figures)):
            text += (
                f"\nFigure~\\ref{{fig:{i}}} shows {figure}.\n\\begin{{figure}}[t]\n\\centering\n"
                f"\\includegraphics[width=0.6\\linewidth]{{{figure}}}\n\\caption{{{prose(25)}}}\n"
                f"\\label{{fig:{i}}}\n\\end{{figure}}\n"
            )
    return text


def stand_in_table(job) -> list[str]:
    """The rows of the results table as the stand-in's Results prints them: each cell with its
    seed count, as measured before the prompt's table said a common count once (the same
    paper before and after)."""
    text = paper_material.results_table(job)
    seeds = re.search(r"^Seeds: (\d+) for every value\.$", text, re.MULTILINE)
    rows = [line for line in text.splitlines() if line.startswith("|")]
    if seeds is None:
        return rows
    n = int(seeds.group(1))
    note = f" ({n} seed{'s' if n != 1 else ''})"
    return [rows[0]] + [
        "|".join(
            c if i < 2 or c.strip() in ("", "--") else c.rstrip() + note + " "
            for i, c in enumerate(r.split("|"))
        )
        for r in rows[1:]
    ]


class Recorder:
    """Stands in for LLMClient: records each request's tokens by stage, answers in kind."""

    def __init__(self, model: str, job):
        self.settings = type("S", (), {"model": model})()
        self.model, self.job = model, job
        self.calls: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self.messages: dict[str, list[list[dict]]] = defaultdict(list)
        self._rounds = 0

    def complete_json(self, messages, schema, *, stage):
        answer = self._answer(messages, schema, stage)
        self.calls[stage].append(
            (
                count_message_tokens(messages, self.model),
                count_tokens(json.dumps(answer), self.model),
            )
        )
        self.messages[stage].append([dict(m) for m in messages])
        return answer

    def _answer(self, messages, schema, stage):
        first = next(m["content"] for m in messages if m["role"] == "user")
        if stage == "citations":
            self._rounds += 1
            return {
                "pick": [1, 2],
                "query": f"polynomial regression step size {self._rounds}",
                "reason": prose(15),
            }
        if stage == "review":
            return {**REVIEW, "done": False} if "done" in schema["properties"] else REVIEW
        if stage in ("writeup_fix", "improvement"):
            return {
                "sections": {
                    "Results": body("Results", self.job),
                    "Conclusion": body("Conclusion", self.job),
                },
                "summary": prose(15),
            }
        if "changed" in schema["properties"]:
            return {"changed": False, "latex": ""}
        section = first.split("## Write: ", 1)[1].split("\n", 1)[0].strip()
        return {"latex": body(section, self.job)}


class Library:
    def search(self, query, limit=10):
        papers = tuple(
            Paper.from_parts(
                title=f"On the step size of gradient descent for small regression models, part {i}",
                authors=["A. Author", "B. Author"],
                venue="Neural Information Processing Systems",
                year=2015 + i,
                abstract=prose(120),
                citation_count=30 * i,
                source="semantic_scholar",
            )
            for i in range(1, limit + 1)
        )
        return type("Result", (), {"papers": papers})()

    def close(self):
        pass


class Scientist:
    """The LLM scientist's paper stages over the recording client (the same calls as
    ``LLMScientist``, whose constructor would make a real client)."""

    kind = "llm"

    def __init__(self, client):
        self.client, self.literature = client, Library()

    def propose_section(self, job, section, feedback, ctx):
        return drafting.propose_section(self.client, job, section, feedback)

    def propose_refinement(self, job, section, feedback, ctx):
        return refinement.propose_refinement(self.client, job, section, feedback)

    def find_citations(self, job, ctx):
        search = lambda query, limit: self.literature.search(query, limit=limit)  # noqa: E731
        return citations.find_citations(self.client, search, job, ctx)

    def propose_paper_fix(self, job, diagnostics, feedback, ctx):
        return paper_fixes.propose_paper_fix(self.client, job, diagnostics, feedback)

    def propose_improvement(self, job, review, feedback, ctx):
        return improvement.propose_improvement(self.client, job, review, feedback)

    def review_paper(self, job, text, ctx):
        return reviewing.review_paper(self.client, job, text, ctx)


def reset_paper(folder: Path) -> None:
    """Forget a paper written earlier: its steps in state.json, and latex/ back to the template's."""
    state_path = folder / "state.json"
    state = json.loads(state_path.read_text(encoding="utf-8"))
    steps = state["steps"]
    written = [
        s
        for s in steps
        if s.split(".")[0] in ("writeup", "citations", "build", "review", "improvement")
    ]
    if written:
        template = Path(steps.get("created", {}).get("template_path", ""))
        if not (template / "latex" / "template.tex").is_file():
            sys.exit(
                f"{folder} holds a written paper and its template ({template}) is gone: give an idea folder "
                "without a paper."
            )
        shutil.rmtree(folder / "latex")
        shutil.copytree(template / "latex", folder / "latex")
    state["steps"] = {k: v for k, v in steps.items() if k not in written}
    state_path.write_text(json.dumps(state, indent=1), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--folder",
        type=Path,
        help="an idea folder with finished runs (it is copied, not changed): the paper only",
    )
    parser.add_argument("--template", type=Path, default=ROOT / "templates" / "grokking")
    parser.add_argument("--runs", type=int, default=5, help="runs after the baseline")
    parser.add_argument("--reflections", type=int, default=1, help="idea review rounds")
    parser.add_argument(
        "--code-runs",
        type=int,
        default=0,
        help="runs whose decision asks aider for the edit, as a change of code does (the others "
        "only set a constant, which aisci writes itself); --code-runs 5 is every run through aider",
    )
    parser.add_argument("--model", default="gpt-4o")
    parser.add_argument("--sandbox", default="auto", help="the runs' sandbox (auto, bwrap, none)")
    parser.add_argument("--dump", type=Path, help="write each stage's requests here (JSON)")
    args = parser.parse_args()
    cycle: dict[str, list[list[dict]]] = defaultdict(list)
    with tempfile.TemporaryDirectory() as tmp:
        if args.folder:
            source = args.folder
        else:
            template = Path(tmp) / "template" / args.template.name
            shutil.copytree(args.template, template)
            source, bodies = run_cycle(
                template,
                Path(tmp) / "results",
                args.runs,
                args.reflections,
                args.sandbox,
                args.code_runs,
            )
            for request in bodies:
                cycle[stage_of(request)].append(request["messages"])
        folder = Path(tmp) / "copy" / source.name
        shutil.copytree(source, folder, ignore=shutil.ignore_patterns("review*", "*.pdf"))
        reset_paper(folder)
        defaults = Settings()
        ctx = Context(defaults)
        job = paper_job(folder, ctx)
        client = Recorder(args.model, job)
        scientist = Scientist(client)

        write_paper(folder, scientist, ctx)
        job = paper_job(folder, ctx)
        review = scientist.review_paper(job, tex_to_text(job.tex), ctx)
        default_stages = {s: list(c) for s, c in client.messages.items()}
        # One fix round with an error in Results and a number the check does not find.
        tex = job.tex.read_text(encoding="utf-8")
        line = next(i for i, text in enumerate(tex.splitlines(), 1) if "\\begin{tabular}" in text)
        tex = tex.replace("shows val_loss.png.", "shows val_loss.png, 0.4321 at best.", 1)
        job.tex.write_text(tex, encoding="utf-8")
        report = check_consistency(folder, job.tex)
        errors = [
            Diagnostic(
                "template.tex", line, "error", "Undefined control sequence \\toprul", "latex"
            )
        ]
        errors += report.diagnostics()  # as the build states them
        scientist.propose_paper_fix(job, errors, None, ctx)
        scientist.propose_improvement(job, review, None, ctx)

    model = args.model
    if args.dump:
        args.dump.mkdir(parents=True, exist_ok=True)
        for stage, calls in [*cycle.items(), *client.messages.items()]:
            name = stage.replace(" ", "_").replace(":", "").replace(".", "")
            (args.dump / f"{name}.json").write_text(json.dumps(calls, indent=1), encoding="utf-8")
    print(
        f"Prompt tokens sent for one paper, model {model} tokenizer; idea {source.name} "
        f"({len(job.runs)} runs + baseline, {len(job.figures)} figure(s)); {platform.node()}, "
        f"{os.cpu_count()} cores; {datetime.date.today()}\n"
    )
    print(
        "| stage | calls | prompt tokens | in a cacheable prefix | share |\n|---|---:|---:|---:|---:|"
    )

    def row(name: str, calls: list[list[dict]]) -> tuple[int, int, int]:
        sent = sum(count_message_tokens(m, model) for m in calls)
        cached = prefix_tokens(calls, model)
        share = f"{cached / sent:.0%}" if sent else "-"
        print(f"| {name} | {len(calls)} | {sent:,} | {cached:,} | {share} |")
        return len(calls), sent, cached

    labels = {
        "ideas": f"ideas: draft + {args.reflections} review round(s)",
        "writeup": f"writeup: {len(paper_material.NEEDS)} drafts + one refinement pass",
        "citations": f"citations: {citations.CITE_ROUNDS} searches, {citations.CITE_LIMIT} papers shown each",
        "review": f"review: {defaults.num_reviews} review, {defaults.review_reflections} reflection",
    }
    stages = [(s, cycle[s]) for s in sorted(cycle)]
    stages += [(s, default_stages[s]) for s in ("writeup", "citations", "review")]
    totals = [row(labels.get(s, s), calls) for s, calls in stages]
    calls, sent, cached = (sum(t[i] for t in totals) for i in range(3))
    print(
        f"| **per paper at {args.runs} runs** | {calls} | **{sent:,}** | {cached:,} | "
        f"{cached / max(sent, 1):.0%} |"
    )
    row(
        "writeup_fix: per round, only while the build has errors (at most 3)",
        client.messages["writeup_fix"],
    )
    row(
        "improvement (off by default; then a rebuild and a second review)",
        client.messages["improvement"],
    )
    p = price(model)
    if p:
        cheap = p.input_per_token * CACHED_PRICE_SHARE
        print(
            f"\nPrompt cost per paper at {model} list price: ${sent * p.input_per_token:.3f} uncached, "
            f"${(sent - cached) * p.input_per_token + cached * cheap:.3f} with every cacheable prefix "
            f"served from the cache (at {CACHED_PRICE_SHARE:.0%} of the price)."
        )


if __name__ == "__main__":
    main()
