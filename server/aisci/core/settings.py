"""The settings of one command: their values, their defaults, and how each front end sets them.

Contract: each ``Settings`` field is declared once, here. Its default is the core's; a field a
front end sets carries an ``Option`` (``options()``): its ``aisci`` flag, its ``aiScientist.*``
editor key, the kind of value it takes, its choices, its help, and where a front end's default
differs from the core's (``front_default``). The CLI's flags (cli/flags.py), the flag->field map
(commands/context.py) and the language server's table (lsp/settings.py) are built from these;
tests/lsp/test_settings_table.py and tests/test_settings_declared.py check the extension's
package.json and src/settings.ts against them; core/choices.py holds the choices and the check
``validate()`` makes. The CLI reads this at every start: it imports nothing heavy.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from aisci.core.choices import (
    AUTONOMY,
    ENGINES,
    MACHINE_SCALE,
    SCALES,
    SCIENTISTS,
    SEARCHES,
    STRUCTURED_OUTPUT,
    check,
)
from aisci.core.options import Option, option
from aisci.core.options import front_default as _front_default
from aisci.core.options import options as _options
from aisci.execution.run_spec import EXECUTORS
from aisci.execution.runner import DEFAULT_TIMEOUT_S
from aisci.execution.sandbox import MODES as SANDBOXES

__all__ = [
    "AUTONOMY",
    "ENGINES",
    "EXECUTORS",
    "SANDBOXES",
    "SCALES",
    "SCIENTISTS",
    "SEARCHES",
    "STRUCTURED_OUTPUT",
    "Option",
    "Settings",
    "front_default",
    "options",
]


@dataclass(frozen=True)
class Settings:
    results: Path = field(
        default=Path("results"),
        metadata=option(
            kind="path", flag="--results", help="results folder (default: ./%(default)s)"
        ),
    )
    # The folder the front end works in: its references/ is the local corpus. None: the current
    # directory (the CLI's relative paths mean it); the language server gives its root.
    workspace: Path | None = None
    # Front ends pass the machine's scale (core.baseline.default_scale) when none is chosen.
    scale: str = field(
        default="cpu",
        metadata=option(
            kind="choice",
            choices=SCALES,
            flag="--scale",
            key="scale",
            help="size of the study (AISCI_SCALE): smoke < 1 min on a CPU, cpu minutes, full the "
            "paper-scale study; default: full with an NVIDIA GPU, else cpu",
            editor_help="How big experiment runs are (`AISCI_SCALE`).",
            defaults={"cli": MACHINE_SCALE, "editor": MACHINE_SCALE},
            converted=True,  # checked, and the machine's when none is given
        ),
    )
    timeout_s: float = field(
        default=DEFAULT_TIMEOUT_S,
        metadata=option(
            kind="number",
            flag="--timeout",
            key="timeout",
            help="wall-clock limit of one run in seconds (default %(default)g)",
            editor_help="Wall-clock limit of one experiment run, in seconds.",
        ),
    )
    sandbox: str = field(
        default="auto",
        metadata=option(
            kind="choice",
            choices=SANDBOXES,
            flag="--sandbox",
            key="sandbox",
            help="isolation of experiment code: auto/bwrap (the bubblewrap sandbox; stops if it "
            "cannot start) or none (no isolation, only when named)",
            helps={"doctor": "the boundary to measure (default %(default)s, what runs get)"},
            editor_help="Isolation of the experiment and plot code the AI writes.",
        ),
    )
    # --gpus, one index per parallel idea; a command without it takes --gpu's one index.
    gpus: tuple[str, ...] = field(
        default=(),
        metadata=option(
            kind="text",
            flag="--gpus",
            help="comma-separated GPU indices, one per parallel idea",
            defaults={"cli": ""},
            converted=True,
        ),
    )
    # The terminal applies every edit, as the original did. In the editor each AI edit opens as
    # a diff to accept, edit or reject: what the editor is for.
    autonomy: str = field(
        default="full",
        metadata=option(
            kind="choice",
            choices=AUTONOMY,
            flag="--autonomy",
            key="autonomy",
            help="full: apply every AI edit; review-edits: show each diff and ask accept / edit / "
            "reject",
            editor_help="Who accepts the AI's edits to experiment.py, plot.py and the paper.",
            defaults={"editor": "review-edits"},
        ),
    )
    scientist: str = field(
        default="auto",  # llm when a model is set (or answers are replayed), else sweep
        metadata=option(
            kind="choice",
            choices=SCIENTISTS,
            flag="--scientist",
            key="scientist",
            help="who decides: llm (a model), sweep (no model: one-factor sweeps of the knobs); "
            "auto = llm when --model is given, else sweep",
            helps={"folder": "llm (a model) or sweep (no model); auto = llm when --model is given"},
            editor_help="Who makes the decisions of the cycle.",
        ),
    )
    model: str | None = field(
        default=None,
        metadata=option(
            kind="text",
            flag="--model",
            key="model",
            help="any litellm model string, e.g. gpt-4o, anthropic/claude-sonnet-4-5, "
            "ollama/llama3, openai/NAME with --api-base",
            helps={"folder": "any litellm model string (see aisci launch --help)"},
            editor_help="The model that decides, as a [litellm](https://docs.litellm.ai/docs/providers) "
            "model string, e.g. `gpt-4o`, `anthropic/claude-sonnet-4-5`, `ollama/llama3`.",
            converted=True,  # a short name is resolved (llm/aliases.py)
        ),
    )
    api_base: str | None = field(
        default=None,
        metadata=option(
            kind="text",
            flag="--api-base",
            key="apiBase",
            help="base URL of an OpenAI-compatible server (vLLM, llama.cpp, LM Studio)",
            helps={"folder": "base URL of an OpenAI-compatible server"},
            editor_help="Base URL of an OpenAI-compatible server for `#aiScientist.model#` (a local "
            "vLLM or Ollama, e.g. `http://127.0.0.1:8000/v1`).",
        ),
    )
    # The variable whose key may go to api_base.
    api_key_env: str | None = field(
        default=None,
        metadata=option(
            kind="text",
            flag="--api-key-env",
            key="apiKeyEnv",
            metavar="NAME",
            help="environment variable whose key is sent to --api-base "
            "(without it a custom server gets no key)",
            editor_help="The **name** of the environment variable whose key is sent to "
            "`#aiScientist.apiBase#`, e.g. `VLLM_API_KEY` (the name, never the key: keys go through "
            "**AI Scientist: Set API Key**, or the environment the server starts in).",
        ),
    )
    max_cost_usd: float | None = field(
        default=None,
        metadata=option(
            kind="number",
            none_allowed=True,  # no cap
            flag="--max-cost",
            key="maxCost",
            help="hard cap on model spending in USD",
            editor_help="Hard cap on model spending in US dollars for a command; the stage stops "
            "when the cap is reached.",
        ),
    )
    # Seconds a model call may keep retrying 429s, 5xx and timeouts.
    retry_budget_s: float = field(
        default=120.0,
        metadata=option(
            kind="number",
            flag="--retry-budget",
            key="retryBudgetSeconds",
            metavar="SECONDS",
            help="how long one model call may keep retrying rate limits (429), server errors and "
            "timeouts, obeying Retry-After (default %(default)g)",
            editor_help="How long one model call may keep retrying a provider's rate limits (429), "
            "server errors and timeouts, in seconds.",
        ),
    )
    structured_output: str = field(
        default="auto",
        metadata=option(
            kind="choice",
            choices=STRUCTURED_OUTPUT,
            flag="--structured-output",
            key="structuredOutput",
            help="send the answer's JSON schema (response_format json_schema): auto where litellm "
            "knows the model takes one, on always (a local server: llama.cpp, vLLM...), off never "
            "(default %(default)s)",
            editor_help="The provider's JSON-schema mode for answers that must be JSON.",
        ),
    )
    record: Path | None = field(
        default=None,
        metadata=option(
            kind="path", flag="--record", help="write every model request and answer to this file"
        ),
    )
    replay: Path | None = field(
        default=None,
        metadata=option(
            kind="path",
            flag="--replay",
            help="answer model requests from a file written by --record",
        ),
    )
    num_ideas: int = field(
        default=2,
        metadata=option(
            kind="whole",
            flag="--num-ideas",
            key="numIdeas",
            help="new ideas to generate (default %(default)s)",
            editor_help="New ideas per generation (also the default of **AI Scientist: Launch**).",
        ),
    )
    num_reflections: int = field(
        default=3,
        metadata=option(
            kind="count",
            flag="--reflections",
            help="refinement rounds per idea (default %(default)s; 0: none)",
        ),
    )
    novelty_rounds: int = field(
        default=5,
        metadata=option(
            kind="whole", flag="--rounds", help="search rounds per idea (default %(default)s)"
        ),
    )
    # The first literature backend (the original's --engine).
    engine: str = field(
        default="semanticscholar",
        metadata=option(
            kind="choice",
            choices=ENGINES,
            flag="--engine",
            key="engine",
            help="first literature source; the others are fallbacks (default %(default)s)",
            helps={"folder": "first literature source for citations"},
            editor_help="The first literature source of the novelty check and citations; the others "
            "follow when it fails.",
        ),
    )
    max_runs: int = field(
        default=5,
        metadata=option(
            kind="whole",
            flag="--max-runs",
            key="maxRuns",
            help="experiment runs per idea (default %(default)s)",
            editor_help="Experiment runs per idea.",
        ),
    )
    max_iters: int = field(
        default=4,
        metadata=option(
            kind="whole",
            flag="--max-iters",
            key="maxIters",
            help="fixes of a failing run (default %(default)s)",
            editor_help="Attempts to fix a failing run before giving up on it.",
        ),
    )
    plot_timeout_s: float = 600.0
    # --writeup latex|none, the original's flag; commands/cycle.py reads it as this switch.
    writeup: bool = field(
        default=True,
        metadata=option(
            kind="choice",
            choices=("latex", "none"),
            flag="--writeup",
            help="write the paper (default latex)",
            defaults={"cli": "latex"},
            converted=True,
        ),
    )
    writeup_fix_rounds: int = 3
    num_reviews: int = field(
        default=1,
        metadata=option(
            kind="whole",
            flag="--num-reviews",
            help="ensemble size; the meta-review averages (default %(default)s)",
        ),
    )
    review_fewshot: bool = False  # few-shot review examples cost tokens: off by default
    citation_rounds: int = 3
    review_reflections: int = 1
    improvement: bool = field(
        default=False,
        metadata=option(
            kind="switch",
            flag="--improvement",
            help="revise the paper from its review and review again",
        ),
    )
    parallel: int = field(
        default=1,
        metadata=option(
            kind="whole",
            zero_is_one=True,
            flag="--parallel",
            help="ideas at once (default %(default)s; 0 = sequential, the original's default)",
            helps={"draft": "drafts or debug steps at once (default %(default)s)"},
        ),
    )
    # Where runs execute: "local" or "ray" (front ends open it).
    executor: str = field(
        default="local",
        metadata=option(
            kind="choice",
            choices=EXECUTORS,
            flag="--executor",
            key="executor",
            help="where runs execute: local (this machine) or ray (a Ray cluster; pip install "
            "'aisci[ray]')",
            helps={"doctor": "ray: also list the cluster's nodes and what each has"},
            editor_help="Where experiment runs execute.",
        ),
    )
    ray_address: str = field(
        default="auto",
        metadata=option(
            kind="text",
            flag="--ray-address",
            key="rayAddress",
            help="the Ray cluster: auto (the one this machine belongs to), local (a private one), "
            "or HOST:PORT",
            helps={"doctor": "the Ray cluster (as for launch)"},
            editor_help="The Ray cluster for `aiScientist.executor: ray`: `HOST:PORT` of the head "
            "node, `local` for a private one-machine cluster, or empty for `auto` (the cluster this "
            "machine belongs to).",
        ),
    )
    search: str = field(
        default="linear",
        metadata=option(
            kind="choice",
            choices=SEARCHES,
            flag="--search",
            key="search",
            help="linear: the original's loop of runs; tree: best-first search over variants, "
            "confirmed over seeds (docs/search.md)",
            editor_help="How experiments are searched.",
        ),
    )
    # Tree search (docs/search.md): nodes that run code, besides the baseline and the seeds.
    max_nodes: int = field(
        default=8,
        metadata=option(
            kind="whole",
            flag="--max-nodes",
            key="maxNodes",
            help="tree: variants that run (default %(default)s)",
            editor_help="Tree search: variants that run code (the baseline and the seed re-runs are "
            "not counted).",
        ),
    )
    debug_depth: int = field(
        default=3,
        metadata=option(
            kind="count",
            flag="--debug-depth",
            key="debugDepth",
            help="tree: debugging steps in a row below a failed variant (default %(default)s)",
            editor_help="Tree search: debugging steps in a row below a failed variant.",
        ),
    )
    seeds: int = field(
        default=3,
        metadata=option(
            kind="count",
            flag="--seeds",
            key="seeds",
            help="tree: re-runs of the best variant with AISCI_SEED=1..N (default %(default)s; 0: none)",
            editor_help="Tree search: re-runs of the best variant with `AISCI_SEED=1..N`, so the "
            "paper reports a mean and spread; 0: none.",
        ),
    )

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    def validate(self) -> Settings:
        check(self)
        return self

    @property
    def scientist_kind(self) -> str:
        if self.scientist != "auto":
            return self.scientist
        return "llm" if self.model or self.replay else "sweep"


def options() -> dict[str, Option]:
    """Each field a front end sets -> its Option, in the order of the fields."""
    return _options(Settings)


def front_default(name: str, front: str) -> Any:
    """The default of field ``name`` in a front end: "cli" or "editor" (core/options.py)."""
    return _front_default(Settings, name, front)
