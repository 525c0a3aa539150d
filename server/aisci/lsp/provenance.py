"""Provenance in the editor: where each number of an idea's paper comes from.

Contract (offsets are into the document's text, in characters; nothing here knows the LSP):

- ``idea_folder(path)``: the idea folder of a paper ``<idea>/latex/*.tex``, else None.
- ``recorded(folder)``: ``results_macros.results(folder)``, read again only when a run's
  ``final_info.json`` or ``tree.json`` changed (code actions are asked on every cursor move).
- ``hover(tex, offset, found)``: Markdown for the results macro call or the literal number at
  ``offset``: its run, data set, metric, value as printed, mean ± stderr and seed count when
  recorded, and the file; for a literal, every recorded value it prints as, with the macro to
  write. None on anything else, and on a literal that prints as no recorded value (the
  checker's diagnostic already speaks of it).
- ``definitions(folder, tex, offset, found)``: (file, 0-based line) of the key a call's value
  was read from (the data set's ``means`` entry of the metric; line 0 when the key is not
  found in the text). The files are read through ``safefs``: a run wrote them, so a link or a
  file that cannot be read gives no location, never an error.
- ``fixes(tex, start, end, found)``: (start, end, number, value) of each literal number
  touching ``start..end`` that prints as exactly one recorded value: the quick fix replaces
  the number by ``value.call``.
"""

from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path

from aisci.errors import AisciError
from aisci.execution import runjson, safefs
from aisci.execution.runner import finished_runs
from aisci.paper.results_literals import LITERAL_MACROS, literal_numbers
from aisci.paper.results_macros import CALL, MACROS, Recorded, Results, results
from aisci.paper.textify import latex_to_text

# What each argument of a macro names, in order: the hover's labels.
_ARGS = {
    **dict.fromkeys(("res", "reserr", "resn", "respm"), ("run", "data set", "metric")),
    **dict.fromkeys(("reschange", "resdiff"), ("from run", "to run", "data set", "metric")),
    "resavg": ("run", "metric"),
    **dict.fromkeys(("resmax", "resmin", "resmaxrun", "resminrun"), ("data set", "metric")),
    "resseeds": ("data set", "metric", "statistic"),
}
# Where in final_info.json a value of one run is read from: the section under its data set.
_SECTION = {"res": "means", "respm": "means", "reserr": "stderrs", "resn": "final_info_dict"}
_CALL_SPAN = re.compile(CALL.pattern + r"((?:\s*\{[^{}]*\})*)")
log = logging.getLogger(__name__)
_CACHE_SIZE = 8
_cache: dict[Path, tuple[tuple, Results]] = {}


def idea_folder(path: Path) -> Path | None:
    return path.parent.parent if path.suffix == ".tex" and path.parent.name == "latex" else None


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = os.lstat(path)  # a key for the cache only: the reads themselves go through safefs
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def recorded(folder: Path) -> Results:
    """The folder's recorded values, from the cache while no results file changed."""
    folder = Path(folder)
    try:
        runs = finished_runs(folder)
    except (OSError, AisciError):
        return Results()
    key = (
        tuple((r, _stamp(folder / r / "final_info.json")) for r in runs),
        _stamp(folder / "tree.json"),
    )
    cached = _cache.get(folder)
    if cached is not None and cached[0] == key:
        return cached[1]
    try:
        found = results(folder)
    except (OSError, AisciError) as e:  # a hover must not fail the editor: the build will say it
        log.warning("the results of %s cannot be read: %s", folder, e)
        return Results()
    if len(_cache) >= _CACHE_SIZE:
        _cache.pop(next(iter(_cache)))
    _cache[folder] = (key, found)
    return found


def _code(text: str) -> str:
    """A name a run chose, as a Markdown code span: shown as it is, whatever it holds (`*`,
    `[`, `<`, backticks), never read as Markdown or HTML."""
    text = " ".join(text.splitlines())
    fence = "`" * (max((len(r) for r in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _printed(value: Recorded) -> str:
    return latex_to_text(value.text).strip()


def call_at(tex: str, offset: int) -> tuple[int, int, str, tuple[str, ...]] | None:
    """(start, end, macro, arguments) of the results macro call around ``offset``."""
    for m in _CALL_SPAN.finditer(tex):
        if m.start() <= offset <= m.end():
            args = tuple(a.strip() for a in re.findall(r"\{([^{}]*)\}", m.group(2)))
            return m.start(), m.end(), m.group(1), args[: MACROS[m.group(1)]]
        if m.start() > offset:
            break
    return None


def literal_at(tex: str, offset: int) -> tuple[int, int, str] | None:
    for start, text in literal_numbers(tex):
        if start <= offset <= start + len(text):
            return start, start + len(text), text
        if start > offset:
            break
    return None


def _printed_as(text: str, found: Results) -> list[Recorded]:
    return [v for v in found.values if v.macro in LITERAL_MACROS and v.text == text]


def _describe(value: Recorded, found: Results) -> list[str]:
    labels = _ARGS.get(value.macro, ())
    named = ", ".join(f"{label} {_code(n)}" for label, n in zip(labels, value.names, strict=False))
    lines = [f"{_code(value.call)} prints **{_code(_printed(value))}**", "", named]
    if value.macro in _SECTION:
        mean = found.get("res", *value.names)
        err = found.get("reserr", *value.names)
        spread = f" ± {err.text} (standard error)" if err is not None else ""
        seeds = f", {value.seeds} seed{'s' if value.seeds != 1 else ''}" if value.seeds else ""
        if mean is not None:
            lines += ["", f"mean {mean.text}{spread}{seeds}"]  # digits only: fmt prints them
    lines += ["", f"from {_code(value.source)}"]
    return lines


def hover(tex: str, offset: int, found: Results) -> str | None:
    """Markdown for the call or the literal at ``offset`` (module contract)."""
    spot = call_at(tex, offset)
    if spot is not None:
        _, _, macro, args = spot
        value = found.get_safe(macro, args) if len(args) == MACROS[macro] else None
        if value is not None:
            return "\n".join(_describe(value, found))
        written = f"\\{macro}" + "".join("{" + a + "}" for a in args)
        runs = ", ".join(found.runs) or "none"
        return (
            f"{_code(written)} names no recorded value: the build stops here. "
            f"Runs with results: {_code(runs)}."
        )
    literal = literal_at(tex, offset)
    if literal is None:
        return None
    matches = _printed_as(literal[2], found)
    if not matches:
        return None
    if len(matches) == 1:
        head = f"literal {literal[2]}: write {_code(matches[0].call)} so the paper cites its source"
    else:
        head = (
            f"literal {literal[2]} prints as {len(matches)} recorded values: write the macro "
            "of the one it means"
        )
    parts = [head]
    for value in matches:
        parts += ["", "---", "", *_describe(value, found)]
    return "\n".join(parts)


def _where(value: Recorded, found: Results) -> list[tuple[str, tuple[str, ...]]]:
    """(file below the idea folder, keys to look for in order) of what ``value`` was read from."""
    names = value.names
    if value.macro in _SECTION:
        run, dataset, metric = names
        return [(f"{run}/final_info.json", (dataset, _SECTION[value.macro], metric))]
    if value.macro in ("reschange", "resdiff"):
        a, b, dataset, metric = names
        return [(f"{r}/final_info.json", (dataset, "means", metric)) for r in (a, b)]
    if value.macro == "resavg":
        run, metric = names
        return [(f"{run}/final_info.json", ("means", metric))]
    if value.macro == "resseeds":
        return [("tree.json", ("confirmation", *names[:2], names[2]))]
    dataset, metric = names  # the best over runs: the run that has it
    for v in found.of("res"):
        if v.names[1:] == (dataset, metric) and v.value == value.value:
            return [(f"{v.names[0]}/final_info.json", (dataset, "means", metric))]
    return []


def _key_line(text: str, keys: tuple[str, ...]) -> int:
    """The 0-based line of the last of ``keys``, each searched after the one before; 0 when
    one is not there as written (a file with other spacing or escapes still opens)."""
    position = 0
    for key in keys:
        spellings = {json.dumps(key), json.dumps(key, ensure_ascii=False)}
        pattern = "|".join(re.escape(s) for s in spellings)
        m = re.compile(rf"(?:{pattern})\s*:").search(text, position)
        if m is None:
            return 0
        position = m.start() + 1
    return text.count("\n", 0, position)


def definitions(folder: Path, tex: str, offset: int, found: Results) -> list[tuple[Path, int]]:
    """Where the value of the call at ``offset`` was read (module contract)."""
    spot = call_at(tex, offset)
    if spot is None:
        return []
    _, _, macro, args = spot
    value = found.get_safe(macro, args) if len(args) == MACROS[macro] else None
    if value is None:
        return []
    out = []
    for name, keys in _where(value, found):
        path = Path(folder) / name
        try:
            text = safefs.read_text(path, root=Path(folder), limit=runjson.MAX_BYTES)
        except (OSError, AisciError, ValueError):
            continue  # a link, a folder, bytes that are not text: nothing to open
        out.append((path, _key_line(text, keys)))
    return out


def fixes(tex: str, start: int, end: int, found: Results) -> list[tuple[int, int, str, Recorded]]:
    """Each literal touching ``start..end`` that is exactly one recorded value (contract)."""
    out = []
    for at, text in literal_numbers(tex):
        if at > end:
            break
        if at + len(text) < start:
            continue
        matches = _printed_as(text, found)
        if len(matches) == 1:
            out.append((at, at + len(text), text, matches[0]))
    return out
