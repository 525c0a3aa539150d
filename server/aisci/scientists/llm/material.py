"""What the prompts show, made compact: every token here is paid on every call.

- ``compact_source`` drops docstrings (the task description says what they say), trailing
  spaces and repeated blank lines, keeps comments (they say why a default is what it is), and
  cuts at ``max_chars`` on a line boundary with a note of what was left out.
- ``outline_source`` shows a script's shape for a decision that plans a change rather than
  makes it: top-level constants, comments and short assignments whole, classes with their
  fields, functions by their signature and first docstring line, every body left out.
  ``source_changes`` is a unified diff of a script against its template: with the outline of
  the template, what the script is now.
- ``taken_ideas`` lists ideas as ``- name: title`` lines (the experiment text is long and the
  title is enough to avoid a repeat).
- ``paper_lines`` shows a search result as numbered entries: title, year, venue, citations and
  the first ~300 characters of the abstract; unknown fields say so.
- ``one_line`` folds a text's whitespace; ``means_inline``, ``means_lines``, ``history_lines``
  and ``run_lines`` show runs and their means (4 significant digits) to the experiment and plot
  prompts.
- ``search_material`` tells a tree search as its record does (paper/search_paragraph.py,
  the sweep report's own words) with the best variant's whole change from the baseline (the
  diff of every node on its path) and its numbers over seeds, so a model-written paper
  describes the search from tree.json, not from memory; "" without one.
"""

from __future__ import annotations

import ast
import difflib
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from aisci.core.ideas import Idea
from aisci.core.scientist import RunRecord
from aisci.core.search import Tree, diff_summary, load_tree
from aisci.paper.prose import fmt
from aisci.paper.search_paragraph import TREE_FIGURE, best_path, search_metric, search_paragraph

if TYPE_CHECKING:
    from aisci.literature import Paper

SOURCE_CHARS = 16_000  # ~4k tokens: every template of this project fits whole once docstrings go
ABSTRACT_CHARS = 300


def _docstring_lines(source: str) -> set[int]:
    """1-based line numbers of module, class and function docstrings."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    lines: set[int] = set()
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        body = node.body
        if (
            body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            first = body[0]
            if len(body) == 1 and not isinstance(node, ast.Module):
                continue  # the docstring is the whole body: removing it would break the code
            lines.update(range(first.lineno, (first.end_lineno or first.lineno) + 1))
    return lines


def compact_source(source: str, max_chars: int = SOURCE_CHARS) -> str:
    drop = _docstring_lines(source)
    kept: list[str] = []
    for number, line in enumerate(source.splitlines(), 1):
        if number in drop:
            continue
        line = line.rstrip()
        if not line and (not kept or not kept[-1]):
            continue
        kept.append(line)
    while kept and not kept[-1]:
        kept.pop()
    text = "\n".join(kept)
    if len(text) <= max_chars:
        return text
    cut = text.rfind("\n", 0, max_chars)
    shown = text[: cut if cut > 0 else max_chars]
    left = text.count("\n", len(shown)) + (0 if cut > 0 else 1)
    return f"{shown}\n# ... ({left} more lines not shown)"


OUTLINE_ASSIGN_LINES = 4  # a longer top-level assignment shows its first line and "..."


def outline_source(source: str, max_chars: int = SOURCE_CHARS) -> str:
    """The shape of a script (see the module docstring); ``compact_source`` when it does not
    parse."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return compact_source(source, max_chars)
    lines = source.splitlines()
    kept: list[str] = []

    def segment(first: int, last: int, indent: str = "") -> None:
        chunk = lines[first - 1 : last]
        if len(chunk) > OUTLINE_ASSIGN_LINES:
            chunk = [chunk[0], indent + "    ..."]
        kept.extend(line.rstrip() for line in chunk)

    def signature(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        first = min([d.lineno for d in node.decorator_list] + [node.lineno])
        kept.extend(line.rstrip() for line in lines[first - 1 : node.body[0].lineno - 1])
        doc = ast.get_docstring(node)
        indent = " " * (node.col_offset + 4)
        if doc:
            kept.append(f'{indent}"""{doc.strip().splitlines()[0]}"""')

    def visit(body: list[ast.stmt], in_class: bool) -> None:
        for node in body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                signature(node)
                kept.append(" " * (node.col_offset + 4) + "...")
            elif isinstance(node, ast.ClassDef):
                signature(node)
                visit(node.body, True)
            elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                segment(node.lineno, node.end_lineno or node.lineno, " " * node.col_offset)
            elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
                continue  # a docstring
            elif not in_class:
                segment(node.lineno, node.end_lineno or node.lineno)

    # Comment lines at the top level say what a section is for: keep them where they stand.
    comments = {n: line for n, line in enumerate(lines, 1) if line.startswith("#")}
    nodes = sorted(tree.body, key=lambda n: n.lineno)
    for n in sorted(comments):
        nodes.append(ast.Pass(lineno=n, col_offset=-1))  # a marker, printed below
    for node in sorted(nodes, key=lambda n: n.lineno):
        if isinstance(node, ast.Pass) and node.col_offset == -1:
            kept.append(comments[node.lineno])
        else:
            visit([node], False)
    text = "\n".join(kept)
    return text if len(text) <= max_chars else compact_source(text, max_chars)


def source_changes(original: str, now: str, name: str = "experiment.py") -> str:
    """A unified diff of ``now`` against ``original`` (one line of context); "" when equal."""
    diff = difflib.unified_diff(
        original.splitlines(), now.splitlines(), f"template/{name}", name, n=1, lineterm=""
    )
    return "\n".join(diff)


def taken_ideas(ideas: Iterable[Idea]) -> str:
    lines = [f"- {idea.name}: {one_line(idea.title)}" for idea in ideas]
    return "\n".join(lines) if lines else "(none yet)"


def describe_idea(idea: Idea) -> str:
    return f"Title: {one_line(idea.title)}\nExperiment: {one_line(idea.experiment)}"


def paper_lines(papers: Sequence[Paper], abstract_chars: int = ABSTRACT_CHARS) -> str:
    entries = []
    for n, paper in enumerate(papers, 1):
        cites = "?" if paper.citation_count is None else str(paper.citation_count)
        head = (
            f"{n}. {paper.title} ({paper.year or 'year ?'}; {paper.venue or 'venue ?'}; "
            f"{cites} citations)"
        )
        abstract = one_line(paper.abstract or "")
        if len(abstract) > abstract_chars:
            abstract = abstract[:abstract_chars].rsplit(" ", 1)[0] + " ..."
        entries.append(f"{head}\n   {abstract or 'No abstract.'}")
    return "\n".join(entries)


def one_line(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


# -- runs, as the experiment and plot prompts show them --------------------------------------
def number(value: float) -> str:
    return f"{value:.4g}"


def means_inline(means: dict[str, dict[str, float]]) -> str:
    parts = [
        f"{ds}: " + ", ".join(f"{m}={number(v)}" for m, v in metrics.items())
        for ds, metrics in means.items()
    ]
    return "; ".join(parts) or "no results"


def means_lines(means: dict[str, dict[str, float]]) -> str:
    return (
        "\n".join(
            f"- {ds}: " + ", ".join(f"{m}={number(v)}" for m, v in metrics.items())
            for ds, metrics in means.items()
        )
        or "(no results)"
    )


def history_lines(history: Iterable[RunRecord]) -> str:
    lines = []
    for record in history:
        outcome = (
            f"FAILED: {one_line(record.error)}" if record.error else means_inline(record.means)
        )
        lines.append(f"- {record.run}: {one_line(record.description)} -> {outcome}")
    return "\n".join(lines) or "(none yet)"


def run_lines(finished: Iterable[RunRecord]) -> str:
    lines = ["- run_0: the baseline (the template unchanged)"]
    lines += [f"- {r.run}: {one_line(r.description)}" for r in finished]
    return "\n".join(lines)


def _best_changes(tree: Tree) -> list[str]:
    """The best node's whole change from the baseline: each diff on its path, in order."""
    best = tree.best(search_metric(tree).better)
    if best is None or best.id == 0:
        return []
    lines = [
        "",
        f"run_{best.id}'s whole change from the baseline (each step of its path, in order; "
        "describe all of them, not only the last):",
    ]
    lines += [f"- run_{n.id}: {diff_summary(n.diff)}" for n in best_path(tree, best)]
    return lines


def search_material(folder: Path) -> str:
    """The search paragraph (LaTeX) and the seeds table of a tree search's record; "" for a
    linear search or a folder without a record. A broken record is an error, never skipped."""

    tree = load_tree(folder)
    if tree is None or tree.search != "tree" or not tree.metric:
        return ""
    text = [search_paragraph(tree), *_best_changes(tree)]
    conf = tree.confirmation or {}
    if conf.get("means"):
        text += [
            "",
            f"The best variant (run_{conf.get('node')}) over {conf.get('n')} seeds "
            f"(AISCI_SEED = {', '.join(str(s) for s in conf.get('seeds', []))}); print each "
            "with \\resseeds{data set}{metric}{mean|std|stderr|min|max|n}:",
            "| {data set}{metric} | mean | std | min | max |",
        ]
        for dataset, metrics in conf["means"].items():
            for name, s in metrics.items():
                cells = [
                    fmt(s[k]) if isinstance(s.get(k), (int, float)) else "--"
                    for k in ("mean", "std", "min", "max")
                ]
                text.append(f"| {{{dataset}}}{{{name}}} | " + " | ".join(cells) + " |")
    if (Path(folder) / TREE_FIGURE).is_file():
        text += [
            "",
            f"The paragraph cites Figure~\\ref{{fig:tree}}: {TREE_FIGURE} in the idea folder (colour: "
            "the kind of node; a cross: it failed; the thick line: the path to the best node).",
        ]
    return "\n".join(text)
