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
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from pathlib import Path
from typing import Any

from aisci.core.atomic import write_text_atomic
from aisci.core.context import Cancelled
from aisci.core.proposals import safe_path
from aisci.errors import AisciError, ConfigError
from aisci.llm.retry import is_transient, status_of
from aisci.llm.settings import RetryPolicy

from .aider_model import has_price, make_model
from .edits import AppliedEdit, EditFailed, EditRefused, ProposedEdit, Usage, unified_diff
from .quiet_io import quiet_io_class

log = logging.getLogger(__name__)

# aider formats whose edits all go through the IO's read_text/write_text. "patch" deletes and
# creates files directly, so it cannot run dry.
EDIT_FORMATS = ("diff", "diff-fenced", "whole", "udiff", "udiff-simple")


class _Stop(BaseException):
    """Unwinds aider's loop at once. A BaseException, because aider catches ``Exception``."""

    def __init__(self, reason: str, cause: BaseException | None = None, hint: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.cause = cause
        self.hint = hint


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


def warm_up() -> None:
    """Import litellm and aider now (several seconds on a busy CPU), e.g. in a background
    thread when the server starts, so that the first edit does not pay for it."""
    from .aider_model import load_litellm

    load_litellm()
    import aider.coders  # noqa: F401

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
    ):
        """``model``: a litellm model string. ``api_base``: an OpenAI-compatible server.
        The key: ``api_key``, else the variable named by ``api_key_env``, else the provider's
        usual variable (litellm reads it). ``max_reflections``: how often an answer aider could
        not apply is sent back to the model. ``retry``: how a model call that failed for a passing
        reason (429, 5xx, timeout) is tried again before ``EditFailed`` (default: the policy of
        every other model call). ``model_info``: litellm-style metadata
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
    ) -> ProposedEdit:
        """Ask the model for the edit; return it without changing anything on disk.
        ``read_only`` files are shown to the model as context and cannot change."""
        return self._run(Path(folder), list(files), instruction, cancel, list(read_only or []))

    def apply(
        self,
        folder: Path,
        files: list[str],
        instruction: str,
        cancel: threading.Event | None = None,
        read_only: list[str] | None = None,
    ) -> AppliedEdit:
        """``propose``, then write every changed file (nothing when the result has an error)."""
        edit = self.propose(folder, files, instruction, cancel, read_only)
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
        from aider.coders import Coder

        io = quiet_io_class()(root, editable)
        coder = Coder.create(
            main_model=model,
            edit_format=self.edit_format,
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
        coder.max_reflections = self.max_reflections
        calls = _Calls(coder, io, cancel, self.retry)
        coder.send = calls.send

        try:
            coder.run(with_message=instruction, preproc=False)  # preproc would run "/commands"
        except _Stop as stop:
            if isinstance(stop.cause, Cancelled):
                raise stop.cause from None
            raise EditFailed(
                f"The code edit of {', '.join(names)} failed: {stop.reason}",
                stop.hint or _hint(stop.reason),
            ) from None
        _check_cancel(cancel)

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
            usage=_usage(coder, calls.requests),
            error=_error(coder, io.recorded[calls.mark :]),
            log=tuple(f"{kind}: {text}" for kind, text in io.recorded),
        )


class _Calls:
    """Wraps ``coder.send`` (one model call): counts calls, keeps each answer, checks the
    cancel event before each call, and retries a call that failed for a passing reason under
    our ``RetryPolicy`` (aider's own loop would give it three tries in under a second)."""

    def __init__(self, coder, io, cancel: threading.Event | None, policy: RetryPolicy):
        self._send = coder.send
        self._coder = coder
        self._io = io
        self.mark = 0  # where the last call's messages start in ``io.recorded``
        self._cancel = cancel
        self._policy = policy
        self.requests = 0
        self.replies: list[str] = []

    def send(self, messages, model=None, functions=None):
        from aider.coders.base_coder import FinishReasonLength

        start = time.monotonic()
        attempt = 0
        while True:
            if self._cancel is not None and self._cancel.is_set():
                raise _Stop("cancelled", Cancelled("The code edit"))
            attempt += 1
            self.requests += 1
            self.mark = len(self._io.recorded)
            try:
                # stream=False: nothing is yielded before the answer is whole, so a failed
                # try leaves nothing half-shown and the next try starts clean.
                yield from self._send(messages, model=model, functions=functions)
                break
            except FinishReasonLength:
                raise  # aider reports a cut-off answer itself; it ends up in ``error``
            except Exception as err:
                elapsed = time.monotonic() - start
                wait = self._policy.delay(attempt - 1)
                passing = is_transient(err)
                if (
                    not passing
                    or attempt >= self._policy.max_attempts
                    or elapsed + wait > self._policy.max_total_s
                ):
                    tries = f" after {attempt} tries in {elapsed:.0f} s" if attempt > 1 else ""
                    raise _Stop(
                        f"the model call failed{tries}: {_one_line(err)}",
                        err,
                        _call_hint(err, passing),
                    ) from None
                log.info(
                    "code edit: model call failed (%s), try %d of %d; retrying in %.2f s",
                    _one_line(err),
                    attempt,
                    self._policy.max_attempts,
                    wait,
                )
                # Waiting on the cancel event lets a cancel cut the backoff short.
                (self._cancel or threading.Event()).wait(wait)
        self.replies.append(self._coder.partial_response_content or "")


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


def _usage(coder, requests: int) -> Usage:
    priced = has_price(coder.main_model)
    return Usage(
        requests=requests,
        prompt_tokens=int(coder.total_tokens_sent or 0),
        completion_tokens=int(coder.total_tokens_received or 0),
        cost_usd=float(coder.total_cost) if priced else None,
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


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split()) or type(err).__name__
    return text if len(text) <= 300 else text[:297] + "..."


def _call_hint(err: BaseException, passing: bool) -> str | None:
    """The hint for a model call that failed, from its status rather than its words (litellm
    reports a refused connection as a 500, so that one is told by its words)."""
    status = status_of(err)
    if status in (401, 403):
        return "Check the API key for the model."
    if status != 429 and re.search(r"connect|timed? ?out", str(err), re.IGNORECASE):
        return "Check that the model's server (api_base) is reachable, then run the edit again."
    if passing:
        return (
            "The provider is overloaded, rate-limiting or failing: wait and rerun with "
            "--resume, lower --parallel, or raise the retry limits."
        )
    return None


def _hint(reason: str) -> str:
    lowered = reason.lower()
    if "auth" in lowered or "api key" in lowered or "401" in lowered:
        return "Check the API key for the model."
    if "connect" in lowered or "timeout" in lowered or "timed out" in lowered:
        return "Check that the model's server (api_base) is reachable, then run the edit again."
    return "Check the model name and server, then run the edit again."
