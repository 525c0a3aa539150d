"""The paper in the editor: \\cite completion and hover from the .bib, the live preview on save
(real latexmk), LaTeX diagnostics of a broken .tex, a newer build killing an older one, code
lenses on ideas.json, and the watcher's notifications for changes made outside the server."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from lsprotocol import types
from tests.lsp.conftest import wait_until

needs_tex = pytest.mark.skipif(shutil.which("latexmk") is None, reason="latexmk is not installed")

BIB = """@inproceedings{power2022grokking,
  title = {Grokking: Generalization Beyond Overfitting on Small Algorithmic Datasets},
  author = {Power, Alethea and Burda, Yuri and Edwards, Harri},
  booktitle = {ICLR MATH-AI Workshop},
  year = {2022},
  abstract = {We study generalization of neural networks on small algorithmically generated datasets.}
}
@article{nanda2023progress,
  title = {Progress measures for grokking via mechanistic interpretability},
  author = {Nanda, Neel and Chan, Lawrence},
  journal = {arXiv},
  year = 2023
}
"""
GOOD = r"""\documentclass{article}
\begin{document}
Grokking was first reported by \cite{power2022grokking}.
Later work \cite{nanda2023progress, } measured it.
\bibliographystyle{plain}
\bibliography{references}
\end{document}
"""


def paper(workspace: Path, text: str = GOOD) -> Path:
    latex = workspace / "paper" / "latex"
    latex.mkdir(parents=True, exist_ok=True)
    (latex / "references.bib").write_text(BIB)
    tex = latex / "template.tex"
    tex.write_text(text)
    return tex


def save(client, path: Path) -> None:
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(path.as_uri()))
    )


async def test_cite_completion_and_hover(lsp, workspace):
    tex = paper(workspace)
    uri = lsp.open(tex)
    line = GOOD.splitlines().index("Later work \\cite{nanda2023progress, } measured it.")
    after_comma = len("Later work \\cite{nanda2023progress, ")
    completion = await lsp.text_document_completion_async(
        types.CompletionParams(types.TextDocumentIdentifier(uri), types.Position(line, after_comma))
    )
    labels = {item.label for item in completion.items}
    assert labels == {"power2022grokking", "nanda2023progress"}
    item = next(i for i in completion.items if i.label == "power2022grokking")
    assert item.detail.startswith("Grokking: Generalization")
    assert item.text_edit.range.start.character == after_comma

    outside = await lsp.text_document_completion_async(
        types.CompletionParams(types.TextDocumentIdentifier(uri), types.Position(line, 3))
    )
    assert outside is None or not outside.items

    first = GOOD.splitlines().index("Grokking was first reported by \\cite{power2022grokking}.")
    hover = await lsp.text_document_hover_async(
        types.HoverParams(
            types.TextDocumentIdentifier(uri),
            types.Position(first, len("Grokking was first reported by \\cite{pow")),
        )
    )
    text = hover.contents.value
    for part in (
        "Grokking: Generalization Beyond Overfitting",
        "Alethea Power, Yuri Burda, Harri Edwards",
        "2022",
        "ICLR MATH-AI Workshop",
        "small algorithmically generated datasets",
    ):
        assert part in text
    nothing = await lsp.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(first, 2))
    )
    assert nothing is None


@needs_tex
async def test_preview_on_save_and_latex_diagnostics(lsp, workspace):
    tex = paper(workspace)
    lsp.open(tex)
    save(lsp, tex)
    ready = await lsp.wait_for("aisci/previewReady", timeout=120)
    assert ready["ok"] and ready["tex"] == str(tex) and Path(ready["pdf"]).is_file()
    assert ready["errors"] == 0

    broken = GOOD.replace("Later work", "\\undefinedmacro Later work")
    tex.write_text(broken)
    save(lsp, tex)
    failed = await lsp.wait_for("aisci/previewReady", lambda p: not p["ok"], timeout=120)
    assert failed["errors"] >= 1 and failed["pdf"] is None
    published = await lsp.wait_for(
        types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS,
        lambda p: (
            p.uri == tex.as_uri()
            and any(
                d.source == "latex" and d.severity == types.DiagnosticSeverity.Error
                for d in p.diagnostics
            )
        ),
    )
    error = next(d for d in published.diagnostics if d.severity == types.DiagnosticSeverity.Error)
    assert broken.splitlines()[error.range.start.line].startswith("\\undefinedmacro Later work")
    assert "undefinedmacro" in error.message

    # chktex's style findings come with the preview, under their own source.
    tex.write_text(GOOD.replace("Later work", 'Later work ``quotes" and'))
    save(lsp, tex)
    lint = await lsp.wait_for(
        types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS,
        lambda p: p.uri == tex.as_uri() and any("chktex 18" in d.message for d in p.diagnostics),
        timeout=120,
    )
    finding = next(d for d in lint.diagnostics if "chktex 18" in d.message)
    assert finding.source == "chktex" and finding.range.start.line == 3


def latex_processes(folder: Path) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (
                    os.readlink(entry / "cwd") == str(folder)
                    and b"tex" in (entry / "cmdline").read_bytes()
                ):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@needs_tex
async def test_newer_build_kills_older(lsp, workspace):
    tex = paper(
        workspace,
        GOOD.replace("\\begin{document}", "\\begin{document}\n\\def\\forever{\\forever}\\forever"),
    )
    save(lsp, tex)
    await wait_until(lambda: latex_processes(tex.parent), timeout=60, what="a hanging pdflatex")
    tex.write_text(GOOD)
    save(lsp, tex)
    ready = await lsp.wait_for("aisci/previewReady", timeout=120)
    assert ready["ok"]
    assert len(lsp.notes["aisci/previewReady"]) == 1  # the killed build reported nothing
    await wait_until(
        lambda: not latex_processes(tex.parent), timeout=30, what="the old build's processes ending"
    )


async def test_code_lenses_on_ideas(lsp, workspace):
    ideas = workspace / "results" / "tiny" / "ideas.json"
    ideas.parent.mkdir(parents=True)
    entries = [
        {
            "Name": n,
            "Title": f"Title {n}",
            "Experiment": "x",
            "Interestingness": 3,
            "Feasibility": 5,
            "Novelty": 4,
        }
        for n in ("first_idea", "second_idea")
    ]
    ideas.write_text(json.dumps(entries, indent=2))
    uri = lsp.open(ideas, "json")
    lenses = await lsp.text_document_code_lens_async(
        types.CodeLensParams(types.TextDocumentIdentifier(uri))
    )
    lines = ideas.read_text().splitlines()
    by_title = {}
    for lens in lenses:
        by_title.setdefault(lens.command.title, []).append(lens)
    assert set(by_title) == {"Check novelty", "Run experiments", "Write paper"}
    second = by_title["Run experiments"][1]
    assert '"Name": "second_idea"' in lines[second.range.start.line]
    arg = second.command.arguments[0]
    assert second.command.command == "aisci.runExperiments"
    assert arg == {"template": str(workspace / "templates" / "tiny"), "idea": "second_idea"}
    assert by_title["Check novelty"][0].command.arguments[0]["ideas"] == ["first_idea"]


async def test_watcher_reports_changes_made_outside(lsp, workspace):
    folder = workspace / "results" / "tiny" / "20250101_000000_outside"
    (folder / "run_1").mkdir(parents=True)
    (folder / "run_1" / "final_info.json").write_text(json.dumps({"d": {"means": {"acc": 0.75}}}))
    run = await lsp.wait_for("aisci/runFinished", timeout=30)
    assert run == {
        **run,
        "folder": str(folder),
        "run": "run_1",
        "ok": True,
        "means": {"d": {"acc": 0.75}},
        "source": "watcher",
    }
    ideas = workspace / "results" / "tiny" / "ideas.json"
    tmp = ideas.with_suffix(".tmp")
    tmp.write_text("[]")
    tmp.rename(ideas)  # how aisci writes it: atomically
    changed = await lsp.wait_for("aisci/ideasChanged", timeout=30)
    assert changed == {"template": "tiny", "path": str(ideas), "source": "watcher"}
