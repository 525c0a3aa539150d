"""The one TeX-to-text renderer: the paper's prose as a reviewer (model or person) reads it.

``latex_to_text(source)`` puts the title on the first line, drops comments, the preamble and bookkeeping macros
(labels, bibliography commands), keeps citations and references as ``[key]`` markers, keeps
the content of font macros (``\\texttt{experiment.py}`` reads "experiment.py", which
pylatexenc's default drops), and leaves math as written. The reviewer (``paper/review.py``) and
the editor's ``aisci.renderText`` both use it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

_MARKERS = re.compile(
    r"\\(?:[a-zA-Z]*cite[a-zA-Z]*|nocite|[cC]?ref|autoref|eqref)\*?(?:\[[^\]]*\])*\{([^}]*)\}"
)
_DROP = re.compile(
    r"\\(?:bibliographystyle|bibliography|graphicspath|label|maketitle|aiscidisclosure|usepackage|"
    r"documentclass)\b\*?(?:\[[^\]]*\])?(?:\{(?:[^{}]|\{[^{}]*\})*\})?"
)
_TITLE = re.compile(r"\\title\{((?:[^{}]|\{[^{}]*\})*)\}")
_COMMENT = re.compile(r"(?<!\\)%.*")
# Macros whose argument is text to keep as it is (pylatexenc drops some, e.g. \texttt).
_KEEP = (
    "texttt",
    "textsf",
    "textsc",
    "textrm",
    "textup",
    "textmd",
    "textnormal",
    "path",
    "verb",
    "code",
)


@lru_cache(maxsize=1)
def _parts():
    """The parser's and the converter's macro tables, each knowing the macros in ``_KEEP``."""
    # deferred: pylatexenc takes ~15 ms to import; only LaTeX-to-text needs it
    from pylatexenc import latex2text, latexwalker
    from pylatexenc.macrospec import MacroSpec

    parse = latexwalker.get_default_latex_context_db().filter_context()
    parse.add_context_category(
        "aisci-keep", prepend=True, macros=[MacroSpec(name, "{") for name in _KEEP]
    )
    text = latex2text.get_default_latex_context_db().filter_context()
    text.add_context_category(
        "aisci-keep", prepend=True, macros=[latex2text.MacroTextSpec(name, "%s") for name in _KEEP]
    )
    return parse, latex2text.LatexNodes2Text(
        latex_context=text, math_mode="verbatim", strict_latex_spaces=False
    )


def _to_text(tex: str) -> str:
    # deferred: pylatexenc takes ~15 ms to import; only LaTeX-to-text needs it
    from pylatexenc.latexwalker import LatexWalker

    parse, converter = _parts()
    nodes = LatexWalker(tex, latex_context=parse, tolerant_parsing=True).get_latex_nodes()[0]
    return converter.nodelist_to_text(nodes)


def latex_to_text(source: str) -> str:
    title = _TITLE.search(_COMMENT.sub("", source))
    body = source.split("\\begin{document}", 1)[-1].split("\\end{document}", 1)[0]
    body = _COMMENT.sub("", body)
    body = _DROP.sub("", _MARKERS.sub(lambda m: f"[{m.group(1)}]", body))
    prose = re.sub(r"[ \t]+\n", "\n", _to_text(body).replace("\xa0", " "))  # ~ reads as a space
    prose = re.sub(r"\n{3,}", "\n\n", prose).strip()
    head = f"{' '.join(_to_text(title.group(1)).split())}\n\n" if title else ""
    return head + prose + "\n"


def tex_file_to_text(tex: Path) -> str:
    return latex_to_text(Path(tex).read_text(encoding="utf-8", errors="replace"))
