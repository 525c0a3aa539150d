"""Whether a data set a topic names can be read by the runs of the template drafted from it.

Contract: ``data_set_problem(name)`` is None when ``name`` is a prepared data set in aisci's
data folder (``AISCI_DATA_DIR``, execution/runner.py's ``data_dir``), else what is wrong and
what to do: a name that is not a folder name; a data set of a shipped template whose
``aisci data`` has not run (its ``manifest.json``, written last, is missing); any other name
with no folder in the data folder.
"""

from __future__ import annotations

from aisci.core import catalog, shipped
from aisci.errors import ConfigError
from aisci.execution.runner import data_dir

GENERATED = "generated"  # the word a topic's ## Data gives for data the code makes


def data_set_problem(name: str) -> str | None:
    folder = data_dir() / name
    declared = _shipped_data().get(name)
    if "/" in name or name.startswith(".") or len(name.split()) != 1:
        return (
            f"the data set {name!r} is not a name: write the name of a folder in aisci's "
            f'data folder ({data_dir()}), or "{GENERATED}"'
        )
    if declared and not catalog.data_prepared(name):
        return f"the data set {name} is not prepared in {data_dir()}: run aisci data {declared}"
    if not declared and not folder.is_dir():
        return (
            f"the data set {name} is not in aisci's data folder: put it in {folder}, or "
            f'write "{GENERATED}" for data the code makes'
        )
    return None


def _shipped_data() -> dict[str, str]:
    """data set -> the shipped template whose prepare.py makes it."""
    found: dict[str, str] = {}
    for template in shipped.NAMES:
        try:
            data = catalog.describe(template).data
        except ConfigError:
            continue  # a package without its templates: their data sets are not known
        for data_set in data:
            found.setdefault(data_set, template)
    return found
