"""A new template from aisci's scaffold (``aisci/scaffold/``), and the rule for its name.

Contract: ``check_new_template(name, parent)`` is the one rule for what ``aisci template new
NAME --dir PARENT`` refuses: a name that is not snake_case, or a folder that exists already;
it raises a ``ConfigError`` saying which, and returns the folder to create otherwise. The CLI
calls it through ``create_template``; the editor's Create Template input box asks the language
server (``aisci.checkTemplateName``, docs/lsp.md §2), which answers with the same message.

A template a model drafted from a topic (topic/draft.py) keeps that topic as ``topic.md``
(``TOPIC_FILE``); every idea folder copies it, so the topic stays with the paper, and
``DRAFTED_NOTE`` is what the paper's material says about where the baseline code came from.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from aisci.errors import ConfigError

NAME = re.compile(r"[a-z][a-z0-9_]*")
SCAFFOLD = Path(__file__).resolve().parents[1] / "scaffold"
TOPIC_FILE = "topic.md"
DRAFTED_NOTE = (
    "The baseline code (experiment.py and plot.py) was written by a language model from the "
    "research topic in topic.md (kept with this paper), not by a person; aisci checked that it "
    "follows the template contract, runs and makes a figure."
)


def drafted_from_topic(folder: Path) -> bool:
    """Whether ``folder`` (a template, or an idea folder copied from one) was drafted from a
    topic: it carries the topic file the drafting kept."""
    return (Path(folder) / TOPIC_FILE).is_file()


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
