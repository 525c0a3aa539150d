"""What litellm knows about a model string: its provider, the keys it needs, its price.

- ``check_model(settings)`` raises ``ConfigError`` before any network attempt when the model
  string names no provider litellm knows, or when the provider's key variable is unset.
  A model served from ``api_base`` (a local or self-hosted OpenAI-compatible server) or by
  Ollama needs no key.
- ``price(model)`` is the per-token price, or ``None`` when litellm has none. Unknown models
  are registered with litellm at a zero price so that its own cost bookkeeping does not fail;
  this module still reports their cost as unknown (``None``), never as free.
- ``count_tokens(text, model)`` counts with litellm's tokenizer for the model (bundled, offline).
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass

from aisci.errors import ConfigError

from . import compat
from ._litellm import load_litellm
from .settings import LLMSettings

log = logging.getLogger(__name__)

MODEL_EXAMPLES = (
    "`gpt-4o`, `anthropic/claude-3-5-sonnet-20241022`, `gemini/gemini-1.5-pro`, "
    "`deepseek/deepseek-chat`, `openrouter/meta-llama/llama-3.1-70b-instruct`, "
    "`ollama/llama3`, or `openai/<name>` with --api-base for any OpenAI-compatible server"
)


@dataclass(frozen=True)
class Price:
    input_per_token: float
    output_per_token: float


_lock = threading.Lock()
_prices: dict[str, Price | None] = {}
_warned_unpriced: set[str] = set()


def provider_of(model: str, api_base: str | None = None) -> str:
    """The litellm provider name for ``model``; ``ConfigError`` when there is none."""
    litellm = load_litellm()
    try:
        return litellm.get_llm_provider(model=model, api_base=api_base)[1]
    except Exception as exc:  # litellm raises BadRequestError subclasses here
        log.debug("get_llm_provider(%r) failed: %s", model, exc)
        raise ConfigError(
            f"Unknown model `{model}`: litellm knows no provider for it.",
            f"Give the model as `provider/model`, e.g. {MODEL_EXAMPLES}.",
        ) from None


def key_variable(provider: str) -> str:
    """The environment variable that usually holds ``provider``'s key (for messages)."""
    return f"{provider.upper()}_API_KEY"


def missing_keys(settings: LLMSettings) -> list[str]:
    """Environment variables the model needs and lacks (empty when none are needed)."""
    if settings.api_base or settings.api_key:
        return []  # a self-hosted server, or a key given explicitly
    litellm = load_litellm()
    report = litellm.validate_environment(model=settings.model)
    # A missing *_API_BASE is not a missing key: Ollama & co. default to localhost.
    missing = [k for k in report.get("missing_keys", []) if not k.upper().endswith("API_BASE")]
    # An empty variable is as good as none, but litellm counts it as set, and the call would
    # then spend its retries on 401s from the real API.
    provider = provider_of(settings.model, settings.api_base)
    for name in _KEY_VARIABLES.get(provider, ()):
        if name in os.environ and not os.environ[name].strip() and name not in missing:
            missing.append(name)
    return missing


_KEY_VARIABLES = {
    "openai": ("OPENAI_API_KEY",),
    "anthropic": ("ANTHROPIC_API_KEY",),
    "gemini": ("GEMINI_API_KEY",),
    "deepseek": ("DEEPSEEK_API_KEY",),
    "openrouter": ("OPENROUTER_API_KEY",),
    "mistral": ("MISTRAL_API_KEY",),
    "groq": ("GROQ_API_KEY",),
    "together_ai": ("TOGETHERAI_API_KEY",),
}


def check_model(settings: LLMSettings) -> str:
    """Validate the model string and the environment; return the provider name."""
    provider = provider_of(settings.model, settings.api_base)
    missing = missing_keys(settings)
    if missing:
        names = ", ".join(missing)
        verb = "is" if len(missing) == 1 else "are"
        raise ConfigError(
            f"Model `{settings.model}` needs an API key: {names} {verb} not set.",
            "Set it in your environment (or choose another --model).",
        )
    return provider


def price(model: str) -> Price | None:
    """Per-token prices from litellm's bundled map; ``None`` (and registered at 0) if unknown."""
    with _lock:
        if model in _prices:
            return _prices[model]
    litellm = load_litellm()
    found: Price | None = None
    try:
        info = litellm.get_model_info(model)
        cin, cout = info.get("input_cost_per_token"), info.get("output_cost_per_token")
        if cin is not None and cout is not None:
            found = Price(float(cin), float(cout))
    except Exception:  # litellm raises a bare Exception for unmapped models
        found = None
    if found is None:
        _register_unpriced(litellm, model)
    with _lock:
        _prices[model] = found
    return found


def _register_unpriced(litellm, model: str) -> None:
    try:
        provider = litellm.get_llm_provider(model=model)[1]
    except Exception:
        provider = "openai"  # an api_base model; the provider only labels the entry
    compat.register_zero_price(litellm, model, provider)


def warn_unpriced_once(model: str) -> None:
    with _lock:
        if model in _warned_unpriced:
            return
        _warned_unpriced.add(model)
    log.warning(
        "No price is known for model %s: its cost shows as unknown and the cost cap "
        "cannot count it.",
        model,
    )


def count_tokens(text: str, model: str) -> int:
    """Tokens in ``text`` for ``model`` (litellm's tokenizer; a generic one if unknown)."""
    return int(load_litellm().token_counter(model=model, text=text))


def count_message_tokens(messages: list[dict], model: str) -> int:
    return int(load_litellm().token_counter(model=model, messages=messages))


def estimate_cost(settings: LLMSettings, messages: list[dict], max_tokens: int) -> float | None:
    """Dollars the call may cost, or ``None`` when the model has no known price."""
    p = price(settings.model)
    if p is None:
        return None
    completion = min(max_tokens, settings.expected_completion_tokens)
    prompt = count_message_tokens(messages, settings.model)
    return prompt * p.input_per_token + completion * p.output_per_token


def supports_json_schema(model: str) -> bool:
    try:
        return bool(load_litellm().supports_response_schema(model=model))
    except Exception:
        return False
