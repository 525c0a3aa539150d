"""A new template from aisci's scaffold (``aisci/scaffold/``), and the rule for its name.

Contract: ``check_new_template(name, parent)`` is the one rule for what ``aisci template new
NAME --dir PARENT`` refuses: a name that is not snake_case, or a folder that exists already;
it raises a ``ConfigError`` saying which, and returns the folder to create otherwise. The CLI
calls it through ``create_template``; the editor's Create Template input box asks the language
server (``aisci.checkTemplateName``, docs/lsp.md §2), which answers with the same message.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from aisci.errors import ConfigError

NAME = re.compile(r"[a-z][a-z0-9_]*")
SCAFFOLD = Path(__file__).resolve().parents[1] / "scaffold"


def check_new_template(name: str, parent: Path) -> Path:
    """``parent / name`` when a template may be created there, else a ConfigError."""
    if not NAME.fullmatch(name):
        raise ConfigError(
            f"Cannot create template {name!r}: a template name must be snake_case "
            "(lowercase letters, digits and _, starting with a letter).",
            "For example: aisci template new my_study",
        )
    dest = parent / name
    if dest.exists():
        raise ConfigError(
            f"Cannot create template {name}: {dest} already exists.",
            "Choose another name, or remove the folder first.",
        )
    return dest


def create_template(name: str, parent: Path) -> Path:
    """A copy of the scaffold at ``parent / name``, its README naming it; the new folder."""
    dest = check_new_template(name, parent)
    shutil.copytree(SCAFFOLD, dest, ignore=shutil.ignore_patterns("__pycache__"))
    readme = dest / "README.md"
    readme.write_text(
        readme.read_text(encoding="utf-8").replace("{{name}}", name), encoding="utf-8"
    )
    return dest
