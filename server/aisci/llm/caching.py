"""Prompt caching: where a request marks its stable prefix, and what a response says was cached.

Contract:
- ``needs_cache_control(model)``: true for Anthropic models, directly (``anthropic/...``,
  ``claude-...``) or on Bedrock (``bedrock/...anthropic...``), which cache only the prefix a
  request marks. Other providers (OpenAI, DeepSeek, Gemini's implicit cache) cache a repeated
  prefix on their own and get the messages unchanged.
- ``with_cache_breakpoints(messages)`` returns a copy that marks, with Anthropic's
  ``cache_control: {"type": "ephemeral"}`` (litellm passes it through), the system message and,
  in a conversation, the message before the last user turn: the prompts put what is stable
  first (the stage's system prompt and material), so the marks sit at the end of what repeats.
  At most two marks (Anthropic allows four); the caller's list is never changed.
- ``cached_prompt_tokens(usage)``: the prompt tokens a provider served from its cache, from
  litellm's usage (``prompt_tokens_details.cached_tokens``, OpenAI style, which litellm also
  fills for Anthropic; else ``cache_read_input_tokens``); 0 when it says nothing.
"""

from __future__ import annotations

import copy
from typing import Any

EPHEMERAL = {"type": "ephemeral"}


def needs_cache_control(model: str) -> bool:
    name = model.lower()
    if name.startswith("bedrock/"):
        return "anthropic" in name
    return name.startswith(("anthropic/", "claude-"))


def _marked(message: dict) -> dict:
    content = message.get("content")
    if isinstance(content, str):
        parts: list[Any] = [{"type": "text", "text": content}]
    elif isinstance(content, list) and content:
        parts = copy.deepcopy(content)
    else:
        return message  # nothing to mark (an empty message)
    parts[-1] = {**parts[-1], "cache_control": dict(EPHEMERAL)}
    return {**message, "content": parts}


def with_cache_breakpoints(messages: list[dict]) -> list[dict]:
    out = list(messages)
    marks = set()
    if out and out[0].get("role") == "system":
        marks.add(0)
    last_user = max((i for i, m in enumerate(out) if m.get("role") == "user"), default=-1)
    if last_user >= 2:  # a conversation: everything before its last turn repeats next time
        marks.add(last_user - 1)
    for i in marks:
        out[i] = _marked(out[i])
    return out


def cached_prompt_tokens(usage: Any) -> int:
    if usage is None:
        return 0

    def field(obj: Any, name: str) -> Any:
        return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)

    details = field(usage, "prompt_tokens_details")
    cached = field(details, "cached_tokens") if details is not None else None
    if not cached:
        cached = field(usage, "cache_read_input_tokens")
    try:
        return max(0, int(cached or 0))
    except (TypeError, ValueError):
        return 0
