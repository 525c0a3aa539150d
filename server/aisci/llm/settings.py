"""Values that configure the LLM client: which model, how to retry, what it may spend."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class RetryPolicy:
    """Capped exponential backoff with full jitter, for 429s, 5xx, timeouts, lost connections,
    within a time budget.

    Try ``n`` (0-based) is followed by a uniform random wait in ``[0, min(max_delay_s,
    base_delay_s * 2**n)]`` ("full jitter": parallel clients do not retry in lock-step), or by
    the provider's ``Retry-After`` when it sent one. The limit is time, not a count of tries:
    no try starts later than ``max_total_s`` seconds (the retry budget, ``--retry-budget``)
    after the first, and a ``Retry-After`` that ends past the budget ends the call at once.
    ``max_attempts`` is an extra cap on the count of tries, for tests and for callers that want
    one try; None (the default) means no cap.
    """

    max_attempts: int | None = None
    base_delay_s: float = 1.0
    max_delay_s: float = 20.0
    # At least 120 s: a provider's 429 storm of 20-60 s must not end a command.
    max_total_s: float = 120.0

    def __post_init__(self) -> None:
        if self.max_attempts is not None and self.max_attempts < 1:
            raise ValueError("RetryPolicy.max_attempts must be at least 1")
        if self.base_delay_s < 0 or self.max_delay_s < 0 or self.max_total_s < 0:
            raise ValueError("RetryPolicy delays must not be negative")

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """The wait before try ``attempt + 1`` (``attempt`` counts failed tries from 0)."""
        ceiling = min(self.max_delay_s, self.base_delay_s * (2 ** min(attempt, 32)))
        return (rng or random).uniform(0.0, ceiling)


@dataclass(frozen=True)
class LLMSettings:
    """How to reach a model. ``model`` is any litellm model string (``gpt-4o``,
    ``anthropic/...``, ``gemini/...``, ``deepseek/...``, ``openrouter/...``, ``ollama/...``,
    ``openai/<name>`` with ``api_base`` for an OpenAI-compatible server).

    Keys come from the providers' usual environment variables; ``api_key`` is only for a
    server that wants a key other than those (it is never written to a cassette or a log).
    """

    model: str
    api_base: str | None = None
    api_key: str | None = field(default=None, repr=False)
    temperature: float = 0.7
    max_tokens: int = 4096
    timeout_s: float = 120.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    # Hard cap on live spending in US dollars (replayed calls cost nothing); None = no cap.
    max_cost_usd: float | None = None
    # The cost estimate assumes min(max_tokens, this) completion tokens: max_tokens is a
    # ceiling that answers rarely reach, and a pessimistic estimate would stop runs early.
    expected_completion_tokens: int = 1000
    # Re-asks of a malformed JSON answer before LLMFormatError.
    json_reasks: int = 2
    # The provider's JSON-schema mode (response_format json_schema): "auto" where litellm
    # says the model supports it, "on" always (a local server litellm does not know), "off" never.
    structured_output: str = "auto"
    # Stream answers (lets a cancel stop a call between chunks).
    stream: bool = False
    record: Path | None = None
    replay: Path | None = None
