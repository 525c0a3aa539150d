"""The original system's model names, mapped to the litellm strings that reach the same service.

The original (``launch_scientist.py --model``) took bare names and picked a client for each:
``deepseek-chat`` went to api.deepseek.com, ``llama3.1-405b`` to OpenRouter, ``gemini-*`` to
Google's API with GEMINI_API_KEY. litellm reads bare names differently (a bare ``gemini-*`` is
Vertex AI, ``llama3.1-405b`` is unknown), so ``resolve_model`` rewrites them. Names litellm
already routes as the original did (``gpt-4o-2024-05-13``, ``claude-3-5-sonnet-20240620``,
``bedrock/...``, ``vertex_ai/...``) pass through unchanged. docs/cli.md lists every mapping.
"""

from __future__ import annotations

# original name -> (litellm name, a note where the meaning changed or "" where it did not)
ORIGINAL_MODELS: dict[str, tuple[str, str]] = {
    "deepseek-chat": ("deepseek/deepseek-chat", ""),
    "deepseek-reasoner": ("deepseek/deepseek-reasoner", ""),
    "deepseek-coder-v2-0724": (
        "deepseek/deepseek-coder",
        "DeepSeek retired DeepSeek-Coder-V2-0724; its API now serves its current chat "
        "model under the name deepseek-coder, not the model of the original's paper",
    ),
    "llama3.1-405b": (
        "openrouter/meta-llama/llama-3.1-405b-instruct",
        "served by OpenRouter (OPENROUTER_API_KEY), as in the original",
    ),
}


def resolve_model(model: str | None) -> tuple[str | None, str]:
    """(the litellm model string, a note to show the user; empty when the name is unchanged)."""
    if not model:
        return model, ""
    if model in ORIGINAL_MODELS:
        mapped, note = ORIGINAL_MODELS[model]
        return mapped, f"model {model} (the original's name) is {mapped}" + (
            f": {note}" if note else ""
        )
    if model.startswith("gemini-"):
        # The original called Google's Gemini API with GEMINI_API_KEY; a bare gemini-* in litellm is Vertex AI.
        mapped = f"gemini/{model}"
        return (
            mapped,
            f"model {model} (the original's name) is {mapped}, Google's Gemini API with GEMINI_API_KEY",
        )
    return model, ""
