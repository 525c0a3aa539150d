"""The paper stages through the server, with the sweep scientist: a launch that writes, builds
and reviews the paper, then the per-folder paper commands and the papers view."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from lsprotocol import types

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("latexmk") is None, reason="needs TeX"),
]


async def test_paper_commands(lsp, workspace):
    template = workspace / "templates" / "tiny"
    result = await lsp.command(
        "aisci.launch", {"template": str(template), "numIdeas": 1}, timeout=600
    )
    assert result["ok"], result
    folder = Path(result["ideas"][0]["folder"])
    stages = {(s["stage"], s["state"]) for s in lsp.notes["aisci/stageChanged"]}
    assert {("writeup", "finished"), ("build", "started"), ("review", "finished")} <= stages
    ready = await lsp.wait_for("aisci/previewReady", lambda p: p["folder"] == str(folder))
    assert Path(ready["pdf"]).is_file()

    papers = (await lsp.command("aisci.listPapers", {"template": str(template)}))["papers"]
    assert (
        len(papers) == 1 and papers[0]["folder"] == str(folder) and Path(papers[0]["pdf"]).is_file()
    )
    # The sweep scientist's review is a checklist: counted checks, no decision, no scores.
    assert (
        papers[0]["kind"] == "checklist"
        and papers[0]["decision"] is None
        and papers[0]["scores"] == {}
    )
    assert papers[0]["verdict"] == "checks 5/5 passed, not judged"
    assert "review: checks 5/5 passed, not judged" in result["ideas"][0]["message"]

    consistency = await lsp.command("aisci.checkConsistency", {"folder": str(folder)})
    assert consistency["folder"] == str(folder) and consistency["checked"] >= 0
    assert consistency["ok"] == (consistency["mismatches"] == [])

    # Reproduced from the runs' recorded code; the scaffold's train_time is wall-clock: shown,
    # not compared, no failure.
    again = await lsp.command("aisci.reproduce", {"folder": str(folder)}, timeout=300)
    status = {n["text"]: n["status"] for n in again["numbers"]}
    assert status["\\res{run_0}{sine}{val_loss}"] == "reproduced", again
    assert again["reran"][0] == "run_0" and Path(again["report"]).is_file()
    clock = "not comparable (wall-clock)"
    assert {s for t, s in status.items() if "train_time" in t} <= {clock}
    assert again["ok"] and all(s in ("reproduced", clock) for s in status.values()), again

    lsp.notes["aisci/previewReady"].clear()
    drafted = await lsp.command(
        "aisci.draftPaper", {"folder": str(folder), "section": "Results"}, timeout=600
    )
    assert drafted["ok"] and drafted["tex"] == str(folder / "latex" / "template.tex")
    preview = await lsp.wait_for(
        "aisci/previewReady", lambda p: p["tex"] == drafted["tex"], timeout=120
    )
    assert preview["ok"] and Path(preview["pdf"]).is_file()

    tex = folder / "latex" / "template.tex"
    tex.write_text(tex.read_text().replace("\\end{document}", "\\brokenmacro\n\\end{document}"))
    built = await lsp.command("aisci.buildPaper", {"folder": str(folder)}, timeout=600)
    assert built["folder"] == str(folder) and built["errors"] >= 1
    published = await lsp.wait_for(
        types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS,
        lambda p: p.uri == tex.as_uri() and any("brokenmacro" in d.message for d in p.diagnostics),
        timeout=120,
    )
    line = next(d.range.start.line for d in published.diagnostics if "brokenmacro" in d.message)
    assert tex.read_text().splitlines()[line].startswith("\\brokenmacro")
    # The preview's banner names it too, and keeps the PDF of record (the launch's good build).
    banner = await lsp.wait_for("aisci/previewReady", lambda p: not p["ok"], timeout=120)
    assert banner["firstError"]["line"] == line + 1 and banner["pdf"] == built["pdf"]
    assert banner["pdf"] == str(folder / f"{result['ideas'][0]['idea']}.pdf")
