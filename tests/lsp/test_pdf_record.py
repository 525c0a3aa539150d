"""One PDF of record per paper (lsp/pdf_record.py): the rule on files, then through the server:
a save's good build replaces ``<idea>.pdf``, a failed one keeps it and names its first error on
its line; with no TeX on the server's PATH a save gives a Problems entry and names the missing
programs once per server session."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from lsprotocol import types
from tests.lsp.conftest import start, stop

from aisci.lsp import pdf_record

needs_tex = pytest.mark.skipif(shutil.which("latexmk") is None, reason="latexmk is not installed")
GOOD = "\\documentclass{article}\n\\begin{document}\nA first result.\n\\end{document}\n"


def idea_folder(root: Path, idea: str = "wd_sweep") -> Path:
    folder = root / "results" / "tiny" / f"20260101_120000_{idea}"
    (folder / "latex").mkdir(parents=True)
    (folder / "state.json").write_text(json.dumps({"idea": idea}))
    (folder / "latex" / "template.tex").write_text(GOOD)
    return folder


def touch(path: Path, mtime: float, text: str = "x") -> None:
    path.write_text(text)
    os.utime(path, (mtime, mtime))


def test_the_record_of_an_idea_is_its_pdf_even_when_latexmk_wrote_a_newer_one(tmp_path):
    folder = idea_folder(tmp_path)
    latex = folder / "latex"
    assert pdf_record.keep_at(latex) == folder / "wd_sweep.pdf"
    assert pdf_record.of_idea(folder) is None  # never built
    touch(latex / "template.pdf", 1000)  # a build that failed: only latexmk's output
    assert pdf_record.of_idea(folder) == pdf_record.Record(latex / "template.pdf", 1000, True)
    touch(latex / "template.tex", 500, GOOD)
    touch(folder / "wd_sweep.pdf", 900)
    touch(latex / "template.pdf", 2000)  # newer, but not a successful build's
    record = pdf_record.of_idea(folder)
    assert record == pdf_record.Record(folder / "wd_sweep.pdf", 900, False)
    touch(latex / "references.bib", 950)  # a source saved after the good build
    assert pdf_record.of_idea(folder).stale


def test_links_in_the_paper_folder_are_not_followed(tmp_path):
    """A run's build writes latex/: a link there is not a source, and a linked PDF no record."""
    folder = idea_folder(tmp_path)
    latex = folder / "latex"
    touch(latex / "template.tex", 500, GOOD)
    elsewhere = tmp_path / "elsewhere.tex"
    touch(elsewhere, 5000)
    (latex / "notes.tex").symlink_to(elsewhere)  # newer than the PDF, through a link
    touch(folder / "wd_sweep.pdf", 900)
    assert pdf_record.of_idea(folder) == pdf_record.Record(folder / "wd_sweep.pdf", 900, False)
    (folder / "wd_sweep.pdf").unlink()
    (folder / "wd_sweep.pdf").symlink_to(elsewhere)
    assert pdf_record.of_idea(folder) is None


def test_a_template_or_loose_document_keeps_no_copy(tmp_path):
    template_latex = tmp_path / "templates" / "tiny" / "latex"
    template_latex.mkdir(parents=True)
    (template_latex / "template.tex").write_text(GOOD)
    assert pdf_record.keep_at(template_latex) is None  # not an idea folder: no tiny.pdf there
    touch(template_latex / "template.pdf", 1000)
    assert pdf_record.of_record(template_latex, last_ok=True).pdf == template_latex / "template.pdf"
    assert pdf_record.of_record(template_latex, last_ok=False) is None


def save(client, path: Path) -> None:
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(path.as_uri()))
    )


@needs_tex
async def test_a_failed_save_keeps_the_pdf_of_record_and_names_its_first_error(lsp, workspace):
    folder = idea_folder(workspace)
    tex, record = folder / "latex" / "template.tex", folder / "wd_sweep.pdf"
    save(lsp, tex)
    good = await lsp.wait_for("aisci/previewReady", timeout=120)
    assert good["ok"] and good["pdf"] == str(record) and good["firstError"] is None
    assert not good["stale"] and good["builtAt"] == pytest.approx(record.stat().st_mtime)
    assert record.with_name("wd_sweep.synctex.gz").is_file()
    kept = record.read_bytes()

    tex.write_text(GOOD.replace("A first result.", "A first result.\n\\undefinedmacro"))
    save(lsp, tex)
    failed = await lsp.wait_for("aisci/previewReady", lambda p: not p["ok"], timeout=120)
    assert failed["pdf"] == str(record) and record.read_bytes() == kept
    assert failed["stale"]  # the PDF shown is older than the source
    first = failed["firstError"]
    assert first["file"] == str(tex) and first["line"] == 4 and "undefinedmacro" in first["message"]
    assert failed["missing"] == [] and failed["install"] is None

    listed = await lsp.command("aisci.listPapers", {})
    mine = [p for p in listed["papers"] if p["folder"] == str(folder)]
    assert [(p["pdf"], p["pdfStale"]) for p in mine] == [(str(record), True)]


async def test_no_tex_on_path_is_a_problem_and_named_once(workspace, tmp_path):
    empty = tmp_path / "no-tex-here"
    empty.mkdir()
    client = await start(workspace, env={"PATH": str(empty)})
    try:
        folder = idea_folder(workspace)
        tex = folder / "latex" / "template.tex"
        save(client, tex)
        first = await client.wait_for("aisci/previewReady", timeout=60)
        assert not first["ok"] and first["pdf"] is None
        assert "latexmk" in first["error"] and first["firstError"]["file"] == str(tex)
        assert sorted(first["missing"]) == ["bibtex", "latexmk", "pdflatex"]
        assert "apt-get install" in first["install"]
        problem = await client.wait_for(
            types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS,
            lambda p: p.uri == tex.as_uri() and p.diagnostics,
        )
        assert problem.diagnostics[0].range.start.line == 0
        assert "not installed" in problem.diagnostics[0].message

        tex.write_text(GOOD.replace("first", "second"))
        save(client, tex)
        again = await client.wait_for(
            "aisci/previewReady", lambda p: p is not first and p["error"], timeout=60
        )
        assert again["missing"] == [] and again["install"] is None  # named once a session
    finally:
        await stop(client)
