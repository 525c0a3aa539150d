"""Files that TeX's open rules refused, named where the paper's author will look.

The build runs TeX with ``openin_any=p`` and ``openout_any=p`` (execution/tex_boundary.py).
kpathsea says what it refused on the terminal (``pdflatex: Not reading from /etc/hostname
(openin_any = p).``), not in the .log, where only the consequence shows (``File
`/etc/hostname.tex' not found``, ``I can't write on file``). ``note_refusals`` joins the two:
the error a refusal caused names the path and why; refusals that caused no error (a quiet
``\\IfFileExists``, the skeleton's ``\\graphicspath{{../}}`` lookups) come together in one
warning.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace

from aisci.core.diagnostics import Diagnostic

_REFUSED = re.compile(
    r"^\S+: Not (?P<verb>reading from|writing to) (?P<path>.+) \(open(?:in|out)_any = \w\)\.?$"
)
_REFUSAL_WHY = (
    "TeX refused to {verb} {path}: a paper reads only files in its latex folder and the "
    "figures next to it, and writes only in its latex folder"
)


def _stem(path: str) -> str:
    stem = os.path.splitext(path)[0]
    return stem if stem.strip("./") else path


def note_refusals(diagnostics, output: str, *, main: str = "template.tex") -> list[Diagnostic]:
    """``diagnostics`` with each file that TeX's open rules refused (``output``: what latexmk
    printed) named: on the error it caused (``File `/etc/hostname.tex' not found``), else in
    one warning (a ``\\graphicspath{{../}}`` lookup, a quiet ``\\IfFileExists``)."""
    refused = dict.fromkeys(
        ("read" if m["verb"].startswith("reading") else "write", m["path"])
        for m in map(_REFUSED.match, output.splitlines())
        if m
    )
    out, named = [], set()
    for d in diagnostics:
        hits = [
            (verb, path)
            for verb, path in refused
            if d.is_error and (path in d.message or _stem(path) in d.message)
        ]
        if hits:
            verb, path = hits[0]
            why = _REFUSAL_WHY.format(verb=verb, path=path)
            d = replace(d, message=f"{d.message.rstrip('.')}: {why}")
            named.update(hits)
        out.append(d)
    rest = list(dict.fromkeys(os.path.normpath(p) for v, p in refused if (v, p) not in named))
    # One name per file: TeX also tries each with an extension added (x.tex.tex, fig.png.pdf).
    rest = [p for p in rest if _stem(p) == p or _stem(p) not in rest]
    if rest:
        listed = ", ".join(rest[:4]) + (f" and {len(rest) - 4} more" if len(rest) > 4 else "")
        why = _REFUSAL_WHY.format(verb="open", path=listed)
        out.append(Diagnostic(main, None, "warning", f"{why} (name a figure without ../)", "latex"))
    return out
