"""aider's paid answers, kept in the idea folder before aider uses them and replayed on a resume.

Contract:
- ``KeptAnswers(store)`` puts one edit's model calls in an ``AnswerStore`` (llm/answer_store.py):
  the idea folder's ``.aisci/answers.jsonl``, the store the model client keeps the stages'
  answers in, so a kept answer is used at most once per process and ``--replay`` reads the
  file too.
- ``key`` is the cassette's request key (cassette.request_key) of aider's model name, its
  messages and the parameters that change the answer (temperature, max_tokens), with the
  "- Current date: YYYY-MM-DD" line aider writes into its system prompt (the edit formats
  other than "diff") replaced by a fixed line: a resume on another day finds the answer. Only
  system messages are touched, and only that whole line, so a file's text never is. A request
  with functions (tool calls; no edit format aisci uses) is neither kept nor replayed: None.
- ``take(key)``: the answer kept for the request before this process opened the store, or None.
- ``replaying(model, answer)``: a stand-in for aider's model whose ``send_completion`` returns
  the kept answer as a litellm response, without the network, so aider's own ``send`` sets its
  state (the reply, its hashes, what the IO is told) as for a live answer. ``is_replayed``
  tells that response apart, so its cost is not counted: a replay costs nothing.
- ``keeping(model, key, stage)``: a stand-in whose ``send_completion`` makes the live
  call and holds its answer for the store; ``commit()`` keeps what was held (one fsync'd line
  each) once the edit changed a file, before the edit is used, so a stop after it (a cost cap,
  a kill before the run) loses nothing. An edit that failed (no block applied, or nothing
  changed) keeps nothing: replaying its answers would fail the same way on every resume, so
  a resume asks again. An answer cut off at the length limit, or one that calls a tool, is not
  held: replaying its text alone would not make aider do what it did with it.
"""

from __future__ import annotations

import hashlib
import re
import time
from typing import Any

from aisci.llm._litellm import load_litellm
from aisci.llm.answer_store import AnswerStore
from aisci.llm.cassette import Recorded, request_key
from aisci.llm.responses import recorded_of

# aider's platform block (base_coder.get_platform_info): the one line that changes every day.
_DATE_LINE = re.compile(r"^- Current date: \d{4}-\d{2}-\d{2}$", re.MULTILINE)
_ANY_DATE = "- Current date: (any day)"


class _StandIn:
    """aider's model, except for ``send_completion`` (the only thing aider's ``send`` calls)."""

    def __init__(self, model: Any, send_completion):
        self._model = model
        self.send_completion = send_completion

    def __getattr__(self, name: str) -> Any:
        return getattr(self._model, name)


class KeptAnswers:
    """One edit's model calls in an idea folder's answer store; see the module docstring."""

    def __init__(self, store: AnswerStore):
        self._store = store
        self._replayed: list[Any] = []  # the responses handed out as replays (kept alive)
        self._held: list[dict[str, Any]] = []  # live answers of this edit, not kept yet

    def key(self, model: Any, messages: list[dict], functions, temperature) -> str | None:
        if functions is not None:
            return None
        return request_key(model.name, _undated(messages), _params(model, temperature))

    def take(self, key: str | None) -> Recorded | None:
        return None if key is None else self._store.take(key)

    def replaying(self, model: Any, key: str, answer: Recorded) -> _StandIn:
        response = _response(answer, model.name)
        self._replayed.append(response)

        def send_completion(messages, functions, stream, temperature=None):
            return hashlib.sha1(key.encode("ascii")), response

        return _StandIn(model, send_completion)

    def is_replayed(self, completion: Any) -> bool:
        return any(completion is response for response in self._replayed)

    def keeping(self, model: Any, key: str | None, stage: str) -> Any:
        if key is None:
            return model

        def send_completion(messages, functions, stream, temperature=None):
            started = time.monotonic()
            hashed, completion = model.send_completion(messages, functions, stream, temperature)
            if not stream and _whole(completion):
                self._held.append(
                    {
                        "key": key,
                        "stage": stage,
                        "model": model.name,
                        "messages": messages,
                        "params": _params(model, temperature),
                        "answer": recorded_of(completion, model.name),
                        "duration_s": time.monotonic() - started,
                    }
                )
            return hashed, completion

        return _StandIn(model, send_completion)

    def commit(self) -> None:
        """Keep the live answers of an edit that changed a file (see the module docstring)."""
        held, self._held = self._held, []
        for answer in held:
            self._store.keep(**answer)


def _params(model: Any, temperature) -> dict[str, Any]:
    """What aider sends that changes the answer, besides the model and the messages."""
    extra = getattr(model, "extra_params", None) or {}
    return {"temperature": temperature, "max_tokens": extra.get("max_tokens")}


def _whole(completion: Any) -> bool:
    """An answer whose text is all aider took from it: it ended by itself and calls no tool."""
    choices = getattr(completion, "choices", None)
    if not choices:
        return False
    choice = choices[0]
    message = getattr(choice, "message", None)
    return (
        message is not None
        and getattr(choice, "finish_reason", None) != "length"
        and not getattr(message, "tool_calls", None)
    )


def _response(answer: Recorded, model: str) -> Any:
    """The kept answer as the litellm response a live call would have returned."""
    usage = {
        "prompt_tokens": answer.prompt_tokens,
        "completion_tokens": answer.completion_tokens,
        "total_tokens": answer.prompt_tokens + answer.completion_tokens,
    }
    return load_litellm().ModelResponse(
        model=answer.model or model,
        choices=[
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": answer.text},
            }
        ],
        usage=usage,
    )


def _undated(messages: list[dict]) -> list[dict]:
    """``messages`` with the date line of the system messages made the same every day."""
    return [_undated_message(m) if m.get("role") == "system" else m for m in messages]


def _undated_message(message: dict) -> dict:
    content = message.get("content")
    if isinstance(content, str):
        return {**message, "content": _DATE_LINE.sub(_ANY_DATE, content)}
    if isinstance(content, list):  # parts, e.g. with Anthropic's cache marks
        parts = [
            {**p, "text": _DATE_LINE.sub(_ANY_DATE, p["text"])}
            if isinstance(p, dict) and isinstance(p.get("text"), str)
            else p
            for p in content
        ]
        return {**message, "content": parts}
    return message
