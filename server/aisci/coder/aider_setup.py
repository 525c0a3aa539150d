"""aider's ``Coder`` for one dry-run edit of the listed files, and nothing else.

``new_coder`` builds it around a model from ``aider_model.make_model`` and a silent IO from
``quiet_io``: no git, no commits, no lint or test runs, no streaming, no repository map, no URL
or shell-command suggestions, no analytics file (``_NoAnalytics``) and no
chat summaries (``_NoSummary``: an extra model call a one-shot edit does not need). The files are
named to the model relative to ``root`` ("latex/template.tex"), whatever their common parent.
What the model gets: the edit-format rules once, in the system prompt (no reminder after the
instruction; for the "diff" format our shorter text of edit_prompts.py, with its one example),
the listed files, the instruction; prompt-cache marks where the model needs them (aider's
``cache_prompts``, Anthropic only), no cache-warming pings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aisci.llm.caching import cached_prompt_tokens

from .edit_prompts import lean_prompts
from .quiet_io import quiet_io_class


class _NoAnalytics:
    """aider's own "disabled" Analytics still writes ~/.aider/analytics.json; this does not."""

    def event(self, *args, **kwargs) -> None:
        pass


class _NoSummary:
    """Never summarises the chat: a one-shot edit has no history worth an extra model call."""

    def too_big(self, messages) -> bool:
        return False

    def summarize(self, messages, depth=0):
        return messages

    def summarize_all(self, messages):
        return messages


def new_coder(
    model,
    edit_format: str,
    root: Path,
    editable: dict[str, str],
    context: list[str],
    max_reflections: int,
) -> tuple[Any, Any]:
    """(the coder, its IO) for ``editable`` (absolute path -> the name the model sees), with the
    ``context`` files read-only. aider is imported here, after ``make_model`` has imported
    litellm with the offline settings."""
    # deferred: aider takes ~0.45 s to import; only an AI edit needs it
    from aider.coders import Coder

    io = quiet_io_class()(root, editable)
    # The edit-format rules go once, in the system prompt (aider puts them there too), not again
    # after the instruction: ~570 tokens a call that repeat what the system prompt says.
    model.reminder = None
    coder = Coder.create(
        main_model=model,
        edit_format=edit_format,
        io=io,
        fnames=list(editable),
        read_only_fnames=context,
        use_git=False,
        auto_commits=False,
        dirty_commits=False,
        dry_run=True,
        auto_lint=False,
        auto_test=False,
        stream=False,
        map_tokens=0,
        detect_urls=False,
        suggest_shell_commands=False,
        analytics=_NoAnalytics(),
        summarizer=_NoSummary(),
        # Cache marks on the stable part (system, examples, files) where the model needs them
        # (Anthropic: aider's model.cache_control); other providers cache on their own.
        cache_prompts=True,
        verbose=False,
    )
    # Names relative to the folder ("latex/template.tex"), whatever the files' common parent.
    coder.root = str(root)
    coder.abs_root_path_cache = {}
    coder.max_reflections = max_reflections
    if edit_format == "diff":  # the block rules in our words, once, with no date in them
        coder.gpt_prompts = lean_prompts(coder.gpt_prompts)
    _count_cached_tokens(coder)
    return coder, io


def _count_cached_tokens(coder) -> None:
    """Sums, in ``coder.aisci_cached_tokens``, the prompt tokens each answer's usage says the
    provider served from its cache (aider prices them, but keeps no count)."""
    report = coder.calculate_and_show_tokens_and_cost
    coder.aisci_cached_tokens = 0

    def counted(messages, completion=None):
        coder.aisci_cached_tokens += cached_prompt_tokens(getattr(completion, "usage", None))
        return report(messages, completion)

    coder.calculate_and_show_tokens_and_cost = counted
