"""Every change aisci makes to litellm's and aider's process-wide state, in one place, for the
versions tested here.

Contract: nothing else in aisci sets a litellm or aider module attribute, writes to one of
their module-level tables or sets their environment variables (a test checks this); it calls
the functions here. Importing this module imports neither library: the functions for litellm
take its module (typed ``Any``: mypy does not follow litellm), those for aider import it when
called. Tested with aider-chat 0.86.2 (pinned in pyproject.toml) and the litellm it pins,
1.81.10.

litellm:
- ``offline_environment()``, before the import: the bundled price map instead of a download,
  and offline mode (a download hangs for seconds on a network that drops packets). Set only
  where the environment has not already chosen.
- ``quiet(litellm)``, after it: no banners ("Provider List", "Give Feedback") and no verbose
  prints on stdout, which is the language server's protocol; no telemetry.
- ``no_tokenizer_download(litellm)``: ``token_counter`` would otherwise fetch a tokenizer from
  Hugging Face for llama-3 names (set when a code edit loads litellm).
- ``register_zero_price(litellm, model, provider)``: an entry at price 0 in litellm's global
  price table, for a model it has none for, so that its own cost bookkeeping does not fail.

aider:
- ``aider_alias(name)`` reads ``aider.models.MODEL_ALIASES`` (aider's short names: "sonnet").
- ``add_aider_metadata(name, entry)`` adds an entry to aider's process-wide model table
  (``aider.models.model_info_manager.local_model_metadata``) where it has none: an empty entry
  is what sends aider to the network for a price list. Entries are only ever added.

Process-wide too, but aider's doing, not ours: when aider first loads litellm
(``aider/llm.py``) it sets ``litellm.drop_params = True`` and the variables ``OR_SITE_URL``,
``OR_APP_NAME`` and ``LITELLM_MODE``.

``check_versions()`` (``load_litellm`` calls it before the first import) refuses other
versions with a message naming the versions found and what to do; tests/llm/test_compat.py
checks the versions and that every attribute and table used here exists, so an upgrade fails
that one test with its reason rather than silently (setting a module attribute litellm
renamed would change nothing).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

from aisci import versions
from aisci.errors import ConfigError

TESTED = {"aider-chat": "0.86.2", "litellm": "1.81.10"}
# What is set or written, for the test: module -> names.
SETTINGS = {
    "litellm": ("suppress_debug_info", "set_verbose", "telemetry", "disable_hf_tokenizer_download"),
}
TABLES = {
    "litellm": ("register_model",),
    "aider.models": ("MODEL_ALIASES", "model_info_manager.local_model_metadata"),
}
ENVIRONMENT = {"LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_OFFLINE_MODE": "true"}

_aider_lock = threading.Lock()


def installed_versions() -> dict[str, str | None]:
    """The installed version of each tested package; ``None`` where it is not installed."""
    return versions.installed(TESTED)


def version_problem() -> str | None:
    """What differs from the tested versions, in words; ``None`` when nothing does."""
    return versions.differences(TESTED, installed_versions())


def check_versions() -> None:
    """Refuse litellm and aider at versions other than the tested ones (``ConfigError``)."""
    problem = version_problem()
    if problem is None:
        return
    raise ConfigError(
        f"Model calls and code edits cannot start: this environment has {problem}. aisci "
        "changes their process-wide settings (aisci/llm/compat.py), which other versions may "
        "not have.",
        f"Install the tested versions (pip install 'aider-chat=={TESTED['aider-chat']}', which "
        f"pins litellm=={TESTED['litellm']}; or reinstall aisci: pip install -e .). To move aisci "
        "to other versions, change TESTED in aisci/llm/compat.py and the pin in pyproject.toml, "
        "then run tests/llm and tests/coder.",
    )


def offline_environment() -> None:
    """Before litellm is imported: its bundled price map and offline mode, unless already set."""
    for name, value in ENVIRONMENT.items():
        os.environ.setdefault(name, value)


def quiet(litellm: Any) -> None:
    """Nothing of litellm's on stdout (banners, verbose prints), and no telemetry."""
    litellm.suppress_debug_info = True
    litellm.set_verbose = False
    litellm.telemetry = False


def no_tokenizer_download(litellm: Any) -> None:
    """``token_counter`` uses its bundled tokenizers, never one from Hugging Face."""
    litellm.disable_hf_tokenizer_download = True


def register_zero_price(litellm: Any, model: str, provider: str) -> None:
    """Price ``model`` at 0 in litellm's global table (its cost bookkeeping then works)."""
    litellm.register_model(
        {
            model: {
                "input_cost_per_token": 0.0,
                "output_cost_per_token": 0.0,
                "litellm_provider": provider,
                "mode": "chat",
            }
        }
    )


def aider_alias(name: str) -> str:
    """The model string aider means by ``name`` ("sonnet" -> a full name); else ``name``."""
    # deferred: aider takes ~0.45 s to import; only an AI edit needs it
    from aider import models

    return str(models.MODEL_ALIASES.get(name, name))


def add_aider_metadata(name: str, entry: Callable[[], dict[str, Any]]) -> None:
    """Give aider's process-wide model table an entry for ``name`` (``entry()``) if it has none."""
    # deferred: aider takes ~0.45 s to import; only an AI edit needs it
    from aider import models

    with _aider_lock:
        table = models.model_info_manager.local_model_metadata
        if name not in table:
            table[name] = entry()
