"""Results as references: ``latex/results.tex``, every measured value of a folder's runs as a
name the paper prints it through.

A paper states a result by naming it, ``\\res{run_2}{x_plus_y}{final_val_acc}``, not by typing
its digits: the name says which run, data set and metric it came from, so nothing has to be
matched after the fact, and a name that no run recorded stops the build with a message. One
macro with arguments (looked up with ``\\csname``) rather than a ``\\newcommand`` per value:
the call reads as its source, a hover or a check can parse it, and TeX's names of letters only
would have forced an encoding nobody can read.

What ``results(folder)`` records, from every ``run_i/final_info.json`` (read through the read
model, ``core.records.read_run_results``; a run that cannot be read is a note, never a gap
filled with nothing):

- ``\\res{run}{data set}{metric}`` its mean, ``\\reserr`` its standard error when the run wrote
  one, ``\\resn`` its seed count (the length of ``final_info_dict[metric]`` when that is the
  per-seed list; unknown otherwise, and then no ``\\resn``), ``\\respm`` the mean with ± stderr
  and ``(n = N)``, or, for one seed, the mean and ``(n = 1)`` with no ±;
- derived, computed here from the recorded values (exact, no TeX arithmetic):
  ``\\reschange{run a}{run b}{data set}{metric}`` the relative change from a to b in percent,
  with the data's sign (100 (b - a) / |a|), ``\\resdiff`` the difference b - a,
  ``\\resavg{run}{metric}`` the mean over the data sets that have it, ``\\resmax`` /
  ``\\resmin{data set}{metric}`` the best value over runs either way and ``\\resmaxrun`` /
  ``\\resminrun`` the run that has it (with more than ``ALL_PAIRS_RUNS`` runs, results.tex
  defines a change between two runs only when one is the baseline or the paper uses it);
- ``\\resseeds{data set}{metric}{mean|std|stderr|min|max|n}``: the seed re-runs of a tree
  search's best variant, from ``tree.json``'s confirmation.

Every value prints with the declared precision (``PRECISION``: paper/prose.fmt). A name that
is not in the safe set of ``tex_quote.is_safe_file_name`` (a run chooses its keys) is never
written into TeX as it is: its argument is ``safe_name(name)``, the name with every other
character made ``-`` and a short hash of the original, and the appendix shows the original
through ``tex_quote``. Each printed value links to its row in that appendix ("Sources of the
results"), which lists only the values the paper used: macro, value and source file.
``write_results_tex(folder)`` writes the file with ``safefs``; aisci.sty inputs it when present,
and ``ensure_results_input`` adds the same guarded ``\\input`` to a paper whose preamble loads
neither. ``calls_in`` finds the calls a paper makes (results_literals.py checks them).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from aisci.core.records import read_run_results
from aisci.core.search import load_tree
from aisci.errors import AisciError
from aisci.execution import safefs
from aisci.execution.runner import finished_runs
from aisci.paper.prose import fmt
from aisci.tex_quote import is_safe_file_name, tex_text, tex_tt

RESULTS_FILE = "results.tex"
PRECISION = "four significant digits, never in exponent form (paper/prose.fmt)"
BASELINE = "run_0"
ALL_PAIRS_RUNS = 10  # above this many runs, results.tex holds only the changes a paper uses
# Every macro, with the number of its arguments: how a paper's calls are found and checked.
MACROS = {
    "res": 3,
    "reserr": 3,
    "resn": 3,
    "respm": 3,
    "reschange": 4,
    "resdiff": 4,
    "resavg": 2,
    "resmax": 2,
    "resmin": 2,
    "resmaxrun": 2,
    "resminrun": 2,
    "resseeds": 3,
}
CALL = re.compile(r"\\(" + "|".join(sorted(MACROS, key=len, reverse=True)) + r")(?![A-Za-z])")


def safe_name(name: str) -> str:
    """``name`` as a macro argument: itself when TeX can take it as it is, else a readable form
    of it with a hash of the original (so two names never share one argument)."""
    if is_safe_file_name(name):
        return name
    readable = re.sub(r"[^A-Za-z0-9_]+", "-", name).strip("-")[:40] or "name"
    return f"{readable}-{hashlib.sha256(name.encode('utf-8', 'replace')).hexdigest()[:6]}"


def call(macro: str, *names: str) -> str:
    """The LaTeX that prints one recorded value, e.g. ``\\res{run_2}{x_plus_y}{final_val_acc}``."""
    return f"\\{macro}" + "".join("{" + safe_name(n) + "}" for n in names)


@dataclass(frozen=True)
class Recorded:
    """One value the paper may print, with the text that prints it and where it came from."""

    macro: str  # "res", "reschange", ...
    names: tuple[str, ...]  # the arguments as the runs spell them (run, data set, metric...)
    value: float
    text: str  # the LaTeX it prints (digits, or a run's name in typewriter)
    source: str  # plain words: the file and key, or how it was derived
    seeds: int | None = None  # for a value of one run: its seed count, when recorded

    @property
    def call(self) -> str:
        return call(self.macro, *self.names)

    @property
    def key(self) -> str:
        return self.macro + "@" + "/".join(safe_name(n) for n in self.names)


@dataclass(frozen=True)
class Results:
    """What ``results(folder)`` found: the values, in run order, and the runs it could not read."""

    values: tuple[Recorded, ...] = ()
    notes: tuple[str, ...] = ()
    runs: tuple[str, ...] = ()
    by_call: dict[str, Recorded] = field(default_factory=dict)

    def get(self, macro: str, *names: str) -> Recorded | None:
        return self.by_call.get(call(macro, *names))

    def get_safe(self, macro: str, args: tuple[str, ...]) -> Recorded | None:
        """The value a call names by its arguments as written in TeX (safe names)."""
        return self.by_call.get(f"\\{macro}" + "".join("{" + a + "}" for a in args))

    def of(self, macro: str) -> list[Recorded]:
        return [v for v in self.values if v.macro == macro]


def _seeds(info_dict: dict, metric: str) -> int | None:
    per_seed = info_dict.get(metric)
    if (
        isinstance(per_seed, list)
        and per_seed
        and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in per_seed)
    ):
        return len(per_seed)
    return None


def _pm(mean: float, err: float | None, seeds: int | None) -> str:
    if seeds == 1:
        return f"{fmt(mean)} (\\ensuremath{{n = 1}})"  # one seed: no spread was measured
    text = fmt(mean) + (f" \\ensuremath{{\\pm}} {fmt(err)}" if err is not None else "")
    return text + (f" (\\ensuremath{{n = {seeds}}})" if seeds else "")


def _run_values(folder: Path, run: str) -> tuple[list[Recorded], str | None]:
    info, problem = read_run_results(folder, run)
    if info is None:
        return [], problem
    out: list[Recorded] = []
    where = f"{run}/final_info.json"
    for dataset, data in info.datasets.items():
        for metric, mean in data.means.items():
            names = (run, dataset, metric)
            seeds = _seeds(data.final_info_dict, metric)
            err = data.stderrs.get(metric)
            said = f" over {seeds} seed{'s' if seeds != 1 else ''}" if seeds else ""
            out.append(
                Recorded(
                    "res", names, mean, fmt(mean), f"{where}: {dataset}.means.{metric}{said}", seeds
                )
            )
            if err is not None and seeds != 1:
                out.append(
                    Recorded(
                        "reserr",
                        names,
                        err,
                        fmt(err),
                        f"{where}: {dataset}.stderrs.{metric}",
                        seeds,
                    )
                )
            if seeds:
                source = f"{where}: {dataset}.final_info_dict.{metric} (its length)"
                out.append(Recorded("resn", names, seeds, str(seeds), source, seeds))
            out.append(
                Recorded(
                    "respm",
                    names,
                    mean,
                    _pm(mean, err if seeds != 1 else None, seeds),
                    f"{where}: {dataset}.means.{metric}"
                    + (f" and .stderrs.{metric}" if err is not None and seeds != 1 else "")
                    + said,
                    seeds,
                )
            )
    return out, None


def _derived(means: list[Recorded], runs: list[str]) -> list[Recorded]:
    """Changes between runs, means over data sets and the best over runs, from the means."""
    table: dict[tuple[str, str], dict[str, float]] = {}
    for v in means:
        run, dataset, metric = v.names
        table.setdefault((dataset, metric), {})[run] = v.value
    out: list[Recorded] = []
    for (dataset, metric), by_run in table.items():
        what = f"{dataset}.means.{metric}"
        for a in runs:
            for b in runs:
                if a == b or a not in by_run or b not in by_run:
                    continue
                x, y = by_run[a], by_run[b]
                pair = (a, b, dataset, metric)
                out.append(Recorded("resdiff", pair, y - x, fmt(y - x), f"{b} minus {a}: {what}"))
                if x:
                    change = 100 * (y - x) / abs(x)
                    source = f"relative change in % from {a} to {b}: {what}"
                    out.append(Recorded("reschange", pair, change, fmt(change), source))
        if len(by_run) > 1:
            for macro, pick in (("resmax", max), ("resmin", min)):
                run = pick(by_run, key=lambda r: by_run[r])
                best, names = by_run[run], (dataset, metric)
                source = f"{'highest' if pick is max else 'lowest'} {what} over {len(by_run)} runs"
                out.append(Recorded(macro, names, best, fmt(best), f"{source}: {run}"))
                out.append(Recorded(macro + "run", names, best, tex_tt(run), f"{source}: {run}"))
    over: dict[tuple[str, str], list[float]] = {}
    for v in means:
        over.setdefault((v.names[0], v.names[2]), []).append(v.value)
    for (run, metric), values in over.items():
        if len(values) > 1:
            avg = sum(values) / len(values)
            source = f"{run}/final_info.json: mean of means.{metric} over {len(values)} data sets"
            out.append(Recorded("resavg", (run, metric), avg, fmt(avg), source))
    return out


SEED_STATS = ("mean", "std", "stderr", "min", "max", "n")


def _seed_values(folder: Path) -> list[Recorded]:
    """The seed re-runs of a tree search's best variant, as tree.json's confirmation records."""
    tree = load_tree(folder)
    conf = (tree.confirmation if tree else None) or {}
    means = conf.get("means")
    out: list[Recorded] = []
    for dataset, metrics in (means if isinstance(means, dict) else {}).items():
        for metric, stats in (metrics if isinstance(metrics, dict) else {}).items():
            n = stats.get("n") if isinstance(stats, dict) else None
            for stat in SEED_STATS if isinstance(n, int) else ():
                v = stats.get(stat)
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    where = f"tree.json: confirmation.means.{dataset}.{metric}.{stat}"
                    source = f"{where} ({conf.get('run')} re-run with {n} seeds)"
                    text = str(int(v)) if stat == "n" else fmt(v)
                    out.append(Recorded("resseeds", (dataset, metric, stat), v, text, source, n))
    return out


def results(folder: Path) -> Results:
    """Every value of the folder's runs and the values derived from them (module contract)."""
    folder = Path(folder)
    values: list[Recorded] = []
    notes: list[str] = []
    runs: list[str] = []
    for run in finished_runs(folder):
        if safefs.kind(folder / run / "final_info.json", root=folder) is None:
            continue  # a run folder without results: a failed run the experiments recorded
        found, problem = _run_values(folder, run)
        if problem:
            notes.append(problem)
            continue
        runs.append(run)
        values += found
    values += _derived([v for v in values if v.macro == "res"], runs)
    try:
        values += _seed_values(folder)
    except AisciError as e:
        notes.append(e.message)
    return Results(tuple(values), tuple(notes), tuple(runs), {v.call: v for v in values})


def _tex_call(value: Recorded) -> str:
    """The call as the appendix prints it, breakable between arguments."""
    parts = [tex_tt("\\" + value.macro)] + [tex_tt("{" + safe_name(n) + "}") for n in value.names]
    return "\\allowbreak ".join(parts)


def _row(value: Recorded, anchor: int) -> str:
    originals = [n for n in value.names if safe_name(n) != n]
    named = "".join(f"; {tex_tt(safe_name(n))} is {tex_tt(n)}" for n in originals)
    return (
        f"\\aisci@target{{{anchor}}}{_tex_call(value)} & {value.text} & "
        f"{tex_text(value.source)}{named}\\\\"
    )


PREAMBLE = r"""% results.tex: written by aisci from the runs' final_info.json before every build; edits
% are lost. A result is printed by its name: \res{run}{data set}{metric} (mean), \reserr,
% \resn (seeds), \respm (mean +- stderr, n), \reschange{run a}{run b}{data set}{metric} (% from
% a to b), \resdiff, \resavg{run}{metric}, \resmax, \resmin, \resmaxrun, \resminrun{data set}
% {metric}, \resseeds{data set}{metric}{mean|std|stderr|min|max|n} (a tree search's seed
% re-runs of its best variant). Values print with PRECISION. An unknown name stops the build.
\makeatletter
\ifdefined\aisci@results\else
\def\aisci@results{}
\def\aisci@used{}
\def\aisci@def#1#2#3#4{%
  \expandafter\def\csname aisci@v@#1\endcsname{#3}%
  \expandafter\def\csname aisci@a@#1\endcsname{#2}%
  \expandafter\def\csname aisci@s@#1\endcsname{#4}}
\def\aisci@link#1#2{\ifdefined\hyperlink\hyperlink{aiscires.#1}{#2}\else#2\fi}
\def\aisci@target#1{\ifdefined\hypertarget\hypertarget{aiscires.#1}{}\fi}
% The arguments as characters: a command in them (run\_2) names nothing, it breaks nothing.
\def\aisci@get#1#2{%
  \edef\aisci@key{#1@\detokenize{#2}}%
  \ifcsname aisci@v@\aisci@key\endcsname
    \ifcsname aisci@u@\aisci@key\endcsname\else
      \expandafter\gdef\csname aisci@u@\aisci@key\endcsname{}%
      \xdef\aisci@used{\unexpanded\expandafter{\aisci@used}\noexpand\aisci@row{\aisci@key}}%
    \fi
    \edef\aisci@tmp{\noexpand\aisci@link{\csname aisci@a@\aisci@key\endcsname}%
      {\expandafter\noexpand\csname aisci@v@\aisci@key\endcsname}}%
    \aisci@tmp
  \else
    \PackageError{aisci-results}{No recorded value \aisci@key}{results.tex,
      which aisci writes from the runs, has no such value. Use a name it lists.}%
    \textbf{??}%
  \fi}
\def\aisci@row#1{\csname aisci@s@#1\endcsname}
\newcommand\res[3]{\aisci@get{res}{#1/#2/#3}}
\newcommand\reserr[3]{\aisci@get{reserr}{#1/#2/#3}}
\newcommand\resn[3]{\aisci@get{resn}{#1/#2/#3}}
\newcommand\respm[3]{\aisci@get{respm}{#1/#2/#3}}
\newcommand\reschange[4]{\aisci@get{reschange}{#1/#2/#3/#4}}
\newcommand\resdiff[4]{\aisci@get{resdiff}{#1/#2/#3/#4}}
\newcommand\resavg[2]{\aisci@get{resavg}{#1/#2}}
\newcommand\resmax[2]{\aisci@get{resmax}{#1/#2}}
\newcommand\resmin[2]{\aisci@get{resmin}{#1/#2}}
\newcommand\resmaxrun[2]{\aisci@get{resmaxrun}{#1/#2}}
\newcommand\resminrun[2]{\aisci@get{resminrun}{#1/#2}}
\newcommand\resseeds[3]{\aisci@get{resseeds}{#1/#2/#3}}
\RequirePackage{longtable}
\RequirePackage{array}
% Ragged columns, and no complaint about loose lines: a file name breaks where it can.
\AtEndDocument{\ifx\aisci@used\@empty\else
  \section*{Sources of the results}
  {\small\noindent Each number above that a results macro printed links to its row here: the
  macro, the value it printed and the run's file it was read from (results.tex).\par
  \def\aisci@cell{\raggedright\arraybackslash\hbadness=10000 \hfuzz=\maxdimen}%
  \begin{longtable}{@{}>{\aisci@cell}p{0.31\linewidth}>{\aisci@cell}p{0.18\linewidth}
    >{\aisci@cell}p{0.4\linewidth}@{}}
  \toprule macro & value & source\\\midrule\endhead
  \aisci@used
  \bottomrule
  \end{longtable}}\fi}
\fi
"""


def _written(found: Results, used: set[str]) -> list[Recorded]:
    """The values results.tex defines: all of them, except that with more than
    ``ALL_PAIRS_RUNS`` runs a change between two runs is written only when it involves the
    baseline or the paper uses it (every pair of 30 runs would fill TeX's memory)."""
    every_pair = len(found.runs) <= ALL_PAIRS_RUNS
    return [
        v
        for v in found.values
        if every_pair
        or v.macro not in ("reschange", "resdiff")
        or BASELINE in v.names[:2]
        or v.call in used
    ]


def results_tex(found: Results, used: Iterable[str] = ()) -> str:
    """The text of results.tex for ``found``; ``used``: the calls the paper makes."""
    lines = [PREAMBLE.replace("PRECISION", PRECISION)]
    for anchor, value in enumerate(_written(found, set(used)), 1):
        lines.append(
            f"\\aisci@def{{{value.key}}}{{{anchor}}}{{{value.text}}}{{{_row(value, anchor)}}}"
        )
    lines += [f"% not read: {tex_text(note)}" for note in found.notes]
    lines.append("\\makeatother\n")
    return "\n".join(lines)


def write_results_tex(folder: Path) -> Results:
    """Write ``latex/results.tex`` of the idea folder from its runs; the values written."""
    folder = Path(folder)
    found = results(folder)
    tex = folder / "latex" / "template.tex"
    text = safefs.read_text(tex, root=folder) if safefs.is_file(tex, root=folder) else ""
    used = {
        f"\\{macro}" + "".join("{" + a + "}" for a in args) for _, macro, args in calls_in(text)
    }
    safefs.write_atomic(folder / "latex" / RESULTS_FILE, results_tex(found, used), root=folder)
    return found


def ensure_results_input(text: str, latex_dir: Path) -> str:
    """The paper with results.tex input in its preamble, unless it or its aisci.sty already
    does (a template from before the results macros, or one with its own style file)."""
    sty = latex_dir / "aisci.sty"
    loads_sty = re.search(r"\\usepackage(?:\[[^\]]*\])?\{aisci\}", text) is not None
    if RESULTS_FILE in text or (
        loads_sty and sty.is_file() and RESULTS_FILE in sty.read_text(encoding="utf-8")
    ):
        return text
    line = f"\\IfFileExists{{{RESULTS_FILE}}}{{\\input{{{RESULTS_FILE}}}}}{{}}\n"
    return text.replace("\\begin{document}", line + "\\begin{document}", 1)


def calls_in(tex: str) -> Iterable[tuple[int, str, tuple[str, ...]]]:
    """Every results macro call in ``tex``: (offset, macro, arguments as written)."""
    for m in CALL.finditer(tex):
        args, i = [], m.end()
        for _ in range(MACROS[m.group(1)]):
            arg = re.match(r"\s*\{([^{}]*)\}", tex[i:])
            if arg is None:
                break
            args.append(arg.group(1).strip())
            i += arg.end()
        yield m.start(), m.group(1), tuple(args)
