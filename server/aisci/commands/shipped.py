"""``aisci template list|copy`` and ``aisci data``: the templates that ship with aisci.

``template list`` says what each studies, its scales and its data (prepared or not), with
``--json`` as one object ``{"root", "templates": [{"name", "studies", "folder", "scales",
"data", "unprepared"}]}`` for programs;
``template copy NAME [DEST]`` puts one where the researcher can change it and checks the copy;
``data [NAME...]`` runs the shipped templates' prepare.py with this interpreter into the data
folder (``make data`` calls it, so the repository and an installed aisci prepare data the same
way). What these read and copy is core/catalog.py's.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from aisci.core import catalog, shipped
from aisci.errors import ConfigError
from aisci.execution.runner import data_dir


def template_list(as_json: bool = False) -> int:
    if as_json:
        return _template_list_json()
    print(f"Shipped templates (in {shipped.root()}):")
    for name in shipped.NAMES:
        t = catalog.describe(name)
        scales = ", ".join(t.scales) if t.scales else "none (any --scale runs its whole study)"
        print(f"  {t.name:<15} {t.studies}")
        print(f"  {'':<15} scales: {scales}; data: {_data_words(t)}")
    print(
        "Copy one to change it: aisci template copy NAME [DEST]. Or run it as it is: "
        "aisci baseline NAME --scale smoke."
    )
    return 0


def _template_list_json() -> int:
    """The same facts for a program (the editor's "Copy a Shipped Template" picker)."""
    templates = []
    for name in shipped.NAMES:
        t = catalog.describe(name)
        templates.append(
            {
                "name": t.name,
                "studies": t.studies,
                "folder": str(t.folder),
                "scales": list(t.scales),
                "data": list(t.data),
                "unprepared": list(t.unprepared),
            }
        )
    print(json.dumps({"root": str(shipped.root()), "templates": templates}, indent=2))
    return 0


def _data_words(t: catalog.ShippedTemplate) -> str:
    if not t.data:
        return "none to prepare (it makes its own)"
    words = ", ".join(
        f"{d} ({'not prepared' if d in t.unprepared else 'prepared'})" for d in t.data
    )
    return words + (f" -> run: aisci data {t.name}" if t.unprepared else "")


def template_copy(name: str, dest: Path | None, check: Callable[[Path], int]) -> int:
    """Copy the shipped template, then run ``check`` (the template check) on the copy."""
    target = dest if dest is not None else Path("templates") / name
    catalog.copy_template(name, target)
    print(f"Copied the shipped template {name} to {target}.")
    status = check(target)
    unprepared = catalog.describe(name).unprepared
    if unprepared:
        print(f"Its data ({', '.join(unprepared)}) is not prepared yet: aisci data {name}")
    if status == 0:
        print(f"Next: aisci baseline {target} --scale smoke")
    return status


def cmd_data(args: argparse.Namespace) -> int:
    names = args.names or [n for n in shipped.NAMES if catalog.prepare_script(n) is not None]
    scripts = {name: catalog.prepare_script(name) for name in names}  # unknown names fail here
    folder = data_dir()
    # Given explicitly, so that prepare.py writes where the runner will look.
    env = {**os.environ, "AISCI_DATA_DIR": str(folder)}
    for name, script in scripts.items():
        if script is None:
            print(f"{name}: nothing to prepare (it makes its own data).")
            continue
        sets = ", ".join(catalog.describe(name).data) or "its data"
        print(f"{name}: preparing {sets} in {folder} ({script})", flush=True)
        done = subprocess.run([sys.executable, str(script)], env=env, check=False)
        if done.returncode != 0:
            raise ConfigError(
                f"Preparing the data of {name} failed (exit {done.returncode}): "
                "its prepare.py says why above.",
                f"Fix what it names and run aisci data {name} again.",
            )
    print(f"Data folder: {folder}")
    return 0
