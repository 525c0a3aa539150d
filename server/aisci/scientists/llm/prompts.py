"""The LLM scientist's prompt texts: ``server/aisci/llm/prompts/*.md``, filled with str.format.

Contract:
- ``load_prompts()`` reads every ``*.md`` in the prompts folder except README.md, once per
  process, and returns ``{name without .md: text}``.
- ``render(name, **fields)`` fills the ``{placeholders}`` of one prompt (``{{``/``}}`` are
  literal braces). A missing or an unused field is a programming error (``KeyError`` /
  ``ValueError``): a prompt and its caller must not drift apart silently.
"""

from __future__ import annotations

import string
from functools import lru_cache
from pathlib import Path

import aisci.llm

PROMPTS_DIR = Path(aisci.llm.__file__).resolve().parent / "prompts"


@lru_cache(maxsize=1)
def load_prompts() -> dict[str, str]:
    prompts = {}
    for path in sorted(PROMPTS_DIR.glob("*.md")):
        if path.name.lower() == "readme.md":
            continue
        prompts[path.stem] = path.read_text(encoding="utf-8").strip()
    return prompts


def placeholders(name: str) -> set[str]:
    """The field names a prompt expects."""
    return {field for _, field, _, _ in string.Formatter().parse(load_prompts()[name]) if field}


def render(name: str, **fields: object) -> str:
    text = load_prompts()[name]
    unused = set(fields) - placeholders(name)
    if unused:
        raise ValueError(f"prompt {name} has no placeholder for {sorted(unused)}")
    return text.format(**fields)
