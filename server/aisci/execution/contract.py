"""A template's run needs, from its optional ``aisci.json``: limits and environment names.

```json
{"limits": {"memory_mb": 16384, "processes": 512, "file_size_mb": 4096, "log_mb": 50},
 "env": ["WANDB_MODE"],
 "resources": {"num_cpus": 2, "num_gpus": 1},
 "data": ["mnist"]}
```
Every key is optional; what is absent keeps the default of ``boundary.Limits``. ``env`` names
variables of aisci's environment the run may see; a name that looks like a key, token or
secret is refused (the check says so, and the run does not get it). ``resources`` is what one
run reserves on a cluster (default 1 CPU, no GPU). ``data`` names the data sets (folders under
``AISCI_DATA_DIR``) a run reads: a node without one fails the run at once, saying so.
"""

from __future__ import annotations

import json
from dataclasses import fields, replace
from pathlib import Path
from typing import Any, TypeVar

from aisci.execution import safefs
from aisci.execution.boundary import Limits
from aisci.execution.environment import is_secret_name
from aisci.problems import Problem

FILE = "aisci.json"
_LIMIT_KEYS = tuple(f.name for f in fields(Limits))
_T = TypeVar("_T", dict, list)


def _section(data: dict[str, Any], key: str, kind: type[_T]) -> _T:
    """``data[key]`` when it is a ``kind``, else an empty one (the checks report the wrong type)."""
    value = data.get(key)
    return value if isinstance(value, kind) else kind()


def read_settings(folder: Path) -> tuple[dict[str, Any], list[Problem]]:
    """The template's (or idea folder's) aisci.json as an object, read link-safe, with what is
    wrong with the file itself; ``{}`` when it has none. Each section's reader (here, and
    core/sentinels.py, core/wall_clock.py) checks its own section."""
    path = Path(folder) / FILE
    if safefs.kind(path, root=Path(folder)) is None:
        return {}, []
    try:
        data = json.loads(safefs.read_text(path, root=Path(folder), limit=1 << 20))
    except (ValueError, UnicodeDecodeError) as e:
        return {}, [Problem(FILE, f"is not valid JSON: {e}")]
    except safefs.UnsafePathError as e:
        return {}, [Problem(FILE, e.message)]
    except OSError as e:
        return {}, [Problem(FILE, f"cannot be read: {e.strerror or e}")]
    if not isinstance(data, dict):
        return {}, [Problem(FILE, "must be a JSON object")]
    return data, []


def contract_problems(folder: Path) -> list[Problem]:
    """Problems of the run section of ``aisci.json`` (limits, env), for ``aisci template check``."""
    data, problems = read_settings(folder)
    limits = data.get("limits", {})
    if not isinstance(limits, dict):
        problems.append(Problem(FILE, '"limits" must be an object'))
        limits = {}
    for key, value in limits.items():
        if key not in _LIMIT_KEYS:
            problems.append(
                Problem(FILE, f'unknown limit "limits.{key}"; known: {", ".join(_LIMIT_KEYS)}')
            )
        elif not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            problems.append(
                Problem(FILE, f'"limits.{key}" must be a positive whole number, not {value!r}')
            )
    env = data.get("env", [])
    if not isinstance(env, list) or not all(isinstance(n, str) for n in env):
        problems.append(Problem(FILE, '"env" must be a list of variable names'))
    else:
        for name in env:
            if is_secret_name(name):
                problems.append(
                    Problem(
                        FILE,
                        f'"env" names {name}, which looks like a secret: a run never gets '
                        "keys, tokens or passwords",
                        severity="warning",
                    )
                )
    resources = data.get("resources", {})
    if not isinstance(resources, dict):
        problems.append(Problem(FILE, '"resources" must be an object'))
        resources = {}
    for key, value in resources.items():
        if key not in ("num_cpus", "num_gpus"):
            problems.append(
                Problem(FILE, f'unknown resource "resources.{key}"; known: num_cpus, num_gpus')
            )
        elif isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            problems.append(
                Problem(FILE, f'"resources.{key}" must be a number >= 0, not {value!r}')
            )
    sets = data.get("data", [])
    if not isinstance(sets, list) or not all(
        isinstance(n, str) and n and "/" not in n for n in sets
    ):
        problems.append(Problem(FILE, '"data" must be a list of data set folder names'))
    return problems


def cluster_needs(folder: Path) -> tuple[float, float, tuple[str, ...]]:
    """(CPUs, GPUs, data sets) one run of the template in ``folder`` needs on a cluster node."""
    data, _ = read_settings(folder)
    resources = _section(data, "resources", dict)

    def number(key: str, default: float) -> float:
        value = resources.get(key, default)
        return (
            float(value)
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0
            else default
        )

    sets = _section(data, "data", list)
    return (
        number("num_cpus", 1.0),
        number("num_gpus", 0.0),
        tuple(n for n in sets if isinstance(n, str) and n and "/" not in n),
    )


def run_needs(folder: Path) -> tuple[Limits, tuple[str, ...]]:
    """The limits and declared environment names of the template copied into ``folder``."""
    data, _ = read_settings(folder)
    limits = _section(data, "limits", dict)
    valid = {
        k: v
        for k, v in limits.items()
        if k in _LIMIT_KEYS and isinstance(v, int) and not isinstance(v, bool) and v > 0
    }
    env = _section(data, "env", list)
    return replace(Limits(), **valid), tuple(
        n for n in env if isinstance(n, str) and not is_secret_name(n)
    )
