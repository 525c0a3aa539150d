"""What aider left after an edit, as a ``ProposedEdit``, or the ``EditRefused`` it calls for.

``edit_result`` reads the IO's in-memory writes (``overlay``) of the editable files: a file whose
text changed gets its whole new text and a unified diff. Files the model wanted to create or
edit outside the list (``refused``) refuse the whole edit, naming those outside the folder first.
``error`` says why the last answer could not be (fully) applied: a SEARCH block that never
matched after the last reflection, or aider's own errors. ``usage``: requests, tokens, and the
cost when the model has a price, and the answers replayed from the kept ones.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from aisci.core.proposals import unified_diff

from .aider_model import has_price
from .edits import EditRefused, ProposedEdit, Usage
from .model_calls import ModelCalls


def edit_result(
    root: Path,
    names: tuple[str, ...],
    editable: dict[str, str],
    originals: dict[str, str],
    instruction: str,
    coder,
    io,
    calls: ModelCalls,
) -> ProposedEdit:
    """The edit the coder's run proposed; raises ``EditRefused`` when it reached another file."""
    refused = list(dict.fromkeys(io.refused))
    if refused:
        raise _refusal(root, refused, names)

    proposed, diffs = {}, {}
    for path, name in editable.items():
        text = io.overlay.get(path)
        if text is not None and text != originals[name]:
            proposed[name] = text
            diffs[name] = unified_diff(name, originals[name], text)
    return ProposedEdit(
        folder=str(root),
        files=names,
        instruction=instruction,
        originals=originals,
        proposed=proposed,
        diffs=diffs,
        reply=calls.replies[-1] if calls.replies else "",
        replies=tuple(calls.replies),
        usage=_usage(coder, calls),
        error=_error(coder, io.recorded[calls.mark :]),
        log=tuple(f"{kind}: {text}" for kind, text in io.recorded),
    )


def _refusal(root: Path, refused: list[str], files: tuple[str, ...]) -> EditRefused:
    outside: list[str] = []
    other: list[str] = []
    for name in refused:
        path = Path(name) if os.path.isabs(name) else root / name
        resolved = path.resolve()
        (other if resolved == root or root in resolved.parents else outside).append(name)
    if outside:
        message = (
            f"Refused the model's edit of {', '.join(outside)}: it lies outside the folder "
            f"{root}; nothing was written."
        )
    else:
        message = (
            f"Refused the model's edit of {', '.join(other)}: only {', '.join(files)} may "
            "change in this edit; nothing was written."
        )
    return EditRefused(
        message,
        "Ask for the edit again, naming only the files it may change.",
        tuple(outside + other),
    )


def _usage(coder, calls: ModelCalls) -> Usage:
    """What the live calls cost (aider's counts, which skip replays), and what was replayed."""
    priced = has_price(coder.main_model)
    return Usage(
        requests=calls.requests,
        prompt_tokens=int(coder.total_tokens_sent or 0),
        completion_tokens=int(coder.total_tokens_received or 0),
        cost_usd=float(coder.total_cost) if priced else None,
        cached_prompt_tokens=int(getattr(coder, "aisci_cached_tokens", 0)),
        replayed=len(calls.replayed),
        replayed_prompt_tokens=sum(a.prompt_tokens for a in calls.replayed),
        replayed_completion_tokens=sum(a.completion_tokens for a in calls.replayed),
    )


def _error(coder, last_messages: list[tuple[str, str]]) -> str | None:
    """Why the last answer could not be (fully) applied, or None when it was."""
    problem = getattr(coder, "reflected_message", None)
    if problem:  # still unresolved after the last reflection
        tries = coder.num_reflections + 1
        failed = re.findall(r"failed to exactly match lines in (\S+)", problem)
        if failed:
            names = ", ".join(dict.fromkeys(failed))
            head = (
                f"The SEARCH block for {names} did not match the file's text "
                f"({tries} answers tried)."
            )
        else:
            head = f"aider could not apply the model's answer ({tries} answers tried)."
        return f"{head}\n\n{problem.strip()}"
    errors = [text for kind, text in last_messages if kind == "error"]
    if errors:
        return "aider could not finish the edit: " + " ".join(e.strip() for e in errors)
    return None
