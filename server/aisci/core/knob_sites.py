"""Knobs held at a position: a literal keyword argument of a call or a function-local assignment.

The original system's templates keep most settings there (``lr=1e-3`` in an optimizer call
inside ``run()``, ``num_train_batches = 10`` inside ``train()``) rather than in module constants
or argparse defaults. Such a knob names its kind ("keyword": the keyword, or "local": the
variable), the enclosing ``function`` (null at module level), and the ``line`` and ``column``
where its literal starts (1-based, columns counted in characters as an editor counts them).

``sites`` lists every literal site of a source; ``find_site`` finds a declared one again:
``strict`` (the template check) needs the literal at exactly that column, otherwise (the
sweep, which may already have changed another literal earlier on the same line) the one site
of that kind and name on that line in that function is enough. ``set_site`` replaces exactly
that literal's text, so the sweep's edit stays a one-line diff. ``replace_span`` is the shared
text edit of one AST node.
"""

from __future__ import annotations

import ast
from collections import Counter
from dataclasses import dataclass
from typing import Any

from aisci.errors import AisciError

SITE_KINDS = ("keyword", "local")
# Keywords that shape data, a model's input and output, or printed output rather than set an
# experiment's hyperparameter (one-letter names, as k= or n=, are left out as well).
STRUCTURAL = {
    "axis", "axes", "dim", "dims", "diagonal", "ndim", "ndmin", "keepdims", "dtype",
    "device", "indent", "stacklevel", "num_workers", "n_jobs", "verbose", "decimals",
    "maxsplit", "protocol", "dpi", "figsize", "fontsize", "linewidth", "markersize",
    "alpha", "mininterval", "ncols", "nrows", "base", "start", "stop", "step", "out_dir",
    "type", "ddof", "ord", "order", "norm", "seq_len", "vocab_size", "input_size",
    "output_size", "in_features", "out_features", "in_channels", "out_channels", "num_classes",
}  # fmt: skip


@dataclass(frozen=True)
class Site:
    kind: str  # "keyword" or "local"
    name: str  # the keyword, or the local variable
    function: str | None  # the enclosing def; None at module level
    line: int
    column: int  # 1-based, in characters, where the literal starts
    value: Any
    node: ast.expr
    call: str = ""  # for a keyword: the called name ("AdamW")
    in_class: bool = False  # inside a class body (a model's method, not the study's code)


def char_offset(line: str, byte_offset: int) -> int:
    """ast columns count UTF-8 bytes; strings count characters."""
    return len(line.encode("utf-8")[:byte_offset].decode("utf-8", errors="replace"))


def replace_span(source: str, node: ast.expr, text: str) -> str:
    """``source`` with exactly the text of ``node`` (parsed from ``source``) replaced by ``text``."""
    # Parsed from text, the node has its end (None only on nodes built by hand).
    assert node.end_lineno is not None and node.end_col_offset is not None
    lines = source.splitlines(keepends=True)

    def offset(lineno: int, col: int) -> int:
        return sum(len(line) for line in lines[: lineno - 1]) + char_offset(lines[lineno - 1], col)

    start, end = offset(node.lineno, node.col_offset), offset(node.end_lineno, node.end_col_offset)
    return source[:start] + text + source[end:]


def _literal(node: ast.expr) -> tuple[bool, Any]:
    if isinstance(node, ast.Constant) or (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, (ast.USub, ast.UAdd))
        and isinstance(node.operand, ast.Constant)
    ):
        try:
            return True, ast.literal_eval(node)
        except ValueError:
            return False, None
    return False, None


def _call_name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


class _Finder(ast.NodeVisitor):
    def __init__(self, lines: list[str]):
        self.lines = lines
        self.found: list[Site] = []
        self.function: str | None = None
        self.in_class = False

    def _site(self, kind: str, name: str, node: ast.expr, call: str = "") -> None:
        ok, value = _literal(node)
        if ok:
            column = char_offset(self.lines[node.lineno - 1], node.col_offset) + 1
            self.found.append(
                Site(
                    kind, name, self.function, node.lineno, column, value, node, call, self.in_class
                )
            )

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        outer, self.function = self.function, node.name
        for child in node.body:  # not its decorators or defaults: those are no call's keywords
            self.visit(child)
        self.function = outer

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        outer, self.in_class = self.in_class, True
        self.generic_visit(node)
        self.in_class = outer

    def visit_Call(self, node: ast.Call) -> None:
        for keyword in node.keywords if _call_name(node) != "add_argument" else ():
            if keyword.arg:  # (an argparse default is an "argument" knob)
                self._site("keyword", keyword.arg, keyword.value, _call_name(node))
        self.generic_visit(node)

    def _assign(self, target: ast.expr, value: ast.expr | None) -> None:
        if self.function is not None and isinstance(target, ast.Name) and value is not None:
            self._site("local", target.id, value)

    def visit_Assign(self, node: ast.Assign) -> None:
        if len(node.targets) == 1:
            self._assign(node.targets[0], node.value)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._assign(node.target, node.value)
        self.generic_visit(node)


def sites(source: str) -> list[Site]:
    """Every literal keyword argument and every literal local assignment in ``source``."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    finder = _Finder(source.splitlines())
    finder.visit(tree)
    return sorted(finder.found, key=lambda s: (s.line, s.column))


def function_names(source: str, function: str | None) -> Counter[tuple[str, str]]:
    """(store or load, name) -> how often each name is assigned or read in ``function``'s defs
    (the whole module for None), to tell a setting (set once, read) from a running variable."""
    counts: Counter[tuple[str, str]] = Counter()
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return counts
    scopes: list[ast.AST] = [
        n
        for n in ast.walk(tree)
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == function
    ]
    if function is None:
        scopes = [tree]
    for scope in scopes:
        for n in ast.walk(scope):
            if isinstance(n, ast.Name):
                counts["load" if isinstance(n.ctx, ast.Load) else "store", n.id] += 1
            elif isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name):
                counts["store", n.target.id] += 1  # its Name is also counted as a store
    return counts


def find_site(
    source: str,
    kind: str,
    name: str,
    function: str | None,
    line: int,
    column: int,
    *,
    strict: bool = True,
) -> Site | None:
    """The declared site in ``source``, or None when it is not there (the code moved)."""
    here = [
        s
        for s in sites(source)
        if s.kind == kind and s.name == name and s.function == function and s.line == line
    ]
    exact = [s for s in here if s.column == column]
    if exact:
        return exact[0]
    return here[0] if not strict and len(here) == 1 else None


def set_site(
    source: str, kind: str, name: str, function: str | None, line: int, column: int, value: Any
) -> str:
    """``source`` with the literal of the declared site replaced by ``value``'s literal."""
    site = find_site(source, kind, name, function, line, column, strict=False)
    if site is None:
        what = f"{name}=" if kind == "keyword" else f"{name} = "
        raise AisciError(
            f"experiment.py has no literal {what}... at line {line} column {column} in "
            f"{function or 'the module'}: the code moved since knobs.json was written.",
            "Run `aisci template knobs --force` on the template to propose its knobs again "
            "(or fix that knob's line and column in knobs.json).",
        )
    return replace_span(source, site.node, repr(value))
