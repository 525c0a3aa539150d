"""aider's ``Coder`` for one dry-run edit of the listed files, and nothing else.

``new_coder`` builds it around a model from ``aider_model.make_model`` and a silent IO from
``quiet_io``: no git, no commits, no lint or test runs, no streaming, no repository map, no URL
or shell-command suggestions, no prompt caching, no analytics file (``_NoAnalytics``) and no
chat summaries (``_NoSummary``: an extra model call a one-shot edit does not need). The files are
named to the model relative to ``root`` ("latex/template.tex"), whatever their common parent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

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
    from aider.coders import Coder

    io = quiet_io_class()(root, editable)
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
        cache_prompts=False,
        verbose=False,
    )
    # Names relative to the folder ("latex/template.tex"), whatever the files' common parent.
    coder.root = str(root)
    coder.abs_root_path_cache = {}
    coder.max_reflections = max_reflections
    return coder, io
