"""The server's uses of pygls internals (aisci/lsp/pygls_compat.py) hold for the installed pygls.

A pygls or lsprotocol other than the tested ones, or one that lacks a private attribute the
compat module uses, fails here with its reason instead of somewhere at run time; a use of a
pygls private anywhere else in the server fails here too.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from pygls.lsp.server import LanguageServer
from tests.helpers import REPO

from aisci.errors import ConfigError
from aisci.lsp import pygls_compat

SERVER = REPO / "server" / "aisci"
COMPAT = SERVER / "lsp" / "pygls_compat.py"
UPGRADE = (
    "aisci/lsp/pygls_compat.py reaches into pygls internals that were checked against "
    f"{pygls_compat.TESTED} only. To upgrade: read each function there against the new pygls "
    "(and whether https://github.com/openlawlibrary/pygls/issues/606 is fixed), then change "
    "TESTED there and the pins in pyproject.toml together, and run tests/lsp."
)


def test_the_installed_pygls_and_lsprotocol_are_the_tested_ones():
    problem = pygls_compat.version_problem()
    assert problem is None, f"This environment has {problem}. {UPGRADE}"


def test_the_tested_versions_are_the_ones_pyproject_pins():
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = dict(
        m.groups()
        for m in (re.fullmatch(r"([\w.-]+)==(\S+)", d) for d in project["dependencies"])
        if m
    )
    assert {name: pins.get(name) for name in pygls_compat.TESTED} == pygls_compat.TESTED, (
        f"pyproject.toml pins {pins}; pygls_compat.TESTED says {pygls_compat.TESTED}: "
        "change both together."
    )


def test_every_pygls_private_the_compat_module_uses_exists():
    missing = pygls_compat.missing_privates(LanguageServer("probe", "0"))
    assert missing == [], f"The installed pygls has no {', '.join(missing)}. {UPGRADE}"


def test_the_compat_module_lists_every_private_it_uses():
    listed = {name for names in pygls_compat.PRIVATES.values() for name in names}
    used = {
        node.attr
        for node in ast.walk(ast.parse(COMPAT.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute) and _private(node.attr)
    }
    assert used <= listed, f"pygls_compat.PRIVATES lacks {sorted(used - listed)}"


def test_nothing_but_the_compat_module_touches_a_pygls_private():
    offenders = [
        f"{path.relative_to(REPO)}:{node.lineno}: .{node.attr}"
        for path in _modules_near_pygls()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute) and node.attr in _pygls_privates()
    ]
    assert offenders == [], (
        "these reach a pygls private; add a function to aisci/lsp/pygls_compat.py and call it: "
        + ", ".join(offenders)
    )


def test_another_version_is_refused_with_what_was_found_and_what_to_do(monkeypatch):
    monkeypatch.setattr(
        pygls_compat, "installed_versions", lambda: {"pygls": "2.2.0", "lsprotocol": None}
    )
    with pytest.raises(ConfigError) as refused:
        pygls_compat.check_versions()
    assert refused.value.message.startswith(
        "The aisci language server cannot start: this environment has pygls 2.2.0 where 2.1.1 "
        "was tested; lsprotocol (not installed) where 2025.0.0 was tested."
    )
    assert "pip install 'pygls==2.1.1' 'lsprotocol==2025.0.0'" in refused.value.hint


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _pygls_privates() -> set[str]:
    """The private names of pygls's server and protocol: their classes' and a fresh instance's."""
    server = LanguageServer("probe", "0")
    names = set(vars(server)) | set(vars(server.protocol))
    for cls in (*type(server).__mro__, *type(server.protocol).__mro__):
        if cls.__module__.startswith("pygls"):
            names |= set(vars(cls))
    return {n for n in names if _private(n)}


def _modules_near_pygls() -> list[Path]:
    """The language server's modules and any other aisci module that imports pygls."""
    found = []
    for path in sorted(SERVER.rglob("*.py")):
        if path == COMPAT or "scaffold" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if path.parent.name == "lsp" or re.search(r"^\s*(from|import) pygls\b", text, re.M):
            found.append(path)
    return found
