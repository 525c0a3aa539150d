"""The paper's sections as named parts of ``latex/template.tex``.

The write-up drafts one section at a time; each draft replaces exactly that section's body,
so every other section (and whatever a person wrote there) stays as it was. Names follow the
cycle: Title, Abstract, Introduction, Background, Method, Experimental Setup, Results,
Conclusion, Related Work. "Conclusion" matches "Conclusions and Future Work".
"""

from __future__ import annotations

import re

from aisci.errors import AisciError

# The escape of BibTeX fields is the escape of prose (BibTeX hands fields to LaTeX as they are):
# one function, in literature/, which paper/ may import. Re-exported here for the modules
# that still import it from sections.

SECTIONS = (
    "Title",
    "Abstract",
    "Introduction",
    "Background",
    "Method",
    "Experimental Setup",
    "Results",
    "Conclusion",
    "Related Work",
)
_SECTION = re.compile(
    r"^\\section\*?\{(?P<name>[^}]*)\}[^\n]*\n(?:\\label\{[^}]*\}[^\n]*\n)?", re.MULTILINE
)
_END = re.compile(
    r"^\\(?:section\*?\{|bibliographystyle|bibliography\{|appendix|end\{document\})", re.MULTILINE
)


def canonical(name: str) -> str:
    wanted = name.strip().lower()
    for section in SECTIONS:
        if section.lower() == wanted or (
            section == "Conclusion" and wanted.startswith("conclusion")
        ):
            return section
    raise AisciError(f"Unknown section {name!r}.", f"Use one of: {', '.join(SECTIONS)}.")


def _span(tex: str, section: str) -> tuple[int, int]:
    if section == "Title":
        m = re.search(r"\\title\{", tex)
        if not m:
            raise AisciError("The paper has no \\title{...}.", "Add one to latex/template.tex.")
        start = m.end()
        depth, i = 1, start
        while depth and i < len(tex):
            depth += {"{": 1, "}": -1}.get(tex[i], 0)
            i += 1
        return start, i - 1
    if section == "Abstract":
        m = re.search(r"\\begin\{abstract\}\n?(.*?)\n?\\end\{abstract\}", tex, re.DOTALL)
        if not m:
            raise AisciError(
                "The paper has no abstract environment.", "Add \\begin{abstract}...\\end{abstract}."
            )
        return m.start(1), m.end(1)
    for m in _SECTION.finditer(tex):
        if canonical_or_none(m["name"]) == section:
            end = _END.search(tex, m.end())
            return m.end(), end.start() if end else len(tex)
    raise AisciError(
        f"The paper has no \\section{{{section}}}.",
        "Keep the template's section headings in latex/template.tex.",
    )


def canonical_or_none(name: str) -> str | None:
    try:
        return canonical(name)
    except AisciError:
        return None


def get_section(tex: str, name: str) -> str:
    start, end = _span(tex, canonical(name))
    return tex[start:end]


def set_section(tex: str, name: str, body: str) -> str:
    section = canonical(name)
    start, end = _span(tex, section)
    body = body.strip("\n")
    if section not in ("Title", "Abstract"):
        body += "\n\n"
    return tex[:start] + body + tex[end:]


def present_sections(tex: str) -> list[str]:
    return [s for s in SECTIONS if _has(tex, s)]


def _has(tex: str, section: str) -> bool:
    try:
        _span(tex, section)
        return True
    except AisciError:
        return False
