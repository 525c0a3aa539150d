"""What the LLM scientist's paper prompts show besides the idea: every token is paid per call.

``facts(job)`` is what every write-up call shows, in its system message (the same for each
call, so a provider's cache serves it): the idea, the BibTeX keys, the results table (every
run's means, 4 significant digits, ± standard error when there is one, by the arguments of
the results macros that print them; the seed count once when every value has the same; the
macros themselves are explained in the rules above it) and the search's record.
``material(job, needs)`` gives the blocks one prompt asks for besides (``NEEDS`` says which
each section gets): the task, experiment.py (in outline: constants, config and signatures),
notes.txt (without what the table shows) and the figures. ``outline`` shows every other
section in brief, "(not written yet)" for one still a placeholder.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from aisci.core.records import read_run_results
from aisci.core.scientist import PaperJob
from aisci.paper.bib import parse_bib
from aisci.paper.results_macros import results, safe_name
from aisci.paper.sections import get_section, present_sections

from .material import describe_idea, outline_source, search_material

NOTES_CHARS = 3000
OUTLINE_CHARS = 240  # of each other section, in "the paper so far"
# What each section's prompt shows besides the facts every write-up call shares (``facts``: the
# idea, the BibTeX keys, the results table and the search's record, in the system message) and
# the paper so far: tokens are paid per call.
NEEDS = {
    "Title": (),
    "Abstract": ("notes",),
    "Introduction": ("notes",),
    "Background": ("task",),
    "Method": ("task", "notes"),
    "Experimental Setup": ("task", "code", "notes"),
    "Results": ("notes", "figures"),
    "Conclusion": ("notes",),
    "Related Work": (),
}
_PLACEHOLDER = re.compile(r"\b[A-Z][A-Z ]* HERE\b")


def _seeds(n: int | None) -> str:
    return " (seeds not recorded)" if n is None else f" ({n} seed{'s' if n != 1 else ''})"


def _arg(name: str) -> str:
    """A name as the macros take it; a name TeX cannot take shows its macro form first."""
    return name if safe_name(name) == name else f"{safe_name(name)} (the run's {name!r})"


def results_table(job: PaperJob) -> str:
    """Every metric's mean (± standard error) for the baseline and each run, by the arguments
    its results macro takes, with the seed count: once above the table when every value has
    the same, else in each cell."""
    runs = ["run_0", *(r.run for r in job.runs)]
    what = {
        "run_0": "baseline (the template as it is)",
        **{r.run: " ".join(r.description.split()) for r in job.runs},
    }
    found = results(job.folder)
    shown = [v for v in found.of("res") if v.names[0] in what]
    counts = {v.seeds for v in shown}
    (same,) = counts if len(counts) == 1 and None not in counts else (None,)
    rows: dict[str, dict[str, str]] = {}
    for value in shown:
        run, dataset, metric = value.names
        err = found.get("reserr", *value.names)
        name = f"{{{_arg(dataset)}}}{{{_arg(metric)}}}"
        n = _seeds(value.seeds)
        rows.setdefault(name, {})[run] = value.text + (f" ± {err.text}" if err else "")
        rows[name][run] += "" if same is not None else n
    # Shown, not dropped: a run missing from the table would read as a run never made.
    unreadable = [
        f"{run}: its results cannot be read: {read_run_results(job.folder, run)[1]}"
        for run in runs
        if run not in found.runs
    ]
    lines = ["Runs: " + "; ".join(f"{run} = {what[run]}" for run in runs), ""]
    if same is not None:
        lines += [f"Seeds: {same} for every value.", ""]
    lines.append("| {data set}{metric} | " + " | ".join(runs) + " |")
    lines += [
        f"| {name} | " + " | ".join(cells.get(run, "--") for run in runs) + " |"
        for name, cells in rows.items()
    ]
    lines += ["", *unreadable] if unreadable else []
    return "\n".join(lines)


# Notes lines that only repeat the results table (its runs line names each run), which every
# write-up call shows.
_TABLE_REPEATS = (
    "Description: Against the baseline:",
    "Description: the template's experiment as it is, unchanged.",
)


def _notes(job: PaperJob) -> str:
    """notes.txt without what the prompt shows elsewhere: the idea, the figures and, shown in
    the results table of the facts, the means and each run's change against the baseline; a
    run's heading stays only while a line of its own (a failure, a scientist's remark) is left
    under it."""
    path = job.folder / "notes.txt"
    if not path.is_file():
        return ""
    text = path.read_text(encoding="utf-8").split("\n## Figure ", 1)[0]
    drop = ("Results: ", "# Title:", "# Experiment description:", *_TABLE_REPEATS)
    kept: list[str] = []
    for block in re.split(r"\n(?=## )", text):
        lines = [line for line in block.splitlines() if not line.startswith(drop)]
        if any(line.strip() for line in lines[1:]):
            kept += lines
    text = "\n".join(kept).strip()
    return text if len(text) <= NOTES_CHARS else text[:NOTES_CHARS].rsplit("\n", 1)[0] + "\n..."


def _figures(job: PaperJob) -> dict[str, str]:
    return {f: d for f, d in sorted(job.figures.items()) if (job.folder / f).is_file()}


def bib_keys(job: PaperJob) -> dict[str, str]:
    """BibTeX key -> "title (year)" of every entry of references.bib."""
    if not job.bib.is_file():
        return {}
    parsed = parse_bib(job.bib.read_text(encoding="utf-8", errors="replace"))
    return {
        e.key: f"{' '.join((e.get('title') or '?').replace('{', '').replace('}', '').split())} "
        f"({e.get('year') or 'n.d.'})"
        for e in parsed.entries
    }


def facts(job: PaperJob) -> str:
    """What every write-up call shows, the same for each (it goes in their system message, a
    prefix a provider's prompt cache serves from the second call on): the idea, the BibTeX keys,
    the results table and, after a tree search, its record."""
    keys = bib_keys(job)
    blocks = [
        f"## Idea\n{describe_idea(job.idea)}",
        "## BibTeX keys you may cite\n"
        + ("\n".join(f"- {k}: {t}" for k, t in keys.items()) or "none"),
        "## Results (from each run's final_info.json; print each through its macro, in the "
        f"sections that report results)\n{results_table(job)}",
    ]
    search = search_material(job.folder)
    if search:
        blocks.append(
            "## The search (from tree.json; describe it as recorded, keeping each "
            f"`% aisci: not-a-result` mark on the line that counts nodes)\n{search}"
        )
    return "\n\n".join(blocks)


def material(job: PaperJob, needs: Iterable[str]) -> str:
    """The blocks one prompt shows besides the ``facts``, each under its heading."""
    needs = set(needs)
    blocks = []
    notes = _notes(job) if "notes" in needs else ""
    if notes:
        blocks.append(f"## Notes from the experiments\n{notes}")
    if "task" in needs and job.task:
        blocks.append(f"## The task\n{job.task.strip()}")
    if "code" in needs and (job.folder / "experiment.py").is_file():
        # The settings a paper states are its constants and config, not its function bodies.
        code = outline_source(
            (job.folder / "experiment.py").read_text(encoding="utf-8"), max_chars=6000
        )
        blocks.append(
            "## experiment.py as of the last run, in outline (function bodies left out; the runs "
            f"list what each changed)\n```python\n{code}\n```"
        )
    if "figures" in needs:
        figures = _figures(job)
        blocks.append(
            "## Figures (file: what it shows)\n"
            + ("\n".join(f"- {f}: {d}" for f, d in figures.items()) or "none")
        )
    return "".join(f"\n{b}\n" for b in blocks)


def is_drafted(body: str) -> bool:
    return bool(body.strip()) and not _PLACEHOLDER.search(body)


def outline(tex: str, skip: str | None = None, chars: int = OUTLINE_CHARS) -> str:
    """Every other section in brief: its first ``chars`` characters, or "(not written yet)"."""
    lines = []
    for name in present_sections(tex):
        if name == skip:
            continue
        body = get_section(tex, name)
        short = " ".join(body.split())
        short = short if len(short) <= chars else short[:chars].rsplit(" ", 1)[0] + " ..."
        lines.append(f"- {name}: {short if is_drafted(body) else '(not written yet)'}")
    return "\n".join(lines)
