"""The groups of flags that several ``aisci`` commands share.

Contract: ``add_run_flags`` (where and how runs execute: scale, results, timeout, sandbox, GPU,
executor), ``add_model_flags`` (the model of a command on one idea folder or PDF) and
``add_template_flags`` (a command on a template: its model, its ideas, its runs). Every flag
that sets a ``Settings`` value takes its default and choices from core/settings.py.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from aisci.cli.values import NON_NEGATIVE_FLOAT, NON_NEGATIVE_INT, POSITIVE_FLOAT, POSITIVE_INT
from aisci.core.settings import (
    ENGINES,
    EXECUTORS,
    SANDBOXES,
    SCALES,
    SCIENTISTS,
    STRUCTURED_OUTPUT,
    Settings,
)

# Every flag that sets a Settings value takes its default and choices from core/settings.py.
DEFAULT = Settings()


def add_run_flags(p: argparse.ArgumentParser) -> None:
    """Where and how a command's runs execute (baseline, launch, ideas, novelty)."""
    p.add_argument(
        "--scale",
        choices=SCALES,
        help="size of the study (AISCI_SCALE): smoke < 1 min on a CPU, cpu minutes, full the "
        "paper-scale study; default: full with an NVIDIA GPU, else cpu",
    )
    p.add_argument(
        "--results",
        type=Path,
        default=DEFAULT.results,
        help="results folder (default: ./%(default)s)",
    )
    p.add_argument(
        "--timeout",
        type=POSITIVE_FLOAT,
        default=DEFAULT.timeout_s,
        help="wall-clock limit of one run in seconds (default %(default)g)",
    )
    p.add_argument(
        "--sandbox",
        choices=SANDBOXES,
        default=DEFAULT.sandbox,
        help="isolation of experiment code: auto/bwrap (the bubblewrap sandbox; stops if it cannot start) or none (no isolation, only when named)",
    )
    p.add_argument("--gpu", default=None, help="GPU index for CUDA_VISIBLE_DEVICES")
    add_executor_flags(p)


def add_executor_flags(p: argparse.ArgumentParser) -> None:
    """This machine or a Ray cluster, and what one run reserves there."""
    p.add_argument(
        "--executor",
        choices=EXECUTORS,
        default=DEFAULT.executor,
        help="where runs execute: local (this machine) or ray (a Ray cluster; pip install 'aisci[ray]')",
    )
    p.add_argument(
        "--ray-address",
        default=DEFAULT.ray_address,
        help="the Ray cluster: auto (the one this machine belongs to), local (a private one), or HOST:PORT",
    )
    p.add_argument(
        "--shared-results",
        action="store_true",
        help="the results folder is on a file system every Ray node sees at the same path: runs write in place",
    )
    p.add_argument(
        "--run-cpus",
        type=NON_NEGATIVE_FLOAT,
        default=None,
        help="CPUs one run reserves on the cluster (default: the template's aisci.json, else 1)",
    )
    p.add_argument(
        "--run-gpus",
        type=NON_NEGATIVE_FLOAT,
        default=None,
        help="GPUs one run reserves on the cluster (default: the template's aisci.json, else 0)",
    )


def add_model_flags(p: argparse.ArgumentParser) -> None:
    """The model of a command on one idea folder or PDF (writeup, review)."""
    _add_model_choice(
        p,
        model_help="any litellm model string (see aisci launch --help)",
        api_base_help="base URL of an OpenAI-compatible server",
        scientist_help="llm (a model) or sweep (no model); auto = llm when --model is given",
    )
    _add_literature_and_spending(p, engine_help="first literature source for citations")
    p.add_argument("--sandbox", choices=SANDBOXES, default=DEFAULT.sandbox, help=argparse.SUPPRESS)


def add_template_flags(p: argparse.ArgumentParser) -> None:
    """A command on a template (launch, ideas, novelty): the template, its model, its ideas, its
    runs."""
    p.add_argument(
        "--template",
        "--experiment",
        dest="template",
        required=True,
        help="template folder, or the name of one under ./templates (--experiment is the original's name)",
    )
    _add_model_choice(
        p,
        model_help="any litellm model string, e.g. gpt-4o, anthropic/claude-sonnet-4-5, "
        "ollama/llama3, openai/NAME with --api-base",
        api_base_help="base URL of an OpenAI-compatible server (vLLM, llama.cpp, LM Studio)",
        scientist_help="who decides: llm (a model), sweep (no model: one-factor sweeps of the "
        "knobs); auto = llm when --model is given, else sweep",
    )
    p.add_argument(
        "--num-ideas",
        type=POSITIVE_INT,
        default=DEFAULT.num_ideas,
        help="new ideas to generate (default %(default)s)",
    )
    p.add_argument(
        "--reflections",
        type=NON_NEGATIVE_INT,
        default=DEFAULT.num_reflections,
        help="refinement rounds per idea (default %(default)s; 0: none)",
    )
    _add_literature_and_spending(
        p, engine_help="first literature source; the others are fallbacks (default %(default)s)"
    )
    add_run_flags(p)


def _add_model_choice(
    p: argparse.ArgumentParser, *, model_help: str, api_base_help: str, scientist_help: str
) -> None:
    """The model, the server it is asked on, and who decides (the helps say it for the command)."""
    p.add_argument("--model", help=model_help)
    p.add_argument("--api-base", help=api_base_help)
    p.add_argument(
        "--api-key-env",
        metavar="NAME",
        help="environment variable whose key is sent to --api-base "
        "(without it a custom server gets no key)",
    )
    p.add_argument(
        "--scientist", choices=SCIENTISTS, default=DEFAULT.scientist, help=scientist_help
    )
    p.add_argument(
        "--retry-budget",
        type=POSITIVE_FLOAT,
        default=DEFAULT.retry_budget_s,
        metavar="SECONDS",
        help="how long one model call may keep retrying rate limits (429), server errors and "
        "timeouts, obeying Retry-After (default %(default)g)",
    )
    p.add_argument(
        "--structured-output",
        choices=STRUCTURED_OUTPUT,
        default=DEFAULT.structured_output,
        help="send the answer's JSON schema (response_format json_schema): auto where litellm "
        "knows the model takes one, on always (a local server: llama.cpp, vLLM...), off never "
        "(default %(default)s)",
    )


def _add_literature_and_spending(p: argparse.ArgumentParser, *, engine_help: str) -> None:
    """The first literature source, the cap on model spending, and a record or replay of the
    model's answers."""
    p.add_argument("--engine", choices=ENGINES, default=DEFAULT.engine, help=engine_help)
    p.add_argument(
        "--max-cost",
        type=POSITIVE_FLOAT,
        default=DEFAULT.max_cost_usd,
        help="hard cap on model spending in USD",
    )
    p.add_argument("--record", type=Path, help="write every model request and answer to this file")
    p.add_argument(
        "--replay", type=Path, help="answer model requests from a file written by --record"
    )
