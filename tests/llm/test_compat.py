"""aisci's changes to litellm's and aider's process-wide state (aisci/llm/compat.py) hold for the
installed versions.

Another aider-chat or litellm, or one without an attribute or table the compat module sets,
fails here with its reason (setting an attribute litellm renamed would silently change
nothing); such a change made anywhere else in aisci fails here too.
"""

from __future__ import annotations

import ast
import importlib
import re
from importlib import metadata

import pytest

from aisci.errors import ConfigError
from aisci.llm import compat
from aisci.llm._litellm import load_litellm
from tests.helpers import REPO

SERVER = REPO / "server" / "aisci"
COMPAT = SERVER / "llm" / "compat.py"
UPGRADE = (
    f"aisci/llm/compat.py changes process-wide state of litellm and aider checked against "
    f"{compat.TESTED} only. To upgrade: check each function there against the new versions, "
    "then change TESTED there and the aider-chat pin in pyproject.toml together, and run "
    "tests/llm and tests/coder."
)
LIBRARIES = ("litellm", "aider")
TABLE_NAMES = {"MODEL_ALIASES", "model_info_manager", "local_model_metadata", "register_model"}


def test_the_installed_aider_and_litellm_are_the_tested_ones():
    problem = compat.version_problem()
    assert problem is None, f"This environment has {problem}. {UPGRADE}"


def test_the_tested_versions_are_the_pinned_ones():
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert f"aider-chat=={compat.TESTED['aider-chat']}" in project["dependencies"], (
        f"pyproject.toml does not pin aider-chat=={compat.TESTED['aider-chat']}. {UPGRADE}"
    )
    pinned_by_aider = [r for r in metadata.requires("aider-chat") or [] if r.startswith("litellm")]
    assert pinned_by_aider == [f"litellm=={compat.TESTED['litellm']}"], (
        f"aider-chat requires {pinned_by_aider}; compat.TESTED says {compat.TESTED}. {UPGRADE}"
    )


def test_every_setting_and_table_the_compat_module_changes_exists():
    modules = {"litellm": load_litellm(), "aider.models": importlib.import_module("aider.models")}
    missing = []
    for module, names in compat.SETTINGS.items():
        missing += [f"{module}.{n}" for n in names if not hasattr(modules[module], n)]
    for module, paths in compat.TABLES.items():
        for path in paths:
            value = modules[module]
            for part in path.split("."):
                value = getattr(value, part, None)
            if value is None or not (callable(value) or isinstance(value, dict)):
                missing.append(f"{module}.{path}")
    assert missing == [], f"The installed versions have no {', '.join(missing)}. {UPGRADE}"


def test_the_settings_are_what_the_compat_module_says():
    litellm = load_litellm()
    assert (litellm.suppress_debug_info, litellm.set_verbose, litellm.telemetry) == (
        True,
        False,
        False,
    )


def test_nothing_but_the_compat_module_changes_litellm_or_aider():
    offenders = []
    for path in sorted(SERVER.rglob("*.py")):
        if path == COMPAT or "scaffold" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            where = f"{path.relative_to(REPO)}:{getattr(node, 'lineno', '?')}"
            targets = (
                node.targets
                if isinstance(node, ast.Assign)
                else [node.target]
                if isinstance(node, (ast.AugAssign, ast.AnnAssign))
                else []
            )
            for target in targets:
                if isinstance(target, ast.Attribute) and _root(target).startswith(LIBRARIES):
                    offenders.append(f"{where}: sets {ast.unparse(target)}")
            if isinstance(node, ast.Attribute) and node.attr in TABLE_NAMES:
                offenders.append(f"{where}: reaches {node.attr}")
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and re.fullmatch(r"LITELLM_\w+", node.value)
            ):
                offenders.append(f"{where}: names the variable {node.value}")
    assert offenders == [], (
        "these change litellm or aider outside aisci/llm/compat.py; add a function there and "
        "call it: " + ", ".join(offenders)
    )


def test_another_version_is_refused_with_what_was_found_and_what_to_do(monkeypatch):
    monkeypatch.setattr(
        compat, "installed_versions", lambda: {"aider-chat": "0.86.2", "litellm": "1.90.0"}
    )
    with pytest.raises(ConfigError) as refused:
        compat.check_versions()
    assert refused.value.message.startswith(
        "Model calls and code edits cannot start: this environment has litellm 1.90.0 where "
        "1.81.10 was tested."
    )
    assert "pip install 'aider-chat==0.86.2'" in refused.value.hint


def _root(node: ast.expr) -> str:
    """The name an attribute chain starts from (``litellm`` for ``litellm.a.b``)."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else ""
