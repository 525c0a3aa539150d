"""Code edits by aider, used as a library: propose (dry run) or apply, inside one folder.

    coder = AiderCoder("openai/gpt-4o", edit_format="diff")
    edit = coder.propose(idea_dir, ["experiment.py"], "Use a cosine learning-rate schedule.")
    if edit.ok: proposals = edit.proposals(stage="experiments")   # one per changed file

Contract:
- ``propose`` changes nothing on disk. aider runs with its dry-run flags *and* an IO whose
  writes stay in memory (``quiet_io``), so the result holds every changed file's whole new
  text, the originals and a unified diff per file. ``apply`` runs the same dry run and then
  writes the changed files (atomically, each checked unchanged since it was read); when the
  result has an ``error`` nothing is written.
- Only the listed files can change. They must exist inside ``folder`` (symlinks are followed
  and must stay inside). An answer that edits any other file (``../x.py``, an absolute path,
  a new file) raises ``EditRefused`` naming it, and nothing is written.
- An answer aider cannot apply (a SEARCH block that matches nothing) is sent back to the model
  up to ``max_reflections`` times, as aider does; if it still fails, the result carries
  ``error`` (aider's explanation, naming the file and the block), which the pipeline can feed
  back to the model. That is a result, not an exception. Blocks that did apply are kept in
  ``proposed`` (and ``apply`` writes nothing).
- A model call that fails for a passing reason (429, 408, 5xx, a timeout, a lost connection)
  is tried again under ``retry`` (``aisci.llm.RetryPolicy``: the capped backoff of every other
  model call, waiting on the cancel event), never by aider's own sub-second loop. A call that
  still fails, or fails for good (a bad key, another 4xx), raises ``EditFailed`` whose hint
  says which: the key, the provider's load, the server's reachability or the model name.
- Silent: aider writes nothing to stdout or stderr and never reads stdin; what it says is in
  ``result.log`` and in the ``aisci.coder`` logger at DEBUG.
- Offline-safe: no model-metadata download, no analytics file, no update check (see
  ``aider_model``). The only connections are the model calls to ``api_base``.
- Threads: each call builds its own aider objects and never changes the working directory or
  the environment, so ideas can edit in parallel threads without a lock.
- Cancellation: ``cancel`` is checked before the first model call, before every retry or
  reflection, and before anything is written (a wait between tries ends when it is set); when
  set, ``aisci.core.context.Cancelled`` is raised. A model call already in flight runs to its end (bounded by ``timeout_s``).
- The instruction goes to the model as it is: never run as an aider command ("/run ...").
- Paid answers kept (``answers``: the idea folder's ``AnswerStore``, the model client's): the
  live answers of an edit that changed a file are kept there before the edit is returned (a
  failed edit keeps none: a resume asks again), and a request whose answer the store held
  when it was opened (a resumed process) is replayed from it, free (``usage.replayed``).

This module is the public edit (the files checked, the run, the writes of ``apply``); the parts
it puts together: ``aider_model.py`` (the model, offline), ``quiet_io.py`` (the IO),
``aider_setup.py`` (the dry-run Coder), ``model_calls.py`` (each model call, retried and
cancellable), ``kept_answers.py`` (answers kept and replayed) and ``edit_result.py`` (what aider left, as a ``ProposedEdit``).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aisci.core.atomic import write_text_atomic
from aisci.core.context import Cancelled
from aisci.core.proposals import safe_path
from aisci.errors import AisciError, ConfigError
from aisci.llm.answer_store import AnswerStore
from aisci.llm.limiter import Limiter
from aisci.llm.models import provider_of
from aisci.llm.settings import RetryPolicy

from .aider_model import load_litellm, make_model
from .aider_setup import new_coder
from .edit_result import edit_result
from .edits import AppliedEdit, EditFailed, ProposedEdit
from .kept_answers import KeptAnswers
from .model_calls import ModelCalls, Stop, failure_hint
from .quiet_io import quiet_io_class

if TYPE_CHECKING:
    from aisci.core.events import RetryWaiting

# aider formats whose edits all go through the IO's read_text/write_text. "patch" deletes and
# creates files directly, so it cannot run dry.
EDIT_FORMATS = ("diff", "diff-fenced", "whole", "udiff", "udiff-simple")


def warm_up() -> None:
    """Import litellm and aider now (several seconds on a busy CPU), e.g. in a background
    thread when the server starts, so that the first edit does not pay for it."""
    load_litellm()
    # deferred: this warm-up is aider's import itself (~0.45 s), paid in a background thread
    import aider.coders  # noqa: F401 - imported for its load time (the warm-up), not its names

    quiet_io_class()


class AiderCoder:
    def __init__(
        self,
        model: str,
        api_base: str | None = None,
        api_key_env: str | None = None,
        edit_format: str = "diff",
        timeout_s: float = 600.0,
        *,
        api_key: str | None = None,
        max_reflections: int = 2,
        retry: RetryPolicy | None = None,
        model_info: dict[str, Any] | None = None,
        limiter: Limiter | None = None,
        on_wait: Callable[[RetryWaiting], None] | None = None,
    ):
        """``model``: a litellm model string. ``api_base``: an OpenAI-compatible server.
        The key: ``api_key``, else the variable named by ``api_key_env``, else the provider's
        usual variable (litellm reads it). ``max_reflections``: how often an answer aider could
        not apply is sent back to the model. ``retry``: how a model call that failed for a passing
        reason (429, 5xx, timeout) is tried again before ``EditFailed`` (default: the policy of
        every other model call; ``limiter``, the process's shared limiter of the provider, and
        ``on_wait``, told of every wait, are the model client's). ``model_info``: litellm-style metadata
        (``max_input_tokens``, ``input_cost_per_token``, ...) for a model litellm lacks."""
        if edit_format not in EDIT_FORMATS:
            raise ConfigError(
                f"Unknown edit format {edit_format!r} for code edits.",
                f"Use one of: {', '.join(EDIT_FORMATS)}.",
            )
        if api_key is None and api_key_env:
            api_key = os.environ.get(api_key_env)
            if not api_key:
                raise ConfigError(
                    f"The API key variable {api_key_env} is not set.",
                    f"Set {api_key_env} in the environment the server starts in.",
                )
        if max_reflections < 0 or timeout_s <= 0:
            raise ConfigError("Code edits need max_reflections >= 0 and timeout_s > 0.")
        self.model = model
        self.api_base = api_base
        self.edit_format = edit_format
        self.timeout_s = timeout_s
        self.max_reflections = max_reflections
        self.retry = retry or RetryPolicy()
        self.limiter = limiter
        self.on_wait = on_wait
        self._api_key = api_key
        self._model_info = model_info

    def __repr__(self) -> str:  # never shows the key
        return (
            f"AiderCoder(model={self.model!r}, api_base={self.api_base!r}, "
            f"edit_format={self.edit_format!r})"
        )

    # -- public ---------------------------------------------------------------------------
    def propose(
        self,
        folder: Path,
        files: list[str],
        instruction: str,
        cancel: threading.Event | None = None,
        read_only: list[str] | None = None,
        *,
        answers: AnswerStore | None = None,
    ) -> ProposedEdit:
        """Ask the model for the edit; return it without changing anything on disk.
        ``read_only`` files are shown to the model as context and cannot change. ``answers``:
        where paid answers are kept and replayed from (None: nowhere)."""
        return self._run(
            Path(folder), list(files), instruction, cancel, list(read_only or []), answers
        )

    def apply(
        self,
        folder: Path,
        files: list[str],
        instruction: str,
        cancel: threading.Event | None = None,
        read_only: list[str] | None = None,
        *,
        answers: AnswerStore | None = None,
    ) -> AppliedEdit:
        """``propose``, then write every changed file (nothing when the result has an error)."""
        edit = self.propose(folder, files, instruction, cancel, read_only, answers=answers)
        written: list[str] = []
        if edit.ok and edit.proposed:
            _check_cancel(cancel)
            root = Path(edit.folder)
            for file in edit.changed_files:  # all checked first: all written or none
                if safe_path(root, file).read_text(encoding="utf-8") != edit.originals[file]:
                    raise AisciError(
                        f"{file} changed on disk while its edit was being made: "
                        "nothing was written.",
                        "Run the edit again.",
                    )
            for file in edit.changed_files:
                write_text_atomic(safe_path(root, file), edit.proposed[file])
                written.append(file)
        fields = {name: getattr(edit, name) for name in ProposedEdit.__dataclass_fields__}
        return AppliedEdit(**fields, written=tuple(written))

    # -- the run --------------------------------------------------------------------------
    def _run(
        self,
        folder: Path,
        files: list[str],
        instruction: str,
        cancel: threading.Event | None,
        read_only: list[str],
        answers: AnswerStore | None,
    ) -> ProposedEdit:
        _check_cancel(cancel)
        if not files:
            raise AisciError(
                "A code edit needs at least one file to edit.",
                "Name the files the edit may change.",
            )
        root = folder.resolve()
        # absolute resolved path -> the name aider shows the model ("./a.py" -> "a.py")
        paths = [_existing_file(root, f) for f in files]
        editable = {str(p): p.relative_to(root).as_posix() for p in paths}
        names = tuple(dict.fromkeys(editable.values()))
        context = [str(_existing_file(root, f)) for f in read_only]
        originals = {
            name: Path(path).read_text(encoding="utf-8") for path, name in editable.items()
        }

        # The model first: it imports litellm with the offline settings before aider can.
        model = make_model(
            self.model,
            api_base=self.api_base,
            api_key=self._api_key,
            timeout_s=self.timeout_s,
            model_info=self._model_info,
        )
        coder, io = new_coder(
            model, self.edit_format, root, editable, context, self.max_reflections
        )
        kept = KeptAnswers(answers) if answers is not None else None
        calls = ModelCalls(
            coder,
            io,
            cancel,
            self.retry,
            provider=_provider(self.model, self.api_base),
            limiter=self.limiter,
            on_wait=self.on_wait,
            kept=kept,
        )
        coder.send = calls.send

        try:
            coder.run(with_message=instruction, preproc=False)  # preproc would run "/commands"
        except Stop as stop:
            if isinstance(stop.cause, Cancelled):
                raise stop.cause from None
            raise EditFailed(
                f"The code edit of {', '.join(names)} failed: {stop.reason}",
                stop.hint or failure_hint(stop.reason),
            ) from None
        _check_cancel(cancel)
        edit = edit_result(root, names, editable, originals, instruction, coder, io, calls)
        if kept is not None and edit.ok and edit.changed_files:
            kept.commit()  # before the edit is used; a failed edit keeps nothing (kept_answers.py)
        return edit


def _provider(model: str, api_base: str | None) -> str:
    """The provider's name for the wait messages ("rate-limited by openai")."""
    try:
        return provider_of(model, api_base)
    except AisciError:
        return "the provider"


def _check_cancel(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise Cancelled("The code edit")


def _existing_file(root: Path, file: str) -> Path:
    path = safe_path(root, file)  # AisciError naming the file when it leaves the folder
    if not path.is_file():
        raise AisciError(
            f"Cannot edit {file}: there is no such file in {root}.",
            "Create the file first (it may be empty), or name an existing one.",
        )
    return path
