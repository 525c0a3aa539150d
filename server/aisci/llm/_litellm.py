"""The one door to litellm: imported lazily, offline-safe, silent on stdout.

``import aisci.llm`` must stay cheap and must not touch the network, so nothing imports litellm
at module level; every use goes through ``load_litellm()``. Before the import it asks litellm
for the bundled price map instead of downloading one (a download hangs for seconds on a
network that drops packets); after it, it turns off litellm's stdout banners ("Provider
List", "Give Feedback") and telemetry, because stdout is the language server's protocol.
"""

from __future__ import annotations

import os
import threading
from types import ModuleType

_lock = threading.Lock()
_module: ModuleType | None = None


def load_litellm() -> ModuleType:
    """Import and configure litellm once per process; return the module."""
    global _module
    if _module is not None:
        return _module
    with _lock:
        if _module is None:
            os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
            os.environ.setdefault("LITELLM_OFFLINE_MODE", "true")
            import litellm

            litellm.suppress_debug_info = True  # no banners on stdout
            litellm.set_verbose = False  # its debug prints go to stdout too
            litellm.telemetry = False
            _module = litellm
    return _module
