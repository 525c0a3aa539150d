"""aider's ``InputOutput``, made silent, non-interactive and unable to write to disk.

aider talks to a terminal: it prints answers, diffs, warnings and questions to stdout, and
asks y/n questions on stdin. Inside the language server stdout is the protocol and there is no
person at stdin, so ``quiet_io_class()`` returns a subclass that

- records every message (``recorded``: ``(kind, text)`` pairs) instead of printing; its rich
  console writes into a string buffer, so a message path we did not override stays off stdout;
- answers every question "no" without reading stdin, and remembers which files the model
  wanted to create or add (``refused``): aider asks before editing any file outside the chat,
  so a "no" here is what keeps edits inside the allowed files;
- keeps every write in memory (``overlay``: absolute path -> text) and serves later reads of
  that file from it, so several edit blocks on one file chain as they would on disk while the
  disk stays untouched. The caller decides what, if anything, gets written.

aider is imported only when the class is first asked for (it pulls in litellm: seconds).
"""

from __future__ import annotations

import functools
import io
import logging
from collections.abc import Mapping
from pathlib import Path

log = logging.getLogger(__name__)

# The questions aider asks before editing a file that is not in the chat.
_FILE_QUESTIONS = ("Create new file?", "Allow edits to file that has not been added to the chat?")


class _NullStream:
    """Stands in for aider's live markdown renderer (it draws on the terminal)."""

    def update(self, text: str, final: bool = False) -> None:
        pass


@functools.lru_cache(maxsize=1)
def quiet_io_class() -> type:
    # deferred: aider takes ~0.45 s to import; only an AI edit needs it
    from aider.io import InputOutput
    from rich.console import Console

    class QuietIO(InputOutput):
        def __init__(self, root: Path, editable: Mapping[str, str]):
            # Set before the base __init__, which may already report through tool_output.
            self.recorded: list[tuple[str, str]] = []
            self.asked: list[tuple[str, str | None]] = []
            self.refused: list[str] = []
            self.overlay: dict[str, str] = {}
            self._editable = dict(editable)  # absolute resolved path -> folder-relative name
            super().__init__(
                pretty=False,
                yes=False,
                fancy_input=False,
                dry_run=True,
                root=str(root),
                chat_history_file=None,
                input_history_file=None,
                llm_history_file=None,
                notifications=False,
                encoding="utf-8",
            )
            self.pretty = False
            # Anything that still reaches the console lands here, not on stdout.
            self.console = Console(
                file=io.StringIO(), force_terminal=False, no_color=True, width=100
            )

        # -- messages: recorded, never printed --------------------------------------------
        def _record(self, kind: str, text: object) -> None:
            text = str(text)
            if text.strip():
                self.recorded.append((kind, text))
                log.debug("aider %s: %s", kind, text)

        def tool_output(self, *messages, log_only=False, bold=False):
            self._record("output", " ".join(str(m) for m in messages))

        def tool_warning(self, message="", strip=True):
            self._record("warning", message)

        def tool_error(self, message="", strip=True):
            self.num_error_outputs += 1
            self._record("error", message)

        def assistant_output(self, message, pretty=None):
            self._record("assistant", message)

        def print(self, message=""):
            self._record("output", message)

        def user_input(self, inp, log_only=True):
            pass

        def display_user_input(self, inp):
            pass

        def ai_output(self, content):
            pass

        def append_chat_history(self, text, linebreak=False, blockquote=False, strip=True):
            pass

        def add_to_input_history(self, inp):
            pass

        def rule(self):
            pass

        def ring_bell(self):
            pass

        def get_assistant_mdstream(self):
            return _NullStream()

        # -- questions: answered "no", never read from stdin --------------------------------
        def get_input(self, *args, **kwargs):
            raise EOFError  # aider's own signal for "no more input"

        def confirm_ask(
            self,
            question,
            default="y",
            subject=None,
            explicit_yes_required=False,
            group=None,
            allow_never=False,
        ):
            self.num_user_asks += 1
            self.asked.append((question, subject))
            log.debug("aider asked %r about %r: answered no", question, subject)
            if question in _FILE_QUESTIONS and subject:
                self.refused.append(subject)
            return False

        def prompt_ask(self, question, default="", subject=None):
            self.num_user_asks += 1
            self.asked.append((question, subject))
            return default

        def offer_url(self, url, prompt="Open URL for more info?", allow_never=True):
            return False

        # -- files: reads see earlier in-memory writes; writes never reach the disk ---------
        def read_text(self, filename, silent=False):
            key = str(Path(filename).resolve())
            if key in self.overlay:
                return self.overlay[key]
            return super().read_text(filename, silent=silent)

        def write_text(self, filename, content, max_retries=5, initial_delay=0.1):
            key = str(Path(filename).resolve())
            if key in self._editable:
                self.overlay[key] = content
            else:  # aider asks before such writes and we say no: a second fence only
                self.refused.append(str(filename))
                self._record("error", f"refused a write to {filename}")

    return QuietIO
