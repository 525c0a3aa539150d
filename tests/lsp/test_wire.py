"""Every message the server sends is declared once, as a type (lsp/wire/): the quick commands'
answers, the long commands' results and the ``aisci/*`` notifications.

Checks that keep the declaration, the server and the extension in step: every answer and result
the LSP tests receive is validated against the schema derived from lsp/wire/
(conftest.check_answer, on each ``client.command``; here a workspace with ideas, runs, a review
and a ledger makes every query answer with its fields filled), and so is every notification a
test records; an answer off its type fails the test; every command has a declared answer or
result; no module names an ``aisci/*`` notification itself (``Bridge.send`` takes the method
from the type); and each interface of the extension's protocol (vscode-extension/src/protocol.ts
and the modules it re-exports, src/protocol/*.ts, split as lsp/wire/ is) that mirrors a wire type
has the same fields, the same optional ones (left out by the server) and the same basic types,
null included.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import re
import typing
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from tests.helpers import REPO
from tests.lsp.conftest import Client, check_answer, notification_problem

from aisci.core.search.tree import Node
from aisci.lsp import commands, wire
from aisci.lsp.jobs import Bridge
from aisci.lsp.stages import _reviewed
from aisci.lsp.wire import answers, notes, results
from aisci.paper.stages import StageOutcome

SRC = REPO / "vscode-extension" / "src"
# protocol.ts re-exports the answers, results and notifications from src/protocol/.
PROTOCOL_FILES = [SRC / "protocol.ts", *sorted((SRC / "protocol").glob("*.ts"))]
LSP = REPO / "server" / "aisci" / "lsp"

# Wire types without an interface in the extension's protocol files, and why.
NOT_IN_PROTOCOL = {
    "TemplatesResult": "the extension reads it inline, as { templates: TemplateInfo[] }",
    "PapersResult": "the extension reads it inline, as { papers: PaperInfo[] }",
    "TemplateRuns": "the extension reads it inline, as { folders: FolderRuns[] }",
    "RenderedText": "the extension does not call aisci.renderText (the e2e tests do)",
    "Cancelled": "the extension reads it inline, as { cancelled: string[] }",
    "NodeSteered": "the extension refreshes the tree from aisci.getTree instead",
}
# aisci/* notifications the extension does not listen to (protocol/notes.ts's NOTIFICATIONS).
NOT_LISTENED: dict[str, str] = {}


def wire_types() -> dict[str, type]:
    """Every dataclass an answer is made of, by name."""
    found: dict[str, type] = {}

    def visit(tp: Any) -> None:
        is_type = dataclasses.is_dataclass(tp) and isinstance(tp, type)
        if is_type and tp.__name__ not in found:
            found[tp.__name__] = tp
            for hint in typing.get_type_hints(tp).values():
                visit(hint)
        for arg in typing.get_args(tp):
            visit(arg)

    for answer in [*wire.ANSWERS.values(), *wire.RESULTS.values(), *wire.NOTIFICATIONS.values()]:
        visit(answer)
    return found


# -- every message declared, and sent only as its type ------------------------------------------
def test_every_command_has_a_declared_answer_or_result():
    # commands.COMMANDS is complete: lsp/commands.py imports every module that declares one.
    quick = {name for name, spec in commands.COMMANDS.items() if not spec.long}
    long = {name for name, spec in commands.COMMANDS.items() if spec.long}
    assert set(wire.ANSWERS) == quick
    assert set(wire.RESULTS) == long


def test_each_shape_is_reachable_under_its_own_name():
    """The package re-exports its modules' types by star import: two types of one name would
    shadow each other, and ``wire.<Name>`` would be the wrong one."""
    names: dict[str, type] = {}
    for module in (answers, notes, results):
        for name, value in vars(module).items():
            if dataclasses.is_dataclass(value) and value.__module__ == module.__name__:
                assert name not in names, f"{name} is declared twice in lsp/wire/"
                names[name] = value
                assert getattr(wire, name) is value
    assert set(wire_types()) <= set(names)


def test_a_notification_is_sent_under_the_method_of_its_type():
    assert set(typing.get_args(wire.Notification)) == set(wire.NOTIFICATIONS.values())
    for method, tp in wire.NOTIFICATIONS.items():
        fields = {f.name: None for f in dataclasses.fields(tp)}
        assert wire.method_of(tp(**fields)) == method
    assert not hasattr(Bridge, "notify"), "handlers send aisci/* notifications by Bridge.send"


def test_no_module_names_a_notification_method_itself():
    """Bridge.send takes the method from the type: a string like "aisci/runFinished" anywhere
    else in lsp/ is a notification built by hand, past its declaration."""
    found = []
    for path in sorted(LSP.rglob("*.py")):
        if "wire" in path.relative_to(LSP).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in wire.NOTIFICATIONS:
                found.append(f"{path.relative_to(LSP)}:{node.lineno}: {node.value}")
    assert not found, "\n".join(found)


def test_the_search_node_mirrors_the_record():
    """A field added to tree.json's nodes must be declared on the wire (getTree builds each
    node from ``Node.to_dict()`` field for field)."""
    record = set(Node(0, None, "root", "baseline").to_dict())
    declared = {f.name for f in dataclasses.fields(wire.SearchNodeInfo)}
    assert declared == record | {"parent_code"}


# -- a small, strict reader of `export interface X { field?: type; }` ---------------------------
MEMBER = re.compile(r"^\s*(\w+)(\?)?: (.+);$")


def read_interfaces(
    source: str, file: str = "protocol.ts"
) -> dict[str, dict[str, tuple[bool, str]]]:
    """``{interface: {field: (optional, type text)}}``; a member line it cannot read fails."""
    source = re.sub(r"/\*.*?\*/", "", source, flags=re.DOTALL)
    source = re.sub(r"^\s*//.*$", "", source, flags=re.MULTILINE)
    interfaces = {}
    for match in re.finditer(r"^export interface (\w+) \{\n(.*?)^\}", source, re.M | re.S):
        members = {}
        for line in match.group(2).splitlines():
            if not line.strip():
                continue
            member = MEMBER.match(line)
            assert member, f"{file}, interface {match.group(1)}: cannot read {line.strip()!r}"
            members[member.group(1)] = (member.group(2) == "?", member.group(3))
        interfaces[match.group(1)] = members
    return interfaces


def read_protocol() -> dict[str, dict[str, tuple[bool, str]]]:
    """The interfaces of every protocol file; one name declared in two files fails."""
    interfaces: dict[str, dict[str, tuple[bool, str]]] = {}
    for path in PROTOCOL_FILES:
        file = str(path.relative_to(SRC))
        for name, members in read_interfaces(path.read_text(encoding="utf-8"), file).items():
            assert name not in interfaces, f"interface {name} is declared twice; again in {file}"
            interfaces[name] = members
    return interfaces


def protocol_text() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in PROTOCOL_FILES)


def split_union(text: str) -> list[str]:
    """``A | B<C | D> | (E | F)[]`` -> its top-level alternatives."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += (ch in "<({[" and 1) or 0
        depth -= (ch in ">)}]" and 1) or 0
        if ch == "|" and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    return [*parts, text[start:].strip()]


def ts_kinds(text: str, interfaces: set[str]) -> set[str]:
    kinds = set()
    for alt in split_union(text):
        if alt.endswith("[]"):
            kinds.add("array")
        elif alt in ("string", "number", "boolean", "null") or alt.startswith('"'):
            kinds.add("string" if alt.startswith('"') else alt)
        elif alt.startswith("Record<") or alt == "Means" or alt in interfaces:
            kinds.add("object")
        else:
            raise AssertionError(f"protocol.ts: the test cannot read the type {alt!r}")
    return kinds


def schema_kinds(schema: dict[str, Any]) -> set[str] | None:
    """The JSON types a schema allows (integer is a number to TypeScript); None: any."""
    if not schema:
        return None
    if "anyOf" in schema:
        kinds: set[str] = set()
        for option in schema["anyOf"]:
            more = schema_kinds(option)
            if more is None:
                return None
            kinds |= more
        return kinds
    return {"number" if schema["type"] == "integer" else schema["type"]}


def test_protocol_ts_matches_the_wire_types():
    interfaces = read_protocol()
    problems = []
    for name, tp in wire_types().items():
        if name in NOT_IN_PROTOCOL:
            continue
        if name not in interfaces:
            problems.append(f"{name}: no interface in protocol.ts (or add it to NOT_IN_PROTOCOL)")
            continue
        schema, ts = wire.schema(tp), interfaces[name]
        for field in sorted(set(schema["properties"]) | set(ts)):
            if field not in ts:
                problems.append(f"{name}.{field}: the server sends it, protocol.ts lacks it")
            elif field not in schema["properties"]:
                problems.append(f"{name}.{field}: in protocol.ts, the server never sends it")
            else:
                optional, text = ts[field]
                if optional != (field not in schema["required"]):
                    sent = "may leave it out" if optional is False else "always sends it"
                    mark = "?" if optional else ""
                    problems.append(
                        f"{name}.{field}: the server {sent}; protocol.ts: {field}{mark}"
                    )
                kinds = schema_kinds(schema["properties"][field])
                if kinds is not None and kinds != ts_kinds(text, set(interfaces)):
                    problems.append(f"{name}.{field}: the server sends {sorted(kinds)}, not {text}")
    assert not problems, "\n".join(problems)


def test_every_wire_type_is_either_in_protocol_ts_or_said_why_not():
    assert set(NOT_IN_PROTOCOL) <= set(wire_types())
    assert set(NOT_IN_PROTOCOL).isdisjoint(read_protocol())


def test_protocol_ts_re_exports_each_protocol_module():
    """Callers import the shapes from protocol.ts: a module of src/protocol/ it does not
    re-export would hold interfaces this test checks and no caller sees."""
    text = (SRC / "protocol.ts").read_text(encoding="utf-8")
    modules = [path.stem for path in PROTOCOL_FILES[1:]]
    assert modules, "src/protocol/ holds no module"
    for stem in modules:
        assert f'export * from "./protocol/{stem}";' in text, f"protocol.ts: {stem} not re-exported"


def test_the_extension_listens_only_to_declared_notifications():
    text = protocol_text()
    listed = re.search(r"export const NOTIFICATIONS = \[(.*?)\] as const;", text, re.S)
    assert listed, "protocol.ts and src/protocol/: no NOTIFICATIONS list"
    methods = set(re.findall(r'"(aisci/\w+)"', listed.group(1)))
    assert methods == set(wire.NOTIFICATIONS) - set(NOT_LISTENED)


def test_the_reader_refuses_what_it_cannot_read():
    with pytest.raises(AssertionError, match="cannot read"):
        read_interfaces("export interface X {\n  a: { b: string };\n  c: string\n}\n")
    with pytest.raises(AssertionError, match="cannot read the type"):
        ts_kinds("Partial<X>", set())
    assert ts_kinds("(string | null)[] | null", set()) == {"array", "null"}


# -- the schema --------------------------------------------------------------------------------
def test_schema_follows_the_dataclass():
    idea = wire.schema(wire.IdeaInfo)
    assert idea["additionalProperties"] is False
    assert "verdict" not in idea["required"] and "folder" in idea["required"]
    assert idea["properties"]["folder"] == {"anyOf": [{"type": "string"}, {"type": "null"}]}
    cost = wire.schema(wire.CostInfo)
    assert {"totalUsd", "byStage", "tokensIn", "maxCostUsd"} <= set(cost["required"])
    means = wire.schema(wire.Means)
    assert means["additionalProperties"]["anyOf"][1] == {"type": "number"}
    with pytest.raises(TypeError, match="does not support"):
        wire.schema(set[str])


def test_to_wire_names_fields_in_camel_case_and_leaves_out_omitted_ones():
    seed = wire.IdeaInfo("s", None, None, 1, 2, 3, None, None)
    assert "verdict" not in wire.to_wire(seed)
    run = wire.RunInfo("run_1", "done", "", {}, 1.5, None, "/x/stderr.log", None)
    assert wire.to_wire(run)["durationS"] == 1.5
    assert (
        wire.to_wire(wire.IdeaInfo("s", None, None, 1, 2, 3, None, None, None))["verdict"] is None
    )


def test_an_answer_off_its_type_fails_the_test():
    good = {"name": "x", "problem": None}
    check_answer("aisci.checkTemplateName", good)
    for bad in ({"name": "x"}, {**good, "problem": 3}, {**good, "extra": 1}):
        with pytest.raises(AssertionError, match="answered off its wire type"):
            check_answer("aisci.checkTemplateName", bad)
    check_answer("aisci.somethingNew", {"anything": "goes"})  # no such command: not declared
    with pytest.raises(AssertionError, match="answered off its wire type"):
        check_answer("aisci.makePlots", {"ok": True, "folder": "/x", "message": ""})  # no figures


def test_a_notification_off_its_type_is_a_problem():
    tree = {"folder": "/ws/results/tiny/x"}
    assert notification_problem("aisci/treeChanged", tree) is None
    assert "off its wire type" in (notification_problem("aisci/treeChanged", {}) or "")
    assert "not declared" in (notification_problem("aisci/somethingNew", tree) or "")
    assert notification_problem("window/logMessage", {"anything": 1}) is None


def test_an_undeclared_notification_is_a_problem_though_nothing_records_it():
    client = Client()
    client.protocol._handle_notification("aisci/somethingNew", {"folder": "/x"})
    client.protocol._handle_notification("$/somethingElse", {})
    assert client.wire_problems == [
        "aisci/somethingNew is not declared in lsp/wire/notes.py's NOTIFICATIONS"
    ]


# -- every query, answered from a filled workspace ------------------------------------------------
def fill(workspace: Path) -> Path:
    """results/tiny with a checked idea, its folder (a done run, a failed one on a cluster
    node), a model's review and a cost ledger; returns the idea folder."""
    results = workspace / "results" / "tiny"
    folder = results / "20250101_120000_sweep_lr"
    folder.mkdir(parents=True)
    idea = {
        "Name": "sweep_lr",
        "Title": "Learning rate",
        "Experiment": "Vary LR",
        "Interestingness": 4,
        "Feasibility": 8,
        "Novelty": 5,
        "novel": True,
        "novelty_check": {
            "label": "novel",
            "reason": "Nothing close.",
            "kind": "model",
            "local_only": True,
            "queries": ["learning rate sweep"],
            "papers": [{"title": "LR", "year": 2020, "similarity": 0.3}],
        },
    }
    (results / "ideas.json").write_text(json.dumps([idea]))
    (folder / "idea.json").write_text(json.dumps(idea))
    steps = {
        "run_0": {"status": "done", "means": {"sine": {"val_mse": 0.2}}, "duration_s": 0.5},
        "run_1": {
            "status": "failed",
            "description": "LR = 10",
            "error": "Run 1 failed (exit 1): NaN loss",
            "duration_s": 1.25,
            "node": "3fa2c1d0 (gpu-07)",
        },
    }
    (folder / "state.json").write_text(json.dumps({"idea": "sweep_lr", "steps": steps}))
    review = {"Kind": "model", "Decision": "Reject", "Overall": 4, "Clarity": 3}
    (folder / "review.json").write_text(json.dumps({"review": review}))
    totals = {"cost_usd": 0.01, "calls": 2, "unpriced_calls": 1}
    (folder / "cost.json").write_text(json.dumps({"totals": totals}))
    return folder


async def test_every_query_answers_with_its_wire_type(lsp, workspace):
    folder = fill(workspace)
    template = str(workspace / "templates" / "tiny")
    asked = {
        "aisci.listTemplates": await lsp.command("aisci.listTemplates", {}),
        "aisci.listIdeas": await lsp.command("aisci.listIdeas", {"template": template}),
        "aisci.listPapers": await lsp.command("aisci.listPapers", {}),
        "aisci.getCost": await lsp.command("aisci.getCost", {}),
        "aisci.getTree": await lsp.command("aisci.getTree", {"folder": str(folder)}),
        "aisci.checkTemplateName": await lsp.command(
            "aisci.checkTemplateName", {"name": "tiny", "dir": str(workspace / "templates")}
        ),
        "aisci.checkTemplate": await lsp.command("aisci.checkTemplate", {"template": template}),
        "aisci.cancel": await lsp.command("aisci.cancel", {"job": "aisci-job-999"}),
    }
    by_template = await lsp.command("aisci.listRuns", {"template": template})
    by_folder = await lsp.command("aisci.listRuns", {"folder": str(folder)})
    tex = workspace / "paper.tex"
    tex.write_text("\\documentclass{article}\\begin{document}Hello.\\end{document}\n")
    rendered = await lsp.command("aisci.renderText", {"path": str(tex)})
    # Each answer was validated on arrival (conftest.check_answer); these say the workspace
    # filled the fields that are null or empty when there is nothing to show.
    # aisci.steerNode's answer is checked in tests/lsp/test_search_tree.py, on a real search;
    # aisci.newTopic's and aisci.checkTopic's in tests/lsp/test_topics.py, on a topic file.
    topics = {"aisci.newTopic", "aisci.checkTopic"}
    assert set(wire.ANSWERS) == {
        *asked,
        "aisci.listRuns",
        "aisci.renderText",
        "aisci.steerNode",
        *topics,
    }
    [idea] = asked["aisci.listIdeas"]["ideas"]
    assert (
        idea["verdict"]["localOnly"] is True
        and "verdict" not in asked["aisci.listIdeas"]["seeds"][0]
    )
    [paper] = asked["aisci.listPapers"]["papers"]
    assert paper["kind"] == "model" and paper["scores"] == {"Overall": 4, "Clarity": 3}
    assert asked["aisci.getCost"]["ledgers"][0]["unknown"] is True
    assert asked["aisci.checkTemplateName"]["problem"]
    assert by_template["folders"][0] == by_folder
    assert [r["where"] for r in by_folder["runs"]] == [None, "3fa2c1d0 (gpu-07)"]
    assert "Hello." in rendered["text"]
    assert asked["aisci.cancel"] == {"cancelled": []}


def test_a_review_result_carries_the_saved_review(tmp_path):
    """aisci.review and aisci.improve answer with the review they saved (the LSP tests run them
    only inside aisci.launch): the improved one first, all null when none can be read."""
    schema = wire.schema(wire.RESULTS["aisci.review"])
    outcome = StageOutcome(True, "Reject (3/10)")
    unread = wire.to_wire(_reviewed(tmp_path, outcome))
    jsonschema.validate(unread, schema)
    assert unread["review"] is None and unread["reviewKind"] is None
    review = {"Kind": "model", "Decision": "Reject", "Overall": 3}
    (tmp_path / "review.json").write_text(json.dumps({"review": review}))
    (tmp_path / "review_improved.json").write_text("{not json")
    answer = wire.to_wire(_reviewed(tmp_path, outcome))
    jsonschema.validate(answer, schema)
    assert answer["review"] == review and answer["reviewKind"] == "model"
    assert answer["verdict"] == "Reject, overall 3/10" and answer["message"] == "Reject (3/10)"
