"""Counts the tokens of the LLM scientist's prompts, offline (litellm's bundled tokenizer).

    .venv/bin/python benchmarks/prompt_tokens.py                   # grokking, gpt-4o
    .venv/bin/python benchmarks/prompt_tokens.py --template templates/nanogpt --model gpt-4o

Prints (1) each prompt file's own tokens, (2) the filled-in prompt tokens of every call one
idea costs at the default settings (3 review rounds, 5 novelty rounds): the template's system
prompt, task description, compacted experiment.py and seed ideas; a model answer of typical
size for the conversation's earlier turns; ten papers per search round. A stage's total is its
worst case (no early "done", every novelty round used). Record the table in docs/llm.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
from pathlib import Path

from aisci.core.ideas import Idea
from aisci.core.settings import Settings
from aisci.core.template import load_template
from aisci.literature import Paper
from aisci.llm import count_tokens
from aisci.llm.models import count_message_tokens, price
from aisci.scientists.llm.ideas import idea_messages
from aisci.scientists.llm.material import compact_source, describe_idea, paper_lines
from aisci.scientists.llm.prompts import load_prompts, render

ROOT = Path(__file__).resolve().parents[1]
# A typical answer: what the conversation carries forward and what the model writes.
ANSWER = {
    "Thought": "Weight decay drives the transition; a schedule isolates when it matters.",
    "Name": "decayed_weight_decay",
    "Title": "Does Grokking Need Weight Decay Late in Training? A Schedule Study",
    "Experiment": "Add a linear schedule that lowers WEIGHT_DECAY from 1.0 to 0.1 after step N, for "
    "N in 500, 1500, 3000; compare step_val_acc_99 and final_val_acc with the constant "
    "baseline on x_plus_y and x_div_y, and log the weight norm every eval.",
    "Interestingness": 7,
    "Feasibility": 8,
    "Novelty": 6,
}
NOVELTY_ANSWER = {
    "decision": "search",
    "query": "grokking weight decay schedule",
    "reason": "Need to check schedule studies of weight decay in grokking.",
    "closest": ["Omnigrok: Grokking Beyond Algorithmic Data"],
}
ABSTRACT = (
    "We study how the strength of weight decay during training changes the delay between "
    "fitting the training set and generalising on small algorithmic tasks. Across learning "
    "rates and data fractions, the delay shrinks as the decay grows, and a representation "
    "with a low weight norm forms before validation accuracy rises. We relate this to an "
    "implicit bias of adaptive optimisers and discuss what it predicts for larger models."
)


def sample_papers(n: int = 10) -> list[Paper]:
    return [
        Paper.from_parts(
            title=f"A study of grokking, weight norms and regularisation, part {i}",
            authors=["A. Author", "B. Author"],
            venue="International Conference on Learning Representations",
            year=2020 + i % 5,
            abstract=ABSTRACT,
            citation_count=10 * i,
            source="semantic_scholar",
        )
        for i in range(1, n + 1)
    ]


def idea_calls(template, reflections: int) -> list[list[dict]]:
    messages = idea_messages(template, list(template.seed_ideas))
    calls = [list(messages)]
    for n in range(1, reflections + 1):
        messages += [
            {"role": "assistant", "content": json.dumps(ANSWER)},
            {"role": "user", "content": render("idea_reflect", round=n, rounds=reflections)},
        ]
        calls.append(list(messages))
    return calls


def novelty_calls(rounds: int) -> list[list[dict]]:
    idea = Idea.from_dict(ANSWER)
    system = {"role": "system", "content": render("novelty_system")}
    shown = f'10 papers for "{NOVELTY_ANSWER["query"]}":\n{paper_lines(sample_papers())}'
    calls = []
    for n in range(1, rounds + 1):
        queries = "; ".join(f'"{NOVELTY_ANSWER["query"]} {k}"' for k in range(1, n)) or "none"
        last = " (the last one: decide now, novel or not_novel)" if n == rounds else ""
        user = render(
            "novelty_round",
            idea=describe_idea(idea),
            round=n,
            rounds=rounds,
            last_round=last,
            queries=queries,
            results=shown if n > 1 else "No search yet.",
        )
        calls.append([system, {"role": "user", "content": user}])
    return calls


def machine() -> str:
    return (
        f"{platform.node()}, {platform.processor() or platform.machine()}, {os.cpu_count()} cores"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--template", type=Path, default=ROOT / "templates" / "grokking")
    parser.add_argument("--model", default="gpt-4o")
    args = parser.parse_args()
    model, template, defaults = args.model, load_template(args.template), Settings()
    p = price(model)

    print(
        f"Prompt tokens, model {model} tokenizer; template {template.name}; {machine()}; "
        f"{datetime.date.today()}\n"
    )
    print("| prompt file | tokens |\n|---|---:|")
    for name, text in load_prompts().items():
        print(f"| {name}.md | {count_tokens(text, model)} |")
    source = template.experiment.read_text(encoding="utf-8")
    print(
        f"\nexperiment.py: {count_tokens(source, model)} tokens as it is, "
        f"{count_tokens(compact_source(source), model)} compacted for the prompt\n"
    )

    out_idea, out_novelty = (
        count_tokens(json.dumps(ANSWER), model),
        count_tokens(json.dumps(NOVELTY_ANSWER), model),
    )
    stages = [
        (
            "ideas",
            idea_calls(template, defaults.num_reflections),
            out_idea,
            f"draft + {defaults.num_reflections} review rounds",
        ),
        (
            "novelty",
            novelty_calls(defaults.novelty_rounds),
            out_novelty,
            f"{defaults.novelty_rounds} rounds, 10 papers shown per search",
        ),
    ]
    print(
        "| stage (one idea) | calls | prompt tokens per call | prompt tokens | answer tokens (est.) |"
        + (" cost at list price |" if p else "")
        + "\n|---|---:|---|---:|---:|"
        + ("---:|" if p else "")
    )
    total_in = total_out = 0
    for stage, calls, out, what in stages:
        per_call = [count_message_tokens(m, model) for m in calls]
        tokens_in, tokens_out = sum(per_call), out * len(calls)
        total_in, total_out = total_in + tokens_in, total_out + tokens_out
        cost = (
            f" ${tokens_in * p.input_per_token + tokens_out * p.output_per_token:.4f} |"
            if p
            else ""
        )
        print(
            f"| {stage}: {what} | {len(calls)} | {', '.join(map(str, per_call))} | {tokens_in} | "
            f"{tokens_out} |{cost}"
        )
    cost = f" ${total_in * p.input_per_token + total_out * p.output_per_token:.4f} |" if p else ""
    print(f"| total | | | {total_in} | {total_out} |{cost}")


if __name__ == "__main__":
    main()
