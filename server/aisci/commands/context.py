"""What every command that runs a stage starts from: its Context, its executor, its lock.

Contract: ``make_context(args)`` turns the parsed flags into the core's ``Context`` (validated
``Settings``, the terminal's reporter and reviewer), refusing ``--autonomy review-edits``
without a terminal before anything is paid for; the flags it copies into ``Settings`` are
``FLAG_FIELDS``, built from the fields' declarations in core/settings.py. ``open_executor(args)``
connects the executor the flags name, stopping first when the sandbox cannot start;
``results_lock`` takes the inter-process lock of a command on its folder (core/locks.py).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from aisci.core import baseline, locks
from aisci.core.context import Context
from aisci.core.proposals import AcceptAll
from aisci.core.settings import Settings, options
from aisci.errors import ConfigError
from aisci.execution.executor import ExecutorSettings, make_executor
from aisci.execution.sandbox import resolve
from aisci.llm.aliases import resolve_model
from aisci.terminal import TerminalReporter, TerminalReviewer

# The argparse name of each flag that sets a Settings field as given -> the field (the flags
# whose value a command converts, such as --scale, --model and --gpus, are set by hand below).
FLAG_FIELDS = {
    declared.dest: name
    for name, declared in options().items()
    if declared.dest and not declared.converted
}


def results_lock(path: Path, command: str, *, whole: bool = False, named: bool = False):
    """The inter-process lock of a command on its folder (core/locks.py): ``whole`` locks
    results/<template> itself; ``named``, an idea folder the user named; otherwise one folder
    or file inside results/<template>."""
    lock = (
        locks.lock_template_folder
        if whole
        else locks.lock_idea_folder
        if named
        else locks.lock_in_template_folder
    )
    return lock(path, f"aisci {command}")


def make_context(args: argparse.Namespace):
    """The core's Context for a command's flags: its Settings, the terminal's reporter and
    reviewer."""

    scale = getattr(args, "scale", None)
    model, note = resolve_model(args.model)
    if note:
        print(f"note: {note}.", file=sys.stderr)
    settings = Settings(
        # Looked up on the module at each call, so a test can set the machine's scale there.
        scale=baseline.check_scale(scale or baseline.default_scale()),
        model=model,
        gpus=tuple(g for g in getattr(args, "gpus", "").split(",") if g)
        or ((args.gpu,) if getattr(args, "gpu", None) else ()),
        # Every other flag of a setting, as given; a command without one gets the default.
        **{name: getattr(args, flag) for flag, name in FLAG_FIELDS.items() if hasattr(args, flag)},
    ).validate()
    if settings.autonomy == "review-edits" and not sys.stdin.isatty():
        # Found out now, not at the first proposal after the model calls were paid for.
        raise ConfigError(
            "Cannot use --autonomy review-edits: stdin is not a terminal, so nobody can answer "
            "the accept / edit / reject prompts.",
            "Run the command in a terminal, or use --autonomy full (every edit is applied and "
            "shown in the run's run_i.py).",
        )
    reviewer = TerminalReviewer() if settings.autonomy == "review-edits" else AcceptAll()
    # Live bars redraw the terminal and would write over the accept / edit / reject prompt.
    live = False if settings.autonomy == "review-edits" else None
    return Context(settings=settings, reporter=TerminalReporter(live=live), reviewer=reviewer)


def open_executor(args: argparse.Namespace):
    """The executor the flags ask for, connected (``--executor``, ``--ray-address``, ...)."""

    if getattr(args, "executor", "local") == "local":
        resolve(args.sandbox)  # no isolation here: stop before any work, saying what to install
    return make_executor(
        ExecutorSettings(
            kind=getattr(args, "executor", "local"),
            ray_address=getattr(args, "ray_address", "auto"),
            shared_results=getattr(args, "shared_results", False),
            run_cpus=getattr(args, "run_cpus", None),
            run_gpus=getattr(args, "run_gpus", None),
        )
    )
