"""What a run may see of aisci's environment, and how secrets are kept out of what it says.

A run starts with an allow-listed environment: locale, a plain ``PATH``, a sandbox ``HOME``
and ``TMPDIR``, the run's own variables (``AISCI_SCALE``, ``AISCI_DATA_DIR``,
``CUDA_VISIBLE_DEVICES``, ``AISCI_SEED`` for a seed re-run), thread counts and BLAS settings, plus the names a template
declares in its ``aisci.json``. Never a name that looks like a key, token or secret, even when
declared.

Text that comes back from a run (its error output, its logs) can still carry a secret it
found some other way; ``scrub`` replaces the values of aisci's own secret-looking variables
before such text reaches a prompt, the state, a notification or a paper.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping

SECRET_NAME = re.compile(
    r"(KEY|TOKEN|SECRET|PASSW|CREDENTIAL|AUTH|COOKIE|SESSION|PRIVATE|_PAT$|DSN)", re.I
)
# Passed on when aisci's own environment has them: they change speed or numerics, never access.
PASSED = (
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "TZ",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "TORCH_NUM_THREADS",
    "OPENBLAS_CORETYPE",
    "OPENBLAS_L2_SIZE",
    "CUDA_DEVICE_ORDER",
    "NVIDIA_VISIBLE_DEVICES",
    "NVIDIA_DRIVER_CAPABILITIES",
)
SAFE_PATH = "/usr/local/bin:/usr/bin:/bin"
_MIN_SECRET = 6


def is_secret_name(name: str) -> bool:
    return bool(SECRET_NAME.search(name))


def run_environment(
    python: str,
    extra: Mapping[str, str],
    declared: Iterable[str] = (),
    *,
    home: str,
    tmp: str,
    source: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The whole environment of a run: the allow-list, the run's own values, declared names."""
    source = os.environ if source is None else source
    env = {name: source[name] for name in PASSED if name in source}
    bindir = os.path.dirname(python)
    env.update(
        PATH=f"{bindir}:{SAFE_PATH}" if bindir else SAFE_PATH,
        HOME=home,
        TMPDIR=tmp,
        PYTHONUNBUFFERED="1",
        PYTHONDONTWRITEBYTECODE="1",
        MPLBACKEND="Agg",
        MPLCONFIGDIR=f"{tmp}/matplotlib",
    )
    env.setdefault("LANG", "C.UTF-8")
    for name in declared:
        if name in source and not is_secret_name(name):
            env[name] = source[name]
    env.update(extra)
    return env


def refused_names(declared: Iterable[str]) -> list[str]:
    """The declared names a run will not get because they look secret."""
    return [name for name in declared if is_secret_name(name)]


def secret_values(source: Mapping[str, str] | None = None) -> list[str]:
    source = os.environ if source is None else source
    values = {v for k, v in source.items() if is_secret_name(k) and len(v.strip()) >= _MIN_SECRET}
    return sorted(values, key=len, reverse=True)


def scrub(text: str, source: Mapping[str, str] | None = None) -> str:
    """``text`` with every value of a secret-looking variable of aisci's environment replaced."""
    for value in secret_values(source):
        if value in text:
            text = text.replace(value, "[secret removed]")
    return text
