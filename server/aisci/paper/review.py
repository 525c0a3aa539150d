"""Reviews in the NeurIPS form (design.md §2): the schema, validation, the meta-review, the
readable review.txt, and the paper text a reviewer reads.

A review is a dict with ``Summary``, ``Strengths``, ``Weaknesses``, ``Questions``,
``Limitations`` (lists or text), ``Originality``, ``Quality``, ``Clarity``, ``Significance``,
``Soundness``, ``Presentation``, ``Contribution`` (1-4), ``Overall`` (1-10), ``Confidence``
(1-5), ``Ethical Concerns`` (bool) and ``Decision`` (Accept/Reject). ``Kind`` (an optional
key of ours) says who wrote it: "model", "meta" or "checklist".
"""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
from pathlib import Path
from typing import Any

from aisci.errors import AisciError

TEXT_FIELDS = ("Summary", "Strengths", "Weaknesses", "Questions", "Limitations")
SCORES = {
    "Originality": (1, 4), "Quality": (1, 4), "Clarity": (1, 4), "Significance": (1, 4),
    "Soundness": (1, 4), "Presentation": (1, 4), "Contribution": (1, 4),
    "Overall": (1, 10), "Confidence": (1, 5),
}
REVIEW_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": [*TEXT_FIELDS, *SCORES, "Ethical Concerns", "Decision"],
    "properties": {
        **{f: {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]} for f in TEXT_FIELDS},
        **{f: {"type": "integer", "minimum": lo, "maximum": hi} for f, (lo, hi) in SCORES.items()},
        "Ethical Concerns": {"type": "boolean"},
        "Decision": {"type": "string", "enum": ["Accept", "Reject"]},
    },
}


def review_problems(review: Any) -> list[str]:
    """Every way ``review`` breaks the form, in words a model (or a person) can act on."""
    if not isinstance(review, dict):
        return [f"a review must be a JSON object, found {type(review).__name__}"]
    problems = []
    for field in TEXT_FIELDS:
        value = review.get(field)
        if value is None:
            problems.append(f'missing "{field}"')
        elif not (isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))):
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
        problems.append(f'"Decision" must be "Accept" or "Reject", found {review.get("Decision")!r}')
    return problems


def meta_review(reviews: list[dict[str, Any]]) -> dict[str, Any]:
    """One review from an ensemble: scores are the means (rounded), texts are concatenated,
    the decision follows the mean Overall (>= 6 accepts, the usual borderline)."""
    if not reviews:
        raise AisciError("A meta-review needs at least one review.", "Run the review first.")
    if len(reviews) == 1:
        return dict(reviews[0])
    meta: dict[str, Any] = {"Kind": "meta", "Reviews": len(reviews)}
    for field in TEXT_FIELDS:
        items: list[str] = []
        for review in reviews:
            value = review[field]
            items += value if isinstance(value, list) else [value]
        meta[field] = items
    for field in SCORES:
        meta[field] = int(round(statistics.mean(float(r[field]) for r in reviews)))
        meta[f"{field} (mean)"] = round(statistics.mean(float(r[field]) for r in reviews), 2)
    meta["Ethical Concerns"] = any(r["Ethical Concerns"] for r in reviews)
    meta["Decision"] = "Accept" if meta["Overall (mean)"] >= 6 else "Reject"
    return meta


def render_review(review: dict[str, Any], title: str = "") -> str:
    """review.txt: a review a person reads from top to bottom."""
    kind = review.get("Kind", "model")
    header = {"checklist": "Checklist review (derived from automatic checks; not a model's judgement)",
              "meta": f"Meta-review of {review.get('Reviews', '?')} model reviews (scores are means)",
              "model": "Model review"}.get(kind, "Review")
    lines = [header + (f": {title}" if title else ""), "=" * len(header), ""]
    lines.append(f"Decision: {review['Decision']}    Overall: {review['Overall']}/10    "
                 f"Confidence: {review['Confidence']}/5")
    lines.append("  ".join(f"{f}: {review[f]}/4" for f in SCORES if SCORES[f] == (1, 4)))
    lines.append(f"Ethical concerns: {'yes' if review['Ethical Concerns'] else 'no'}")
    for field in TEXT_FIELDS:
        value = review[field]
        lines += ["", f"{field}:"]
        lines += [f"  - {v}" for v in value] if isinstance(value, list) else [f"  {value}"]
    if review.get("Checks"):
        lines += ["", "Checks:"]
        lines += [f"  [{'x' if c['passed'] else ' '}] {c['name']}: {c['detail']}" for c in review["Checks"]]
    return "\n".join(lines) + "\n"


_MARKERS = re.compile(r"\\(?:cite[tp]?|[cC]?ref|autoref|eqref)\*?(?:\[[^\]]*\])*\{([^}]*)\}")
_DROP = re.compile(r"\\(?:bibliographystyle|bibliography|graphicspath|label|aiscidisclosure|maketitle)\b(?:\{(?:[^{}]|\{[^{}]*\})*\})?")


def tex_to_text(tex: Path) -> str:
    """The paper's prose, with citations and references kept as [key] markers (pylatexenc)."""
    from pylatexenc.latex2text import LatexNodes2Text

    text = Path(tex).read_text(encoding="utf-8", errors="replace")
    title = re.search(r"\\title\{((?:[^{}]|\{[^{}]*\})*)\}", text)
    body = text.split("\\begin{document}", 1)[-1]
    body = _DROP.sub("", _MARKERS.sub(lambda m: f"[{m.group(1)}]", body))
    prose = LatexNodes2Text(math_mode="verbatim").latex_to_text(body)
    prose = re.sub(r"\n{3,}", "\n\n", prose).strip()
    return (f"Title: {LatexNodes2Text().latex_to_text(title.group(1))}\n\n" if title else "") + prose + "\n"


def pdf_to_text(pdf: Path, timeout_s: float = 60) -> str:
    pdf = Path(pdf)
    if not pdf.is_file():
        raise AisciError(f"Cannot review {pdf}: the file does not exist.", "Give the path of a PDF.")
    if shutil.which("pdftotext") is None:
        raise AisciError("Cannot read the PDF: pdftotext is not installed.",
                         "Install poppler-utils (apt-get install poppler-utils, or make setup).")
    result = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                            timeout=timeout_s)
    if result.returncode != 0:
        raise AisciError(f"Cannot read {pdf.name}: pdftotext failed ({result.stderr.strip()[:200]}).",
                         "Check that the file is a PDF.")
    if len(result.stdout.split()) < 20:
        raise AisciError(f"{pdf.name} has no text layer (it is probably scanned images).",
                         "Review the LaTeX source instead, or run OCR on the PDF first.")
    return result.stdout
