"""A litellm response as aisci records it: its text, its tokens and what it cost.

Contract: ``recorded_of(response, model)`` turns a litellm ``ModelResponse`` (streamed and
rebuilt, or not) into the ``Recorded`` answer the cassette and the ledger keep. The cost is
litellm's own price for the response where it knows the model, else the price table's
(llm/models.py), else None (an unpriced model: the ledger says so).
"""

from __future__ import annotations

import logging
from typing import Any

from ._litellm import load_litellm
from .caching import cached_prompt_tokens
from .cassette import Recorded
from .models import price

log = logging.getLogger(__name__)


def recorded_of(response: Any, model: str) -> Recorded:
    choice = response.choices[0] if response.choices else None
    text = (choice.message.content if choice is not None else None) or ""
    usage = getattr(response, "usage", None)
    prompt = int(getattr(usage, "prompt_tokens", 0) or 0)
    completion = int(getattr(usage, "completion_tokens", 0) or 0)
    return Recorded(
        text=text,
        prompt_tokens=prompt,
        completion_tokens=completion,
        # litellm's completion_cost prices these at the cached rate from the same usage.
        cost_usd=_cost(response, model, prompt, completion),
        model=str(getattr(response, "model", "") or model),
        cached_prompt_tokens=min(prompt, cached_prompt_tokens(usage)),
    )


def _cost(response: Any, model: str, prompt: int, completion: int) -> float | None:
    p = price(model)
    if p is None:
        return None
    litellm = load_litellm()
    for kwargs in ({}, {"model": model}):
        try:
            return float(litellm.completion_cost(completion_response=response, **kwargs))
        except Exception as exc:  # an unmapped dated snapshot name, for instance
            log.debug("completion_cost failed (%s); trying the next way", exc)
    return prompt * p.input_per_token + completion * p.output_per_token
