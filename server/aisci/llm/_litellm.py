"""The one door to litellm: imported lazily, once, offline-safe and silent on stdout.

``import aisci.llm`` must stay cheap and must not touch the network, so nothing imports litellm
at module level; every use goes through ``load_litellm()``. What it changes in litellm's
process-wide state (the environment before the import, the settings after it) is in
``compat.py``, with the versions it was tested with.
"""

from __future__ import annotations

import threading
from types import ModuleType

from aisci.llm import compat

_lock = threading.Lock()
_module: ModuleType | None = None


def load_litellm() -> ModuleType:
    """Import and configure litellm once per process; return the module."""
    global _module
    if _module is not None:
        return _module
    with _lock:
        if _module is None:
            compat.check_versions()
            compat.offline_environment()
            # deferred: litellm takes ~1.3 s to import; only a model call needs it
            import litellm

            compat.quiet(litellm)
            _module = litellm
    return _module
