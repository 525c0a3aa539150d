"""Reviews in the NeurIPS form (design.md §2): the schema, validation, the meta-review, the
readable review.txt, and the paper text a reviewer reads.

A review is a dict with ``Summary``, ``Strengths``, ``Weaknesses``, ``Questions``,
``Limitations`` (lists or text), ``Originality``, ``Quality``, ``Clarity``, ``Significance``,
``Soundness``, ``Presentation``, ``Contribution`` (1-4), ``Overall`` (1-10), ``Confidence``
(1-5), ``Ethical Concerns`` (bool) and ``Decision`` (Accept/Reject). ``Kind`` (an optional
key of ours) says who wrote it: "model", "meta" or "checklist".

A checklist review (the sweep scientist's, scientists/sweep/checklist.py) is not a judgement:
it has the text fields and ``Checks`` but no scores and no decision, and it is shown as
"checks N/M passed, not judged" (``review_line``). Only model reviews form an ensemble and a
meta-review.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
from pathlib import Path
from typing import Any

from aisci.errors import AisciError
from aisci.execution.tex_boundary import pdf_box
from aisci.paper.textify import tex_file_to_text

TEXT_FIELDS = ("Summary", "Strengths", "Weaknesses", "Questions", "Limitations")
SCORES = {
    "Originality": (1, 4),
    "Quality": (1, 4),
    "Clarity": (1, 4),
    "Significance": (1, 4),
    "Soundness": (1, 4),
    "Presentation": (1, 4),
    "Contribution": (1, 4),
    "Overall": (1, 10),
    "Confidence": (1, 5),
}
REVIEW_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": [*TEXT_FIELDS, *SCORES, "Ethical Concerns", "Decision"],
    "properties": {
        **{
            f: {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
            for f in TEXT_FIELDS
        },
        **{f: {"type": "integer", "minimum": lo, "maximum": hi} for f, (lo, hi) in SCORES.items()},
        "Ethical Concerns": {"type": "boolean"},
        "Decision": {"type": "string", "enum": ["Accept", "Reject"]},
    },
}


def is_checklist(review: dict[str, Any]) -> bool:
    return review.get("Kind") == "checklist"


def review_kind(review: dict[str, Any]) -> str:
    """The kind of judgement behind a review (design.md §8): "checklist" or "model"."""
    return "checklist" if is_checklist(review) else "model"


def review_line(review: dict[str, Any]) -> str:
    """One line for summaries: a model's decision and score, or what a checklist counted."""
    if is_checklist(review):
        return (
            review.get("Verdict")
            or f"checks {review.get('Passed', '?')}/{review.get('Total', '?')} passed, not judged"
        )
    return f"{review['Decision']}, overall {review['Overall']}/10"


def review_problems(review: Any) -> list[str]:
    """Every way ``review`` breaks the form, in words a model (or a person) can act on."""
    if not isinstance(review, dict):
        return [f"a review must be a JSON object, found {type(review).__name__}"]
    if is_checklist(review):
        problems = [f'missing "{f}"' for f in TEXT_FIELDS if f not in review]
        if not isinstance(review.get("Checks"), list) or not review["Checks"]:
            problems.append('a checklist review needs its "Checks"')
        judged = [f for f in (*SCORES, "Decision") if f in review]
        if judged:
            problems.append(
                f"a checklist review must not carry scores or a decision, found {', '.join(judged)}"
            )
        return problems
    problems = []
    for field in TEXT_FIELDS:
        value = review.get(field)
        if value is None:
            problems.append(f'missing "{field}"')
        elif not (
            isinstance(value, str)
            or (isinstance(value, list) and all(isinstance(v, str) for v in value))
        ):
            problems.append(f'"{field}" must be text or a list of strings')
    for field, (lo, hi) in SCORES.items():
        value = review.get(field)
        if value is None:
            problems.append(f'missing "{field}" ({lo}-{hi})')
        elif isinstance(value, bool) or not isinstance(value, (int, float)) or int(value) != value:
            problems.append(f'"{field}" must be an integer from {lo} to {hi}, found {value!r}')
        elif not lo <= value <= hi:
            problems.append(f'"{field}" must be from {lo} to {hi}, found {value}')
    if not isinstance(review.get("Ethical Concerns"), bool):
        problems.append('"Ethical Concerns" must be true or false')
    if review.get("Decision") not in ("Accept", "Reject"):
        problems.append(
            f'"Decision" must be "Accept" or "Reject", found {review.get("Decision")!r}'
        )
    return problems


def meta_review(reviews: list[dict[str, Any]]) -> dict[str, Any]:
    """One review from an ensemble: scores are the means (rounded), texts are concatenated,
    the decision follows the mean Overall (>= 6 accepts, the usual borderline)."""
    if not reviews:
        raise AisciError("A meta-review needs at least one review.", "Run the review first.")
    if len(reviews) == 1 or any(is_checklist(r) for r in reviews):
        return dict(reviews[0])  # checklists are identical; there is nothing to average
    meta: dict[str, Any] = {"Kind": "meta", "Reviews": len(reviews)}
    for field in TEXT_FIELDS:
        items: list[str] = []
        for review in reviews:
            value = review[field]
            items += value if isinstance(value, list) else [value]
        meta[field] = items
    for field in SCORES:
        meta[field] = round(statistics.mean(float(r[field]) for r in reviews))
        meta[f"{field} (mean)"] = round(statistics.mean(float(r[field]) for r in reviews), 2)
    meta["Ethical Concerns"] = any(r["Ethical Concerns"] for r in reviews)
    meta["Decision"] = "Accept" if meta["Overall (mean)"] >= 6 else "Reject"
    return meta


def render_review(review: dict[str, Any], title: str = "") -> str:
    """review.txt: a review a person reads from top to bottom."""
    kind = review.get("Kind", "model")
    header = {
        "checklist": "Checklist review (automatic checks, not a judgement: no decision, no scores)",
        "meta": f"Meta-review of {review.get('Reviews', '?')} model reviews (scores are means)",
        "model": "Model review",
    }.get(kind, "Review")
    lines = [header + (f": {title}" if title else ""), "=" * len(header), ""]
    if is_checklist(review):
        lines.append(f"Result: {review_line(review)}")
    else:
        lines.append(
            f"Decision: {review['Decision']}    Overall: {review['Overall']}/10    "
            f"Confidence: {review['Confidence']}/5"
        )
        lines.append("  ".join(f"{f}: {review[f]}/4" for f in SCORES if SCORES[f] == (1, 4)))
        lines.append(f"Ethical concerns: {'yes' if review['Ethical Concerns'] else 'no'}")
    for field in TEXT_FIELDS:
        value = review[field]
        lines += ["", f"{field}:"]
        lines += [f"  - {v}" for v in value] if isinstance(value, list) else [f"  {value}"]
    if review.get("Checks"):
        lines += ["", "Checks:"]
        lines += [
            f"  [{'x' if c['passed'] else ' '}] {c['name']}: {c['detail']}"
            for c in review["Checks"]
        ]
    return "\n".join(lines) + "\n"


def tex_to_text(tex: Path) -> str:
    """The paper's prose, with citations and references kept as [key] markers (paper/textify.py)."""
    return tex_file_to_text(tex)


def pdf_to_text(pdf: Path, timeout_s: float = 60, *, sandbox: str = "auto") -> str:
    """The PDF's text by pdftotext, run inside the TeX boundary (``sandbox``: the runs' setting):
    a PDF is untrusted input to a C parser, so the parser sees nothing of the project."""
    pdf = Path(pdf)
    if not pdf.is_file():
        raise AisciError(
            f"Cannot review {pdf}: the file does not exist.", "Give the path of a PDF."
        )
    if shutil.which("pdftotext") is None:
        raise AisciError(
            "Cannot read the PDF: pdftotext is not installed.",
            "Install poppler-utils (apt-get install poppler-utils, or make setup).",
        )
    box = pdf_box(sandbox)
    with open(pdf, "rb") as data:  # on stdin: the sandboxed tool opens no file of ours
        result = subprocess.run(
            box.command(["pdftotext", "-layout", "-", "-"]),
            stdin=data,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            env=box.env,
        )
    if result.returncode != 0:
        raise AisciError(
            f"Cannot read {pdf.name}: pdftotext failed ({result.stderr.strip()[:200]}).",
            "Check that the file is a PDF.",
        )
    if len(result.stdout.split()) < 20:
        raise AisciError(
            f"{pdf.name} has no text layer (it is probably scanned images).",
            "Review the LaTeX source instead, or run OCR on the PDF first.",
        )
    return result.stdout
