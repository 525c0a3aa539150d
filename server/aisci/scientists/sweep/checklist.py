"""The sweep scientist's review: a checklist of things a program can verify. It says whether
the paper is sound bookkeeping, not whether it is good science, so it has no decision and no
scores (design.md §8, "Honest labels"): only a model's review has those. Everywhere it is shown
as "checks N/M passed, not judged" (``verdict``).

Checks: the paper builds; every figure is referenced in the text; every citation resolves;
the consistency check is clean; every run the paper reports has its results on disk.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from aisci.core.records import IdeaState
from aisci.core.state import State


def _check(name: str, passed: bool, detail: str) -> dict[str, Any]:
    return {"name": name, "passed": bool(passed), "detail": detail}


def run_checks(folder: Path) -> list[dict[str, Any]]:
    folder = Path(folder)
    state = IdeaState.of(State.load(folder))
    build = state.build
    tex_path = folder / "latex" / "template.tex"
    tex = tex_path.read_text(encoding="utf-8", errors="replace") if tex_path.is_file() else ""
    checks = [
        _check(
            "builds",
            build.status == "done" and build.pdf_ok,
            build.summary or "the paper was not built",
        )
    ]

    labels = dict(
        re.findall(r"\\includegraphics(?:\[[^\]]*\])?\{([^}]*)\}[\s\S]*?\\label\{([^}]*)\}", tex)
    )
    unreferenced = [
        fig
        for fig, label in labels.items()
        if not re.search(r"\\[cC]?ref\{" + re.escape(label) + r"\}", tex)
    ]
    figures = re.findall(r"\\includegraphics(?:\[[^\]]*\])?\{([^}]*)\}", tex)
    checks.append(
        _check(
            "every figure referenced",
            bool(figures) and not unreferenced,
            f"{len(figures)} figure(s)"
            + (
                f"; not referenced: {', '.join(unreferenced)}"
                if unreferenced
                else ("" if figures else "; the paper has no figure")
            ),
        )
    )

    missing = build.missing_citations
    checks.append(
        _check(
            "citations resolve",
            build.status == "done" and not missing,
            "every \\cite key has a .bib entry"
            if not missing
            else f"missing: {', '.join(missing)}",
        )
    )

    mismatches = build.consistency_mismatches
    checks.append(
        _check(
            "consistency check clean",
            mismatches == 0,
            f"{build.numbers_checked} numbers checked, {mismatches} without a matching result"
            if mismatches is not None
            else "not run",
        )
    )

    runs = [name for name, step in state.run_steps().items() if step.done]
    unbacked = [r for r in ["run_0", *runs] if not (folder / r / "final_info.json").is_file()]
    checks.append(
        _check(
            "each stated effect backed by a run",
            not unbacked,
            f"{len(runs) + 1} run(s) with results on disk"
            if not unbacked
            else f"results missing for {', '.join(unbacked)}",
        )
    )
    return checks


def verdict(passed: int, total: int) -> str:
    """How a checklist review is shown everywhere, instead of a decision."""
    return f"checks {passed}/{total} passed, not judged"


def checklist_review(folder: Path) -> dict[str, Any]:
    checks = run_checks(folder)
    passed = sum(c["passed"] for c in checks)
    failed = [c for c in checks if not c["passed"]]
    return {
        "Kind": "checklist",
        "Summary": "A checklist review of a one-factor sweep report, derived from automatic checks; it is not a "
        f"judgement of the science and has no decision or scores. {passed} of {len(checks)} checks passed.",
        "Strengths": [f"{c['name']}: {c['detail']}" for c in checks if c["passed"]],
        "Weaknesses": [f"{c['name']}: {c['detail']}" for c in failed]
        + ["A one-factor sweep: no interactions between knobs, no explanation of the effects."],
        "Questions": ["Do the effects hold at a larger scale and with more seeds?"],
        "Limitations": [
            "The checks verify bookkeeping (builds, references, numbers traced to runs), not scientific merit."
        ],
        "Checks": checks,
        "Passed": passed,
        "Total": len(checks),
        "Verdict": verdict(passed, len(checks)),
    }
