"""Provenance of a paper's numbers in the editor, through the real server: hover on a results
macro and on a literal, Go to Definition into the run's final_info.json, the quick fix that
writes a literal as its macro, the rendered text, and a run's file that is a link."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from lsprotocol import types

from aisci.lsp import provenance

# Two runs of a sine regression: run_1 with three seeds, run_2 with one; each file is written
# with an indent, so a key has a line of its own.
RUN_1 = {
    "sine": {
        "means": {"val_loss": 0.31234, "train_loss": 0.2},
        "stderrs": {"val_loss": 0.00421},
        "final_info_dict": {"val_loss": [0.31, 0.312, 0.315], "train_loss": [0.2, 0.2, 0.2]},
    }
}
RUN_2 = {
    "sine": {
        "means": {"val_loss": 0.2787, "train_loss": 0.25},
        "final_info_dict": {"val_loss": [0.2787], "train_loss": [0.25]},
    }
}
PAPER = r"""\documentclass{article}
\begin{document}
Our change lowers the loss to \res{run_2}{sine}{val_loss} from \respm{run_1}{sine}{val_loss}.
Written by hand, the new loss is 0.2787 and the old one 0.3123.
A number that is no run's: 0.4444. A missing name: \res{run_9}{sine}{val_loss}.
The loss starts near 0.20, as printed by no run.
\end{document}
"""


def idea(workspace: Path, text: str = PAPER) -> Path:
    """An idea folder with two runs and its paper; the paper's path."""
    folder = workspace / "results" / "sine" / "20261207_120000_idea"
    for run, info in (("run_1", RUN_1), ("run_2", RUN_2)):
        (folder / run).mkdir(parents=True)
        (folder / run / "final_info.json").write_text(json.dumps(info, indent=2))
    (folder / "latex").mkdir()
    tex = folder / "latex" / "template.tex"
    tex.write_text(text)
    return tex


def at(text: str, needle: str, inside: int = 2) -> types.Position:
    """The position ``inside`` characters into the first ``needle`` of ``text``."""
    offset = text.index(needle) + inside
    line = text.count("\n", 0, offset)
    return types.Position(line, offset - (text.rfind("\n", 0, offset) + 1))


async def hover_at(lsp, uri: str, position: types.Position) -> str | None:
    answer = await lsp.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), position)
    )
    return None if answer is None else answer.contents.value


async def test_hover_says_where_a_macro_and_a_literal_come_from(lsp, workspace):
    tex = idea(workspace)
    uri = lsp.open(tex)

    mean = await hover_at(lsp, uri, at(PAPER, r"\res{run_2}", 6))
    assert mean is not None
    assert mean.startswith("`\\res{run_2}{sine}{val_loss}` prints **`0.2787`**")
    assert "run `run_2`, data set `sine`, metric `val_loss`" in mean
    assert "mean 0.2787, 1 seed" in mean  # one seed: no standard error to show
    assert "from `run_2/final_info.json: sine.means.val_loss over 1 seed`" in mean

    spread = await hover_at(lsp, uri, at(PAPER, r"\respm{run_1}", 1))
    assert "prints **`0.3123 ± 0.004210 (n = 3)`**" in spread
    assert "mean 0.3123 ± 0.004210 (standard error), 3 seeds" in spread
    assert "`run_1/final_info.json: sine.means.val_loss and .stderrs.val_loss over 3" in spread

    literal = await hover_at(lsp, uri, at(PAPER, "0.2787 and", 3))
    assert literal.startswith("literal 0.2787: write `\\res{run_2}{sine}{val_loss}`")
    assert "`run_2/final_info.json: sine.means.val_loss" in literal

    assert await hover_at(lsp, uri, at(PAPER, "0.4444", 2)) is None  # the checker's to flag
    assert await hover_at(lsp, uri, at(PAPER, "0.20,", 2)) is None  # not as any run prints
    assert await hover_at(lsp, uri, at(PAPER, "Written by", 2)) is None

    missing = await hover_at(lsp, uri, at(PAPER, r"\res{run_9}", 3))
    assert missing.startswith("`\\res{run_9}{sine}{val_loss}` names no recorded value")
    assert missing.endswith("Runs with results: `run_1, run_2`.")


async def test_a_literal_that_prints_as_two_values_lists_both(lsp, workspace):
    text = PAPER.replace("0.4444", "0.2500")  # each run's train loss, once they are equal
    tex = idea(workspace, text)
    same = copy.deepcopy(RUN_1)
    same["sine"]["means"]["train_loss"] = 0.25
    (tex.parent.parent / "run_1" / "final_info.json").write_text(json.dumps(same, indent=2))
    uri = lsp.open(tex)
    both = await hover_at(lsp, uri, at(text, "0.2500", 2))
    assert both.startswith("literal 0.2500 prints as 2 recorded values")
    assert "`\\res{run_1}{sine}{train_loss}` prints **`0.2500`**" in both
    assert "`\\res{run_2}{sine}{train_loss}` prints **`0.2500`**" in both


async def test_go_to_definition_opens_the_key_in_the_runs_file(lsp, workspace):
    caps = lsp.init_result.capabilities
    assert caps.definition_provider
    assert list(caps.code_action_provider.code_action_kinds) == [types.CodeActionKind.QuickFix]
    tex = idea(workspace)
    uri = lsp.open(tex)
    found = await lsp.text_document_definition_async(
        types.DefinitionParams(types.TextDocumentIdentifier(uri), at(PAPER, r"\res{run_2}", 8))
    )
    info = tex.parent.parent / "run_2" / "final_info.json"
    assert [loc.uri for loc in found] == [info.as_uri()]
    lines = info.read_text().splitlines()
    assert lines[found[0].range.start.line].strip() == '"val_loss": 0.2787,'
    # The line is the means entry, not the per-seed list that comes later with the same key.
    assert '"means"' in lines[found[0].range.start.line - 1]

    nothing = await lsp.text_document_definition_async(
        types.DefinitionParams(types.TextDocumentIdentifier(uri), at(PAPER, "0.4444", 2))
    )
    assert not nothing


async def test_a_run_file_that_is_a_link_opens_nothing_and_breaks_nothing(lsp, workspace):
    tex = idea(workspace)
    info = tex.parent.parent / "run_2" / "final_info.json"
    elsewhere = workspace / "elsewhere.json"
    elsewhere.write_text(info.read_text())
    info.unlink()
    info.symlink_to(elsewhere)
    uri = lsp.open(tex)
    found = await lsp.text_document_definition_async(
        types.DefinitionParams(types.TextDocumentIdentifier(uri), at(PAPER, r"\res{run_2}", 8))
    )
    assert not found
    # run_2 is not read at all: its macro names nothing, run_1's still has its source.
    missing = await hover_at(lsp, uri, at(PAPER, r"\res{run_2}", 3))
    assert missing.endswith(
        "names no recorded value: the build stops here. Runs with results: `run_1`."
    )
    still = await hover_at(lsp, uri, at(PAPER, r"\respm{run_1}", 1))
    assert "`run_1/final_info.json: sine.means.val_loss" in still


async def test_the_quick_fix_writes_a_literal_as_its_macro(lsp, workspace):
    tex = idea(workspace)
    uri = lsp.open(tex)
    line = PAPER.splitlines().index(
        "Written by hand, the new loss is 0.2787 and the old one 0.3123."
    )
    flagged = types.Diagnostic(
        range=types.Range(types.Position(line, 0), types.Position(line, 10_000)),
        message="the number 0.2787 is run_2/final_info.json: sine.means.val_loss",
        source="precheck",
    )
    actions = await lsp.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(uri),
            types.Range(types.Position(line, 0), types.Position(line, 0)),
            types.CodeActionContext(diagnostics=[flagged]),
        )
    )
    titles = [a.title for a in actions]
    assert titles == [
        "Replace 0.2787 by \\res{run_2}{sine}{val_loss}",
        "Replace 0.3123 by \\res{run_1}{sine}{val_loss}",
    ]
    first = actions[0]
    assert first.kind == types.CodeActionKind.QuickFix
    assert first.diagnostics[0].message == flagged.message
    (edit,) = first.edit.changes[uri]
    start = PAPER.splitlines()[line].index("0.2787")
    assert (edit.range.start.line, edit.range.start.character) == (line, start)
    assert (edit.range.end.line, edit.range.end.character) == (line, start + len("0.2787"))
    assert edit.new_text == "\\res{run_2}{sine}{val_loss}"

    # At the cursor, without a diagnostic: only the number under it; none for a number that
    # prints as no recorded value.
    cursor = at(PAPER, "0.3123", 1)
    only = await lsp.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(uri),
            types.Range(cursor, cursor),
            types.CodeActionContext(diagnostics=[]),
        )
    )
    assert [a.title for a in only] == ["Replace 0.3123 by \\res{run_1}{sine}{val_loss}"]
    for needle in ("0.4444", "0.20,"):
        cursor = at(PAPER, needle, 1)
        none = await lsp.text_document_code_action_async(
            types.CodeActionParams(
                types.TextDocumentIdentifier(uri),
                types.Range(cursor, cursor),
                types.CodeActionContext(diagnostics=[]),
            )
        )
        assert not none


async def test_the_rendered_text_shows_the_numbers_the_macros_print(lsp, workspace):
    tex = idea(workspace)
    lsp.open(tex)
    text = (await lsp.command("aisci.renderText", {"path": str(tex)}))["text"]
    assert "lowers the loss to 0.2787 from 0.3123 ± 0.004210 (n = 3)." in " ".join(text.split())
    assert "A missing name: ??." in text
    assert "\\res" not in text


def test_each_macro_opens_the_file_and_key_it_was_read_from(workspace):
    """Without the server: the location of a stderr, of a change (both runs), and line 0 for
    a key the file spells in a way the search does not know."""
    text = PAPER.replace(
        "0.4444", r"\reserr{run_1}{sine}{val_loss} \reschange{run_1}{run_2}{sine}{val_loss}"
    )
    tex = idea(workspace, text)
    folder = tex.parent.parent
    found = provenance.recorded(folder)
    first = folder / "run_1" / "final_info.json"
    (err,) = provenance.definitions(folder, text, text.index(r"\reserr") + 2, found)
    assert err[0] == first
    assert first.read_text().splitlines()[err[1]].strip() == '"val_loss": 0.00421'
    assert '"stderrs"' in first.read_text().splitlines()[err[1] - 1]
    change = provenance.definitions(folder, text, text.index(r"\reschange") + 2, found)
    assert [p.parent.name for p, _ in change] == ["run_1", "run_2"]
    assert all(line == 3 for _, line in change)  # "val_loss" under "means", line 4 of each

    # The same values, written with escaped key names: still read, opened at its first line.
    (folder / "run_2" / "final_info.json").write_text(
        json.dumps(RUN_2, indent=2).replace('"val_loss"', '"val\\u005floss"')
    )
    again = provenance.recorded(folder)
    assert again.get("res", "run_2", "sine", "val_loss") is not None
    assert provenance.definitions(folder, text, text.index(r"\res{run_2}") + 2, again) == [
        (folder / "run_2" / "final_info.json", 0)
    ]
