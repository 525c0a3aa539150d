"""Rules of the architecture that code review alone would let slip."""

import ast
import subprocess
import sys
from pathlib import Path

SERVER = Path(__file__).resolve().parents[1] / "server" / "aisci"
EDITOR_MODULES = {"pygls", "lsprotocol"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_core_never_imports_the_editor_layer():
    offenders = {
        str(p.relative_to(SERVER)): imported_modules(p) & EDITOR_MODULES
        for p in (SERVER / "core").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_no_print_in_modules_the_language_server_loads():
    """stdout is the protocol: only the CLI front end may print."""
    allowed = {"cli.py", "commands.py", "terminal.py", "__main__.py"}
    offenders = []
    for path in SERVER.rglob("*.py"):
        if path.name in allowed or "scaffold" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "print"
            ):
                offenders.append(f"{path.relative_to(SERVER)}:{node.lineno}")
    assert offenders == []


def test_importing_the_core_is_light():
    """The CLI and the language server start fast: torch, litellm and aider load only when used."""
    code = (
        "import sys, aisci.cli, aisci.core.template, aisci.core.baseline, aisci.execution.runner; "
        "print(sorted(m for m in ('torch', 'litellm', 'aider', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
