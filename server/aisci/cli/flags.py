"""The groups of flags that several ``aisci`` commands share, and the flag of one setting.

Contract: ``add_setting(p, name)`` adds the flag of the ``Settings`` field ``name`` as
core/settings.py declares it (its name, kind, choices, default and help: nothing about it is
written here); ``add_run_flags`` (where and how runs execute: scale, results, timeout, sandbox,
GPU, executor), ``add_model_flags`` (the model of a command on one idea folder or PDF) and
``add_template_flags`` (a command on a template: its model, its ideas, its runs) add groups of
them, with the few flags that set no ``Settings`` field.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from aisci.cli.values import (
    NON_NEGATIVE_FLOAT,
    NON_NEGATIVE_INT,
    POSITIVE_FLOAT,
    POSITIVE_INT,
    parallel_count,
)
from aisci.core.settings import front_default, options

# The help of every template argument (--template, and the positional one of baseline and
# template check/knobs): commands/targets.py resolves it in this order.
TEMPLATE_HELP = "a template folder, the name of one under ./templates, or a shipped template's name"

# The argparse type of each kind of Option (core/options.py); "choice" and "text" take strings
# as given, "switch" is a store_true.
_TYPES: dict[str, Any] = {
    "whole": POSITIVE_INT,
    "count": NON_NEGATIVE_INT,
    "number": POSITIVE_FLOAT,
    "path": Path,
}


def add_setting(
    p: argparse.ArgumentParser, name: str, *, group: str | None = None, hidden: bool = False
) -> argparse.Action:
    """The flag of ``Settings.name``; ``group`` picks the help its Option words for those commands
    ("folder", "doctor"), ``hidden`` leaves it out of --help (accepted, not advertised)."""
    declared = options()[name]
    if declared.flag is None:
        raise ValueError(f"Settings.{name} has no command-line flag (core/settings.py)")
    kwargs: dict[str, Any] = {"default": front_default(name, "cli")}
    if hidden:
        kwargs["help"] = argparse.SUPPRESS
    else:
        kwargs["help"] = declared.helps.get(group, declared.help) if group else declared.help
    if declared.kind == "switch":
        return p.add_argument(declared.flag, action="store_true", **kwargs)
    if declared.kind == "choice":
        kwargs["choices"] = declared.choices
    elif declared.zero_is_one:
        kwargs["type"] = parallel_count
    elif declared.kind in _TYPES:
        kwargs["type"] = _TYPES[declared.kind]
    if declared.metavar:
        kwargs["metavar"] = declared.metavar
    return p.add_argument(declared.flag, **kwargs)


def add_run_flags(p: argparse.ArgumentParser) -> None:
    """Where and how a command's runs execute (baseline, launch, ideas, novelty)."""
    for name in ("scale", "results", "timeout_s", "sandbox"):
        add_setting(p, name)
    # One index for every run; make_context takes it when the command has no --gpus.
    p.add_argument("--gpu", default=None, help="GPU index for CUDA_VISIBLE_DEVICES")
    add_executor_flags(p)


def add_executor_flags(p: argparse.ArgumentParser) -> None:
    """This machine or a Ray cluster, and what one run reserves there (the last three set the
    executor's own settings, execution/executor.py, not the core's)."""
    add_setting(p, "executor")
    add_setting(p, "ray_address")
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
    _add_model_choice(p, group="folder")
    _add_literature_and_spending(p, group="folder")
    add_setting(p, "sandbox", hidden=True)


def add_template_flags(p: argparse.ArgumentParser, *, topic: bool = False) -> None:
    """A command on a template (launch, ideas, novelty): the template, its model, its ideas, its
    runs; with ``topic`` (launch), a topic file to draft the template from instead."""
    target: Any = p.add_mutually_exclusive_group(required=True) if topic else p
    target.add_argument(
        "--template",
        "--experiment",
        dest="template",
        **({} if topic else {"required": True}),
        help=TEMPLATE_HELP + " (--experiment is the original's name)",
    )
    if topic:
        target.add_argument(
            "--topic",
            type=Path,
            help="a topic file (aisci template new NAME --topic): a model drafts the template "
            "into ./templates/ first, as aisci template draft does (docs/topics.md)",
        )
    _add_model_choice(p)
    add_setting(p, "num_ideas")
    add_setting(p, "num_reflections")
    _add_literature_and_spending(p)
    add_run_flags(p)


def _add_model_choice(p: argparse.ArgumentParser, *, group: str | None = None) -> None:
    """The model, the server it is asked on, and who decides."""
    for name in ("model", "api_base", "api_key_env", "scientist"):
        add_setting(p, name, group=group)
    add_setting(p, "retry_budget_s")
    add_setting(p, "structured_output")


def _add_literature_and_spending(p: argparse.ArgumentParser, *, group: str | None = None) -> None:
    """The first literature source, the cap on model spending, and a record or replay of the
    model's answers."""
    add_setting(p, "engine", group=group)
    for name in ("max_cost_usd", "record", "replay"):
        add_setting(p, name)
