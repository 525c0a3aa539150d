"""Which metrics, data sets and runs a piece of paper text names.

A metric key is read as words (``final_val_acc`` -> final, val, acc), each word brought to one
spelling (validation -> val, accuracy -> acc, training -> train, steps -> step...). A text names
a metric where one of its head words (acc, loss, kl, time, step, ratio...) appears: the metrics
with that head word are scored by how many of their other words stand within a few words of it
("best validation loss" -> best_val_loss over final_val_loss), the best ones win, ties kept; a
metric whose first head word is another (step_val_acc_99 is a step count) needs that word
near too; a key with none of these head words (``ece``, ``episodes_to_solve``) is named by any
of its own words.

Data sets are named by their key (``x_plus_y``, ``\\texttt{x\\_plus\\_y}``, ``x plus y``). Runs
by ``run_3``/``Run~3``, "baseline" (run_0), or a name: a notes.txt title, a plot label, or a
row label of the paper's own tables once that row has been traced to a run by its values
(``alias``; two words at least: "Cosine" alone is too common), and "our method" for the row
marked "(ours)"; "the combined model", "together they", "the pair", "both changes" for the one
run whose title joins two other runs' titles (their numbers left out); a title's words in
another order, close together, when one title with the most words fits ("with distillation the
16-number model"; words compared by stem, "removing" as "without"); in prose, a name's number
with the word beside it ("64 frequencies", "16-number": every run whose name has it). Longer
names win over the shorter ones inside them. ``subject_mentions`` leaves out the runs named as
a value's run ("0.35 for the baseline"), as a reference ("than the baseline", "from the
teacher") or as a part of a combination ("combining it with B"); ``join_of`` gives the run of
such a combination, and ``names_a_run_vaguely`` says when a text holds a title's word that
names no run by itself ("warmup alone").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

_SPELLING = {
    "validation": "val",
    "valid": "val",
    "accuracy": "acc",
    "accuracies": "acc",
    "training": "train",
    "trained": "train",
    "steps": "step",
    "iterations": "step",
    "iteration": "step",
    "iters": "step",
    "evaluation": "eval",
    "losses": "loss",
    "divergence": "kl",
    "seconds": "time",
    "second": "time",
    "runtime": "time",
    "duration": "time",
    "minutes": "time",
    "hours": "time",
    "slower": "time",  # "45 % slower": a change of a time
    "longer": "time",
    "perplexity": "ppl",
    "ratios": "ratio",
    "throughput": "tokens",
    "avg": "mean",
    "compression": "ratio",  # "49x compression" is a compression ratio
    "average": "mean",
    "err": "error",
    "errors": "error",
}
# Words that say nothing on their own about which measurement is meant.
_WEAK = {"final", "mean", "total", "avg", "per", "s", "the", "of", "a", "at", "in", "to"}
HEADS = {"acc", "loss", "kl", "time", "step", "ratio", "ppl", "error", "tokens", "reward", "score"}
HEADS |= {"f1", "bleu", "auc", "mse", "mae", "rmse", "psnr", "fid", "dim", "entropy", "norm"}
_WORD = re.compile(r"[a-z][a-z0-9]*|\d+")
_OURS = re.compile(r" (?:ours|our (?:\w+ )?(?:method|approach|model|schedule|variant|system)) ")
# "the combined model", "together they": the one run whose title joins two other runs' titles
# ("A with B").
_COMBINED = re.compile(
    r" (?:combined (?:\w+ )?(?:method|approach|model|schedule|variant|system)"
    r"|(?:together|combined|jointly) they|the (?:pair|combination)|combining (?:both|the two)"
    r"|both (?:changes|methods|techniques|modifications|fixes|tricks|components|regulari[sz]ers))"
    r" "
)
# Before a run's name, what makes it not the clause's subject: the reference of a comparison
# ("than the baseline", "from the 64-number model") or a part of a combination ("combining A
# with B").
_NOT_SUBJECT = re.compile(
    r" (?:from|than|against|versus|vs|instead of|rather than|relative to|compared (?:to|with)"
    r"|above|below|behind|ahead of) (?:even )?(?:the )?$"
)
_PART = re.compile(
    r" (?:combin\w*(?: \w+)? (?:with|and)|combining|combination of|together with|on top of)"
    r" (?:the )?$"
)
# Before a run's name, what makes it the run of the value before it, not the clause's subject:
# "0.3518 for the baseline", "\\res{...} with run 2" (a results macro keeps its name in the mask).
_OF_VALUE = re.compile(r" (?:\d[\d.]*|res[a-z]*) (?:[a-z]+ )?(?:for|of|with|by|in|on) (?:the )?$")
_FILLER = {"with", "and", "the", "a", "of", "on", "to", "for", "in"}
_NOT_BESIDE_NUMBER = _FILLER | {"from", "at", "by", "between", "than", "run", "per", "only"}
_NOT_BESIDE_NUMBER |= {"runs", "together", "times", "instead", "and", "or"}
# One spelling for a title's words: "distilled" and "distillation", "removing" and "without".
_SAME = {"no": "without", "removing": "without", "removed": "without", "dropping": "without"}
_SUFFIXES = ("ation", "ing", "ed", "s")
_WINDOW = 4  # words either side of a head word that may qualify it


def words(text: str) -> list[tuple[int, str]]:
    """(offset, word in one spelling) of ``text``, TeX escapes and underscores read as spaces."""
    low = text.lower()
    return [(m.start(), _SPELLING.get(m.group(0), m.group(0))) for m in _WORD.finditer(low)]


def metric_words(metric: str) -> list[str]:
    parts = re.split(r"[_\W]+|(?<=[a-z])(?=[A-Z])", metric)
    return [_SPELLING.get(p.lower(), p.lower()) for p in parts if p and not p.isdigit()]


def _stem(word: str) -> str:
    word = _SAME.get(word, word)
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def number_phrases(name: str) -> list[str]:
    """A run name's number and the word beside it ("64 frequencies", "16-number", "decay
    1.0"), in singular and plural: a part of the name that tells runs apart in prose."""
    tokens = _plain(name).split()
    found = []
    for i, t in enumerate(tokens):
        if not re.fullmatch(r"\d+(?:\.\d+)?", t):
            continue
        for a, b in (
            (t, tokens[i + 1] if i + 1 < len(tokens) else ""),
            (tokens[i - 1] if i else "", t),
        ):
            word = b if a == t else a
            if re.fullmatch(r"[a-z][a-z-]{2,}", word) and _stem(word) not in _NOT_BESIDE_NUMBER:
                base = word[:-1] if re.search(r"[^su]s$", word) else word
                found += [f"{a} {b}".replace(word, w) for w in (base, base + "s")]
    return found


def _plain(text: str) -> str:
    """Lower case, TeX escapes and punctuation as single spaces: for phrase matching."""
    text = re.sub(r"\\(?:texttt|textbf|textit|emph|textsc)\b", " ", text)
    text = text.replace("\\_", "_").lower()
    return " " + " ".join(re.findall(r"[a-z0-9_]+(?:\.[0-9]+)*|\+", text)) + " "


def _bare_title(title: str) -> str:
    """A title as plain words, without its numbers."""
    return " " + " ".join(w for w in _plain(title).split() if not w[0].isdigit()) + " "


@dataclass
class Vocabulary:
    metrics: list[str]
    datasets: list[str]
    runs: list[str]
    names: dict[str, list[str]] = field(default_factory=dict)  # run -> names
    _aliases: dict[str, set[str]] = field(default_factory=dict)  # phrase -> runs
    _learned: set[str] = field(default_factory=set)  # phrases learned from the paper's tables
    _partial: set[str] = field(default_factory=set)  # a name's number and its word: prose only
    ours: frozenset[str] = frozenset()  # the run of the table row marked "(ours)"
    combined: frozenset[str] = frozenset()  # the run whose title joins two others' titles

    def __post_init__(self) -> None:
        self._metric_words = {m: metric_words(m) for m in self.metrics}
        # A key with no known head word ("ece", "episodes_to_solve") is named by its own words.
        self._heads = set(HEADS) | {
            w
            for mw in self._metric_words.values()
            if not set(mw) & HEADS
            for w in mw
            if w not in _WEAK
        }
        for run, names in self.names.items():
            for name in names[:1] + [n for n in names[1:] if len(n) <= 40]:
                self.alias(name, {run})
        by_number: dict[str, set[str]] = {}
        for run, names in self.names.items():
            for name in names:
                for phrase in number_phrases(name):
                    by_number.setdefault(phrase, set()).add(run)
        for phrase, runs in by_number.items():
            if len(runs) < len(self.runs) and f" {phrase} " not in self._aliases:
                self.alias(phrase, runs)
                self._partial.add(f" {phrase} ")
        self.title_words = {
            _stem(w)
            for names in self.names.values()
            for w in re.findall(r"[a-z]+", _plain(names[0]) if names else "")
        } - {_stem(w) for w in _FILLER | _WEAK | {"baseline", "run"}}
        self.combined = self._combination()

    def _combination(self) -> frozenset[str]:
        """The run whose title holds the titles of two other runs ("Adaptive dropout with
        layer-wise learning rates"), when exactly one does: what "the combined model" means."""
        # without their numbers: "entropy bonus 0.01" is in "... with entropy bonus"
        titles = {r: _bare_title(n[0]) for r, n in self.names.items() if n and r != "run_0"}
        joins = [
            r
            for r, t in titles.items()
            if sum(o != r and len(o_t) > 4 and o_t in t for o, o_t in titles.items()) >= 2
        ]
        return frozenset(joins) if len(joins) == 1 else frozenset()

    def mark_ours(self, label: str, runs: frozenset[str]) -> None:
        """A row label marked "(ours)" gives the runs "our method" means in prose."""
        if re.search(r"\(\s*ours\s*\)", label, re.I) and len(runs) == 1:
            self.ours = runs

    def alias(self, phrase: str, runs: Iterable[str], learned: bool = False) -> None:
        """Let ``phrase`` name ``runs`` from now on. ``learned``: a row label traced to its run
        by its values; one word ("Cosine") is too common in prose to name a run by itself."""
        key = _plain(re.sub(r"\(ours\)|\\textbf|\\emph", " ", phrase)).strip()
        if len(key) < 3 or key.replace(".", "").isdigit() or (learned and " " not in key):
            return
        self._aliases.setdefault(f" {key} ", set()).update(runs)
        if learned:
            self._learned.add(f" {key} ")

    def metric_mentions(self, text: str) -> list[tuple[int, frozenset[str]]]:
        """(offset, metrics meant) of each place ``text`` names a metric, in order."""
        ws = words(text)
        found = []
        for i, (offset, word) in enumerate(ws):
            if word not in self._heads:
                continue
            near = {w for _, w in ws[max(0, i - _WINDOW) : i + _WINDOW + 1]}
            wide = {w for _, w in ws[max(0, i - 2 * _WINDOW) : i + 2 * _WINDOW + 1]}
            scored = []
            for metric, mw in self._metric_words.items():
                if word not in mw:
                    continue
                primary = next(w for w in mw if w in self._heads)
                if primary != word and primary not in wide:
                    continue  # step_val_acc_99 is a step count: "accuracy" alone is not it
                # qualifiers only: another head word ("steps" near "accuracy") is its own mention
                strong = [w for w in mw if w not in _WEAK and w not in self._heads]
                hits = sum(w in near for w in strong)
                scored.append((hits - 0.1 * (len(strong) - hits), metric))
            if scored:
                best = max(s for s, _ in scored)
                found.append((offset, frozenset(m for s, m in scored if s == best)))
        return found

    def metrics_in(self, text: str) -> frozenset[str]:
        return frozenset().union(*(m for _, m in self.metric_mentions(text)))

    def datasets_in(self, text: str) -> frozenset[str]:
        plain = _plain(text)
        found = set()
        for d in self.datasets:
            forms = {d.lower(), d.lower().replace("_", " "), d.lower().replace("-", " ")}
            if any(f" {f} " in plain or f" {f}s " in plain for f in forms):
                found.add(d)
        return frozenset(found)

    def run_mentions(self, text: str, learned: bool = True) -> list[tuple[int, frozenset[str]]]:
        """(offset in the plain text, runs meant) of each run ``text`` names, in order; a longer
        name wins over a shorter one inside it. ``learned=False``: not by table row labels, nor by
        a name's number and its word (a table row's label is read whole)."""
        plain = _plain(text)
        found: list[tuple[int, int, frozenset[str]]] = []
        for m in re.finditer(r" run[ _]?(\d+) ", plain):
            run = f"run_{m.group(1)}"
            if run in self.runs:
                found.append((m.start(), m.end(), frozenset({run})))
        if "run_0" in self.runs:
            for m in re.finditer(r" baselines? ", plain):
                found.append((m.start(), m.end(), frozenset({"run_0"})))
        if self.ours and learned:  # "our method" is the table row marked "(ours)"
            for m in _OURS.finditer(plain):
                found.append((m.start(), m.end(), self.ours))
        if self.combined:
            for m in _COMBINED.finditer(plain):
                found.append((m.start(), m.end(), self.combined))
        for phrase, runs in sorted(self._aliases.items(), key=lambda a: -len(a[0])):
            if not learned and (phrase in self._learned or phrase in self._partial):
                continue
            for m in re.finditer(re.escape(phrase), plain):
                if not any(a <= m.start() < b or a < m.end() <= b for a, b, _ in found):
                    found.append((m.start(), m.end(), frozenset(runs)))
        for a, b, title_run in self._title_words(plain):
            if not any(x <= a < y or x < b <= y for x, y, _ in found):
                found.append((a, b, title_run))
        return sorted((a, runs) for a, _, runs in found)

    def _title_words(self, plain: str) -> list[tuple[int, int, frozenset[str]]]:
        """A title's words in another order ("with distillation the 16-number model" for "16
        numbers with distillation"): the run whose title has the most words, all of them in
        ``plain`` within a few words of one another."""
        ws = [(m.start(), m.end(), _stem(m.group(0))) for m in re.finditer(r"[a-z0-9]+", plain)]
        best: list[tuple[int, int, int, str]] = []
        for run, names in self.names.items():
            need = {_stem(w) for w in re.findall(r"[a-z0-9]+", _plain(names[0]) if names else "")}
            need -= _FILLER
            if len(need) < 2:
                continue
            for i in range(len(ws)):
                window = ws[i : i + len(need) + 3]
                if ws[i][2] in need and need <= {w for _, _, w in window}:
                    last = max(j for j, (_, _, w) in enumerate(window) if w in need)
                    best.append((len(need), ws[i][0], window[last][1], run))
                    break
        if not best:
            return []
        top = max(n for n, _, _, _ in best)
        hits = [(a, b, frozenset({r})) for n, a, b, r in best if n == top]
        return hits if len(hits) == 1 else []

    def subject_mentions(self, text: str) -> list[tuple[int, frozenset[str]]]:
        """``run_mentions`` less the runs named right after a value ("0.35 for the baseline"):
        those are that value's run, not who the clause is about."""
        plain = _plain(text)
        return [
            (a, r)
            for a, r in self.run_mentions(text)
            if not _OF_VALUE.search(plain[: a + 1])
            and not _NOT_SUBJECT.search(plain[: a + 1])
            and not _PART.search(plain[: a + 1])
        ]

    def part_mentions(self, text: str) -> list[tuple[int, frozenset[str]]]:
        """The runs named as a part of a combination ("combining it with B": B)."""
        plain = _plain(text)
        return [(a, r) for a, r in self.run_mentions(text) if _PART.search(plain[: a + 1])]

    def join_of(self, a: frozenset[str], b: frozenset[str]) -> frozenset[str]:
        """The one run whose title holds the titles of run ``a`` and run ``b`` ("DropEdge" and
        "Residual connections": "DropEdge with residual connections"), else none."""
        if len(a) != 1 or len(b) != 1 or a == b:
            return frozenset()
        titles = {r: _bare_title(n[0]) for r, n in self.names.items() if n}
        need = [titles.get(next(iter(x)), "") for x in (a, b)]
        if not all(len(t) > 4 for t in need):
            return frozenset()
        joins = [r for r, t in titles.items() if r not in a | b and all(x in t for x in need)]
        return frozenset(joins) if len(joins) == 1 else frozenset()

    def whole_mentions(self, text: str) -> list[tuple[int, frozenset[str]]]:
        """``run_mentions`` less the parts of a combination ("combining it with B")."""
        plain = _plain(text)
        return [(a, r) for a, r in self.run_mentions(text) if not _PART.search(plain[: a + 1])]

    def names_a_run_vaguely(self, text: str, runs: frozenset[str] = frozenset()) -> bool:
        """``text`` holds a word of a run's title ("warmup alone") that is not a word of the
        titles of ``runs``: it may be about a run the vocabulary cannot tell, so ``runs`` are
        not carried into it from the sentences before."""
        metric = {_stem(w) for m in self.metrics for w in metric_words(m)}
        words_of = {_stem(w) for w in re.findall(r"[a-z]+", _plain(text))}
        theirs = {
            _stem(w)
            for r in runs
            for w in re.findall(r"[a-z]+", _plain(self.names[r][0]) if self.names.get(r) else "")
        }
        return bool(words_of & (self.title_words - metric - theirs))

    def runs_in(self, text: str, learned: bool = True) -> frozenset[str]:
        return frozenset().union(*(r for _, r in self.run_mentions(text, learned)))
