"""aider's ``Model`` for a litellm model string, built without touching the network.

Left alone, ``aider.models.Model(name)`` downloads litellm's price list from GitHub for any
model it has no metadata for (a 5 s timeout, retried in every process, with the failure
printed to stdout), builds a second "weak" model that downloads again, and reads the API base
and key from process-wide environment variables. ``make_model``

- gives aider local metadata for the model (litellm's bundled entry when litellm knows the
  model, else a minimal entry), so it never asks the network; a caller's ``model_info``
  (context size, price) applies to its own model object only;
- makes the model its own weak and editor model (no second lookup);
- passes ``api_base``, the key, the request timeout and "no SDK retries" per model (``extra_params``), never
  through ``os.environ``: several ideas may edit at once in threads, against different servers;
- refuses a model string litellm has no provider for with a ``ConfigError``, before aider
  would print litellm's complaint to stdout.

litellm is imported offline-safe (the bundled price map, no banners on stdout, no Hugging Face
tokenizer download for llama-named models). Every change to litellm's or aider's process-wide
state is made in ``aisci.llm.compat``.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from aisci.errors import ConfigError
from aisci.llm import compat
from aisci.llm._litellm import load_litellm as _load_shared


def load_litellm() -> ModuleType:
    """litellm as ``aisci.llm`` loads it, and without Hugging Face tokenizer downloads."""
    litellm = _load_shared()
    compat.no_tokenizer_download(litellm)
    return litellm


def make_model(
    name: str,
    *,
    api_base: str | None,
    api_key: str | None,
    timeout_s: float,
    model_info: dict[str, Any] | None = None,
):
    """An aider ``Model`` for ``name`` that will not reach beyond ``api_base``."""
    litellm = load_litellm()
    # deferred: aider takes ~0.45 s to import; only an AI edit needs it
    from aider import models as aider_models

    name = compat.aider_alias(name)  # aider's short names: "sonnet", ...
    try:
        litellm.get_llm_provider(model=name, api_base=api_base)
    except Exception:
        raise ConfigError(
            f"Unknown model `{name}` for code edits: litellm knows no provider for it.",
            "Give the model as `provider/model`, e.g. `gpt-4o`, `anthropic/claude-3-5-sonnet-20241022`,"
            " or `openai/<name>` with an API base for an OpenAI-compatible server.",
        ) from None
    compat.add_aider_metadata(name, lambda: _known_metadata(litellm, name))
    model = aider_models.Model(name, weak_model=name, editor_model=name)
    if model_info:  # this coder's own view (context size, price), not the shared table's
        model.info = {**model.info, **model_info}
    # A fresh dict: aider shares ``extra_params`` with its global settings table.
    extra = dict(model.extra_params or {})
    extra["timeout"] = timeout_s
    extra["max_retries"] = 0  # the OpenAI SDK's own retries (2 by default) hide behind ours
    if api_base:
        extra["api_base"] = api_base
    if api_key:
        extra["api_key"] = api_key
    model.extra_params = extra
    return model


def _known_metadata(litellm: ModuleType, name: str) -> dict[str, Any]:
    """litellm's bundled entry for ``name``; a minimal one for a model it has not heard of.

    The entry must not be empty: an empty one is what sends aider to the network.
    """
    try:
        info = dict(litellm.get_model_info(name))
    except Exception:
        info = {}
    return {"mode": "chat", **{k: v for k, v in info.items() if v is not None}}


def has_price(model: Any) -> bool:
    return bool(model.info.get("input_cost_per_token") or model.info.get("output_cost_per_token"))
