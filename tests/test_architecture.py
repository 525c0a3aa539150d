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
    allowed = {"cli", "commands", "terminal", "__main__"}  # top-level modules and packages
    offenders = []
    for path in SERVER.rglob("*.py"):
        rel = path.relative_to(SERVER)
        if (rel.parts[0] if len(rel.parts) > 1 else rel.stem) in allowed or "scaffold" in rel.parts:
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


# docs/architecture.md's layers, lowest first. A package may import its own layer's packages
# and those below it, never one above; top-level modules count as packages of their own.
LAYERS = [
    {"errors", "problems", "versions", "tex_quote"},
    {"execution"},
    {"core"},
    {"llm", "literature", "coder"},
    {"paper"},
    {"scientists"},
    {"cycle"},
    {"terminal", "doctor", "commands", "cli", "lsp", "__main__", "__init__"},
]


def package_imports() -> dict[str, dict[str, set[str]]]:
    """package -> package it imports -> the files that do (imports inside functions count)."""
    graph: dict[str, dict[str, set[str]]] = {}
    for path in SERVER.rglob("*.py"):
        rel = path.relative_to(SERVER)
        if rel.parts[0] == "scaffold":
            continue  # the template a user's new project starts from, not aisci's code
        source = rel.parts[0] if len(rel.parts) > 1 else rel.stem
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                modules = [node.module]
            else:
                continue
            for module in modules:
                parts = module.split(".")
                if parts[0] == "aisci" and len(parts) > 1 and parts[1] != source:
                    graph.setdefault(source, {}).setdefault(parts[1], set()).add(str(rel))
    return graph


def test_no_import_cycle_between_packages():
    graph = {a: set(targets) for a, targets in package_imports().items()}

    def reaches(start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            node = todo.pop()
            if node == goal:
                return True
            if node not in seen:
                seen.add(node)
                todo.extend(graph.get(node, ()))
        return False

    cycles = sorted(
        f"{a} -> {b} -> ... -> {a}" for a in graph for b in graph[a] if a < b and reaches(b, a)
    )
    assert cycles == [], "import cycles between aisci's packages: " + "; ".join(cycles)


def test_packages_import_only_their_layer_and_below():
    layer = {name: i for i, names in enumerate(LAYERS) for name in names}
    graph = package_imports()
    unknown = sorted((set(graph) | {b for t in graph.values() for b in t}) - set(layer))
    assert unknown == [], f"add these packages to LAYERS (and docs/architecture.md): {unknown}"
    upward = sorted(
        f"{a} imports {b} ({', '.join(sorted(files))})"
        for a, targets in graph.items()
        for b, files in targets.items()
        if layer[b] > layer[a]
    )
    assert upward == [], "imports against the layers' direction:\n" + "\n".join(upward)
