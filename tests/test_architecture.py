"""Rules of the architecture that code review alone would let slip."""

import ast
import subprocess
import sys
from dataclasses import dataclass
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
    {"cycle", "topic"},
    {"terminal", "doctor", "commands", "cli", "lsp", "__main__", "__init__"},
]


def module_name(path: Path) -> str:
    parts = path.relative_to(SERVER.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def aisci_files() -> list[Path]:
    """aisci's modules; the scaffold is the template a user's new project starts from, not ours."""
    return sorted(p for p in SERVER.rglob("*.py") if "scaffold" not in p.relative_to(SERVER).parts)


MODULES = {module_name(p) for p in aisci_files()}


@dataclass(frozen=True)
class Import:
    node: ast.Import | ast.ImportFrom
    modules: tuple[str, ...]  # the aisci modules it loads (absolute names)
    in_function: bool  # runs when the function is called, not when the module loads
    type_only: bool  # under `if TYPE_CHECKING:`: read by mypy, never run


def resolve(path: Path, node: ast.Import | ast.ImportFrom) -> tuple[str, ...]:
    """The aisci modules an import loads: relative imports made absolute, and ``from P import X``
    read as the module P.X where X is one (else P itself: X is a name defined in P)."""
    if isinstance(node, ast.Import):
        return tuple(a.name for a in node.names if a.name.split(".")[0] == "aisci")
    if node.level:
        package = module_name(path).split(".")
        if path.name != "__init__.py":
            package = package[:-1]
        base = ".".join(
            package[: len(package) - node.level + 1] + ([node.module] if node.module else [])
        )
    else:
        base = node.module or ""
    if base.split(".")[0] != "aisci":
        return ()
    return tuple(f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names)


def imports(path: Path) -> list[Import]:
    found: list[Import] = []

    def visit(node: ast.AST, in_function: bool, type_only: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                found.append(Import(child, resolve(path, child), in_function, type_only))
            elif isinstance(child, ast.If) and ast.unparse(child.test).endswith("TYPE_CHECKING"):
                for branch, only in ((child.body, True), (child.orelse, type_only)):
                    for statement in branch:
                        visit(ast.Module(body=[statement], type_ignores=[]), in_function, only)
            else:
                inside = isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
                visit(child, in_function or inside, type_only)

    visit(ast.parse(path.read_text(encoding="utf-8")), False, False)
    return found


def package_imports() -> dict[str, dict[str, set[str]]]:
    """package -> package it imports -> the files that do: every import counts, relative ones,
    ``from aisci import X``, those inside functions and those for types only."""
    graph: dict[str, dict[str, set[str]]] = {}
    for path in aisci_files():
        rel = path.relative_to(SERVER)
        source = rel.parts[0] if len(rel.parts) > 1 else rel.stem
        for found in imports(path):
            for module in found.modules:
                parts = module.split(".")
                target = parts[1] if len(parts) > 1 else "__init__"
                if target != source:
                    graph.setdefault(source, {}).setdefault(target, set()).add(str(rel))
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


def module_graph() -> dict[str, set[str]]:
    """module -> the aisci modules it imports when it runs: at its top or inside its functions.
    Imports for types only are left out: they never run, and a handler may name the server's
    type that way while lsp/server.py imports the handler (docs/architecture.md)."""
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for path in aisci_files():
        name = module_name(path)
        for found in imports(path):
            if not found.type_only:
                graph[name] |= {m for m in found.modules if m != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One chain per group of modules that reach each other (a -> b -> ... -> a, the shortest
    from the group's first module), so a failure names the imports to look at."""
    reach = {}
    for start in graph:
        seen, todo = set(), [start]
        while todo:
            for nxt in graph[todo.pop()] - seen:
                seen.add(nxt)
                todo.append(nxt)
        reach[start] = seen
    chains, done = [], set()
    for start in sorted(graph):
        if start in done or start not in reach[start]:
            continue
        group = {m for m in reach[start] if start in reach[m]}
        done |= group
        paths, todo = {start: [start]}, [start]
        while todo:  # breadth first inside the group, until an import leads back to the start
            node = todo.pop(0)
            if start in graph[node]:
                chains.append([*paths[node], start])
                break
            for nxt in sorted(graph[node] & group - paths.keys()):
                paths[nxt] = [*paths[node], nxt]
                todo.append(nxt)
    return chains


def test_cycles_are_reported_as_chains():
    graph = {"a": {"b"}, "b": {"c", "d"}, "c": {"a"}, "d": {"a"}, "e": {"a", "e"}}
    assert cycles(graph) == [["a", "b", "c", "a"], ["e", "e"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_between_modules():
    """No two modules need each other, not even through an import delayed inside a function."""
    found = [" -> ".join(chain) for chain in cycles(module_graph())]
    assert found == [], "import cycles between aisci's modules:\n" + "\n".join(found)


def test_every_import_inside_a_function_says_why():
    """Imports belong at the top of the module. One inside a function (an optional extra, a
    measured start-up cost) carries ``# deferred: <why>`` on its line, or on the line above the
    run of imports it starts."""
    missing = []
    for path in aisci_files():
        lines = path.read_text(encoding="utf-8").splitlines()
        tree = ast.parse("\n".join(lines))
        for block in ast.walk(tree):
            if not isinstance(block, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for body in _bodies(block):
                run_start = None
                for statement in body:
                    if not isinstance(statement, ast.Import | ast.ImportFrom):
                        run_start = None
                        continue
                    run_start = run_start or statement
                    own = lines[statement.lineno - 1 : statement.end_lineno]
                    if not any(
                        "# deferred:" in line for line in own + _comment_above(lines, run_start)
                    ):
                        missing.append(f"{path.relative_to(SERVER)}:{statement.lineno}")
    assert missing == [], "imports inside functions without a `# deferred:` reason: " + ", ".join(
        missing
    )


def _comment_above(lines: list[str], statement: ast.stmt) -> list[str]:
    """The comment lines right above a statement (a reason may take more than one line)."""
    above, number = [], statement.lineno - 2
    while number >= 0 and lines[number].strip().startswith("#"):
        above.append(lines[number])
        number -= 1
    return above


def _bodies(function: ast.AST) -> list[list[ast.stmt]]:
    """Every statement list inside a function (its body, branches, loops, with, try), not the
    bodies of functions nested in it (ast.walk visits those on their own)."""
    found, todo = [], [function]
    while todo:
        node = todo.pop()
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            value = getattr(node, field, None)
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                found.append(value)
            for child in value if isinstance(value, list) else []:
                if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    todo.append(child)
    return found


def test_the_dispatcher_loads_every_module_that_declares_a_command():
    """``@command`` fills the registry when its module is imported: lsp/commands.py (the
    dispatcher, which lsp/server.py loads) imports each such module at its top, so no command
    is missing from ``COMMANDS`` whatever was imported before."""
    declaring = set()
    for path in (SERVER / "lsp").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and any(
                isinstance(d, ast.Call) and isinstance(d.func, ast.Name) and d.func.id == "command"
                for d in node.decorator_list
            ):
                declaring.add(module_name(path))
    dispatcher = SERVER / "lsp" / "commands.py"
    loaded = {
        m
        for found in imports(dispatcher)
        if not found.in_function and not found.type_only
        for m in found.modules
    }
    assert {"aisci.lsp.stages", "aisci.lsp.queries"} <= declaring
    unloaded = sorted(declaring - loaded - {module_name(dispatcher)})
    assert unloaded == [], (
        f"lsp/commands.py must import these at its top (their commands): {unloaded}"
    )
