"""The ``aisci.*`` commands are declared once, by ``@command`` beside their handlers
(aisci.lsp.registry.COMMANDS); every other place that names a command is checked against that:
the ids the server offers, docs/lsp.md's command tables (ids, argument keys, quick or long, and
which ones an untrusted workspace refuses), the extension's palette commands in package.json
(with commands.ts's trust gate ``RUNS``) and every server command the extension's sources call,
with the keys they pass. Each failure names the command (and the file) that differs."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pygls.exceptions import JsonRpcException
from tests.helpers import REPO

from aisci.lsp.commands import STEERING, execute
from aisci.lsp.registry import COMMANDS
from aisci.lsp.server import create_server
from aisci.lsp.settings import KEYS

LSP = REPO / "server" / "aisci" / "lsp"
EXTENSION = REPO / "vscode-extension"
DOCS = REPO / "docs" / "lsp.md"
# docs/lsp.md's shorthands for a command's argument object.
SHORTHANDS = {"T": ("template",), "F": ("folder",), "I": ("template", "idea")}
# The views' queries answer the extension's trees and webviews; they have no palette command.
QUERIES = "aisci.lsp.queries"


# -- the server -----------------------------------------------------------------------------
def declared_in_sources() -> dict[str, str]:
    """command id -> the module whose source declares it with ``@command("...")``."""
    found: dict[str, str] = {}
    for path in sorted(LSP.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for deco in node.decorator_list:
                    if (
                        isinstance(deco, ast.Call)
                        and isinstance(deco.func, ast.Name)
                        and deco.func.id == "command"
                        and deco.args
                        and isinstance(deco.args[0], ast.Constant)
                    ):
                        found[str(deco.args[0].value)] = path.stem
    return found


def test_the_server_offers_every_command_declared_in_its_sources():
    """A fresh server (nothing else imported first) registers every ``@command`` of lsp/: a
    declaration in a module the dispatcher does not import would be missing here."""
    code = (
        "import json; from aisci.lsp.server import create_server; "
        "print(json.dumps(list(create_server().protocol.fm.commands)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    offered, declared = set(json.loads(out.stdout)), declared_in_sources()
    missing = sorted(f"{c} (lsp/{declared[c]}.py)" for c in set(declared) - offered)
    assert missing == [], f"declared with @command but not offered by the server: {missing}"
    assert sorted(offered - set(declared)) == [], "offered without an @command declaration"
    assert all(c.startswith("aisci.") for c in offered)


# -- docs/lsp.md ----------------------------------------------------------------------------
def doc_commands(text: str) -> dict[str, dict]:
    """The rows of §2's ``| command | params | result |`` tables: id -> its keys (the shorthands
    expanded, settings keys left out), whether it is quick, whether its row says -32004."""
    section = text.split("## 2. Commands", 1)[1].split("\n## 3.", 1)[0]
    rows: dict[str, dict] = {}
    in_table = in_queries = False
    for line in section.splitlines():
        if line.startswith("### "):
            in_queries = line.startswith("### Queries")
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        if not cells:
            in_table = False
            continue
        if cells[:3] == ["command", "params", "result"]:
            in_table = True
            continue
        name = re.fullmatch(r"`(aisci\.\w+)`", cells[0])
        if not (in_table and name and len(cells) >= 2):
            continue
        row = rows.setdefault(name.group(1), {"keys": set(), "quick": in_queries, "refused": False})
        for span in re.findall(r"`([^`]*)`", cells[1]):
            if span in SHORTHANDS:
                row["keys"].update(SHORTHANDS[span])
            elif span.startswith("{"):
                row["keys"].update(re.findall(r'"(\w+)"\s*:', span))
                row["keys"].update(re.findall(r"\{(\w+)\}", span))
            elif key := re.fullmatch(r"(\w+)\??(?::.*)?", span):
                row["keys"].add(key.group(1))
        row["keys"] -= set(KEYS)  # any command takes any settings key
        row["quick"] |= "(quick)" in cells[1]
        row["refused"] |= "-32004" in line
    return rows


def doc_problems(text: str) -> list[str]:
    rows, problems = doc_commands(text), []
    for name, spec in COMMANDS.items():
        row = rows.get(name)
        if row is None:
            problems.append(f"{name} is missing from docs/lsp.md's command tables")
            continue
        if row["keys"] != set(spec.keys):
            problems.append(
                f"{name}: docs/lsp.md names the keys {sorted(row['keys'])}, "
                f"the server takes {sorted(spec.keys)}"
            )
        if row["quick"] == spec.long:
            problems.append(
                f"{name}: docs/lsp.md calls it {'quick' if row['quick'] else 'long'}, "
                f"it is declared {'long' if spec.long else 'quick'}"
            )
        refused = not row["quick"] or row["refused"]  # -32004 table row: "a long command"
        if refused != spec.trusted_only:
            problems.append(
                f"{name}: docs/lsp.md says an untrusted workspace "
                f"{'refuses' if refused else 'runs'} it; the declaration "
                f"says it {'refuses' if spec.trusted_only else 'runs'} it"
            )
    problems += [
        f"{name} is in docs/lsp.md but not declared" for name in rows if name not in COMMANDS
    ]
    return problems


def test_docs_command_tables_list_the_declared_commands():
    assert doc_problems(DOCS.read_text(encoding="utf-8")) == []


def test_the_docs_check_names_what_differs():
    text = DOCS.read_text(encoding="utf-8")
    text = text.replace("| `aisci.makePlots` | `F` or `I` |", "| `aisci.makePlot` | `F` or `I` |")
    text = text.replace("`T` + `force?: bool`", "`T` + `forced?: bool`")
    text = text.replace(
        "| `aisci.cancel` | `{job}` or `{folder}` (quick) |", "| `aisci.cancel` | `{job}` |"
    )
    assert doc_problems(text) == [
        "aisci.runBaseline: docs/lsp.md names the keys ['forced', 'template'], "
        "the server takes ['force', 'template']",
        "aisci.makePlots is missing from docs/lsp.md's command tables",
        "aisci.cancel: docs/lsp.md names the keys ['job'], the server takes ['folder', 'job']",
        "aisci.cancel: docs/lsp.md calls it long, it is declared quick",
        "aisci.cancel: docs/lsp.md says an untrusted workspace refuses it; "
        "the declaration says it runs it",
        "aisci.makePlot is in docs/lsp.md but not declared",
    ]


# -- the extension --------------------------------------------------------------------------
def palette() -> set[str]:
    package = json.loads((EXTENSION / "package.json").read_text(encoding="utf-8"))
    return {c["command"] for c in package["contributes"]["commands"]}


def trust_gate() -> set[str]:
    """commands.ts's ``RUNS``: the palette commands the extension refuses in an untrusted
    workspace before it asks the server anything."""
    source = (EXTENSION / "src" / "commands.ts").read_text(encoding="utf-8")
    runs = re.search(r"const RUNS\b[^=]*=\s*\{(.*?)\};", source, re.S)
    assert runs, "src/commands.ts has no RUNS table"
    return set(re.findall(r'"(aiScientist\.\w+)"\s*:', runs.group(1)))


def palette_ids(name: str) -> list[str]:
    """The palette command of a server command: ``aiScientist.<name>``; a steering action has
    one per action (Pin, Unpin, Prune Node in the Search tree)."""
    if name == "aisci.steerNode":
        return [f"aiScientist.{action}Node" for action in STEERING]
    return ["aiScientist." + name.removeprefix("aisci.")]


def test_every_command_but_the_queries_has_a_palette_command():
    ids, gate = palette(), trust_gate()
    missing, ungated = [], []
    for name, spec in COMMANDS.items():
        if spec.handler.__module__ == QUERIES:
            continue
        missing += [f"{p} (for {name})" for p in palette_ids(name) if p not in ids]
        if spec.long:  # the extension asks for trust before the server would refuse
            ungated += [f"{p} (for {name})" for p in palette_ids(name) if p not in gate]
    assert missing == [], f"not in package.json's contributes.commands: {missing}"
    assert ungated == [], f"long commands missing from src/commands.ts's RUNS: {ungated}"
    assert sorted(gate - ids) == [], "RUNS names commands that package.json does not declare"


def object_keys(source: str, start: int) -> list[str]:
    """The keys of the object literal that opens at ``source[start]`` (spreads left out)."""
    depth, parts, part = 0, [], ""
    for ch in source[start + 1 :]:
        if ch in "{[(":
            depth += 1
        elif ch in "}])":
            if depth == 0:
                break
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(part)
            part = ""
        else:
            part += ch
    parts.append(part)
    keys = []
    for p in (p.strip() for p in parts):
        key = re.match(r"(\w+)\s*(?::|$)", p)
        if key and not p.startswith("..."):
            keys.append(key.group(1))
    return keys


def call_problems(sources: dict[str, str]) -> list[str]:
    """Each ``"aisci.X"`` the extension names must be declared, and an object literal passed
    right after it may hold only the command's keys and settings keys."""
    problems = []
    for file, source in sources.items():
        for m in re.finditer(r'"(aisci\.\w+)"(?!/)', source):
            name, line = m.group(1), source.count("\n", 0, m.start()) + 1
            if name not in COMMANDS:
                problems.append(f"{file}:{line} calls {name}, which the server does not declare")
                continue
            call = re.compile(r"\s*,\s*\{").match(source, m.end())
            if call:
                allowed = set(COMMANDS[name].keys) | set(KEYS)
                unknown = [k for k in object_keys(source, call.end() - 1) if k not in allowed]
                if unknown:
                    problems.append(
                        f"{file}:{line} passes {unknown} to {name}, "
                        f"which takes {list(COMMANDS[name].keys)}"
                    )
    return problems


def extension_sources() -> dict[str, str]:
    src = EXTENSION / "src"
    return {
        str(p.relative_to(EXTENSION)): p.read_text(encoding="utf-8")
        for p in sorted(src.rglob("*.ts"))
    }


def test_the_extension_calls_only_declared_commands_with_their_keys():
    sources = extension_sources()
    # scanned: a call with its argument object, as the formatter lays it out (maybe over lines)
    assert any(re.search(r'"aisci\.runBaseline",\s*\{\s*template', s) for s in sources.values())
    assert call_problems(sources) == []


def test_the_call_check_names_what_differs():
    sources = {
        "src/a.ts": 'await p.server.query("aisci.listIdeas", { template: t, idea, ...more });\n'
        'await p.server.execute("aisci.steerNode", { folder, node: n.id, action });',
        "src/b.ts": 'const TITLES = { "aisci.runBaselines": "Run Baseline" };',
    }
    assert call_problems(sources) == [
        "src/a.ts:1 passes ['idea'] to aisci.listIdeas, which takes ['template']",
        "src/b.ts:1 calls aisci.runBaselines, which the server does not declare",
    ]


# -- an untrusted workspace -----------------------------------------------------------------
@pytest.mark.parametrize("name", [n for n, c in COMMANDS.items() if c.trusted_only])
async def test_an_untrusted_workspace_refuses_the_trusted_only_commands(name, tmp_path):
    server = create_server()
    server.restricted, server.root = True, tmp_path
    args = (
        {"folder": str(tmp_path), "node": 0, "action": "pin"} if name == "aisci.steerNode" else {}
    )
    with pytest.raises(JsonRpcException) as refused:
        await execute(server, name, (args,))
    assert refused.value.code == -32004 and "not trusted" in refused.value.message
    assert not (tmp_path / "results").exists()


async def test_an_untrusted_workspace_still_answers_quick_commands(tmp_path):
    server = create_server()
    server.restricted, server.root = True, tmp_path
    assert not COMMANDS["aisci.listTemplates"].trusted_only
    assert await execute(server, "aisci.listTemplates", ({},)) == {"templates": []}
    assert await execute(server, "aisci.cancel", ({"job": "aisci-job-9"},)) == {"cancelled": []}


def test_a_command_is_declared_once():
    from aisci.lsp.registry import command

    with pytest.raises(ValueError, match=r"aisci\.getCost is declared twice"):
        command("aisci.getCost", long=False)(lambda server, args: {})
    assert COMMANDS["aisci.getCost"].handler.__name__ == "get_cost"
    assert Path(sys.modules[COMMANDS["aisci.getCost"].handler.__module__].__file__).parent == LSP
