"""A topic file (docs/topics.md): the question, metric, budget and data a template is drafted
from, read into a ``Topic`` and checked.

Contract:
- ``read_topic(path)`` never raises on a bad file: it returns the ``Topic`` (None when any
  error stops it) and every ``Problem``, each naming its field, its line and what to write.
  Errors: no title; no Summary or Question; a Metric without a name or with a direction other
  than min/max; a Budget without smoke or with a duration it cannot read; no Data, or a data
  set that is not prepared in aisci's data folder (``aisci data`` prepares the shipped ones);
  a Start from path that does not exist or leaves the topic's folder. Unknown sections, keys
  and scales are warnings.
- ``load_topic(path)`` is the Topic, or a ``TopicProblems`` (a ConfigError) listing every error.
- ``write_example(folder, name)`` writes ``folder/NAME.md``, the example topic titled after
  NAME; it refuses a file that exists.
- ``topic_prompt_block(topic)`` is the topic as a prompt shows data: labelled one-line fields,
  the summary and question as text, the start code in a fenced block.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aisci.core.choices import SCALES
from aisci.core.metric import DIRECTIONS, Metric
from aisci.core.new_template import NAME
from aisci.errors import ConfigError
from aisci.execution import safefs
from aisci.problems import Problem
from aisci.scientists.llm.material import one_line
from aisci.topic.data_sets import GENERATED, data_set_problem
from aisci.topic.markdown import (
    Line,
    Section,
    duration,
    fence_for,
    fenced_block,
    item,
    seconds,
    snake_name,
    split_sections,
)

EXAMPLE = Path(__file__).resolve().parent / "example.md"
MAX_BYTES = 1 << 20  # a topic file, or a Start from file, larger than this is refused
SECTIONS = ("summary", "question", "metric", "budget", "data", "start from")
METRIC_KEYS = ("name", "direction", "dataset")


@dataclass(frozen=True)
class Topic:
    path: Path  # the topic file
    title: str  # the first "# " heading
    name: str  # snake_case folder name derived from the title (or given on a "Name:" line)
    keywords: tuple[str, ...]
    summary: str
    question: str
    metric: Metric  # source "topic"
    budgets: dict[str, float]  # scale -> seconds for one run; "smoke" is always there
    data: str | None  # None: the code generates its data; else a data set in the data folder
    start_code: str | None  # code to start from, when the topic gives some


class TopicProblems(ConfigError):
    """A topic file that cannot be used, with its errors as ``Problem``s."""

    def __init__(self, path: Path, errors: list[Problem]):
        self.path, self.problems = path, tuple(errors)
        listing = "\n".join(f"  {p}" for p in errors)
        count = f"{len(errors)} problem{'s' * (len(errors) != 1)}"
        super().__init__(
            f"Topic {path} cannot be used: {count}:\n{listing}\n",
            f"Fix {'it' if len(errors) == 1 else 'them'} (see docs/topics.md), then check it "
            f"again: aisci template check {path}",
        )


class _Reader:
    """One pass over a topic file, collecting problems as it reads each field."""

    def __init__(self, path: Path):
        self.path = path
        self.problems: list[Problem] = []

    def error(self, message: str, field: str, line: int | None = None) -> None:
        self.problems.append(Problem(self.path.name, message, line=line, field=field))

    def warn(self, message: str, field: str, line: int | None = None) -> None:
        self.problems.append(Problem(self.path.name, message, "warning", line, field))

    def read(self, text: str) -> Topic | None:
        preamble, found = split_sections(text)
        title, name, keywords = self.preamble(preamble)
        sections: dict[str, Section] = {}
        for section in found:
            if section.key not in SECTIONS:
                known = ", ".join(s.title() for s in SECTIONS)
                self.warn(
                    f'unknown section "## {section.title}" is ignored; the sections are: {known}',
                    section.key,
                    section.line,
                )
            elif section.key in sections:
                self.error(
                    f'a second "## {section.title}" section (the first is on line '
                    f"{sections[section.key].line}); keep one",
                    section.key,
                    section.line,
                )
            else:
                sections[section.key] = section
        summary = self.prose(sections, "summary", "a few sentences on what is studied and how")
        question = self.prose(sections, "question", "the question the experiments answer")
        metric = self.metric(sections.get("metric"))
        budgets = self.budgets(sections.get("budget"))
        data = self.data(sections.get("data"))
        start_code = self.start(sections.get("start from"))
        if any(p.is_error for p in self.problems):
            return None
        assert title and name and metric and budgets and summary and question  # no error said so
        return Topic(
            self.path, title, name, keywords, summary, question, metric, budgets, data, start_code
        )

    def preamble(self, lines: list[Line]) -> tuple[str, str, tuple[str, ...]]:
        title, name = "", ""
        keywords: tuple[str, ...] = ()
        for n, text in lines:
            bare = text.strip()
            field = item(bare)
            if not bare:
                continue
            if not title and bare.startswith("# "):
                title = bare[2:].strip().rstrip("#").strip()
            elif field and field[0] == "keywords":
                keywords = tuple(w.strip() for w in field[1].split(",") if w.strip())
            elif field and field[0] == "name":
                name = field[1].strip()
                if not NAME.fullmatch(name):
                    self.error(
                        f'"Name: {name}" is not a snake_case folder name; write lowercase '
                        "letters, digits and _, starting with a letter (or leave the line out "
                        "to derive it from the title)",
                        "name",
                        n,
                    )
            elif not title:
                break
            else:
                self.warn(
                    "text before the first ## section is ignored (only the title, Keywords: "
                    "and Name: lines go there); move it under ## Summary",
                    "preamble",
                    n,
                )
        if not title:
            self.error(
                'no title: begin the file with a "# " heading naming the study, '
                'e.g. "# Label noise and a small MLP"',
                "title",
                1,
            )
        return title, name or (snake_name(title) if title else ""), keywords

    def prose(self, sections: dict[str, Section], key: str, what: str) -> str:
        section = sections.get(key)
        heading = f"## {key.title()}"
        if section is None:
            self.error(f'no "{heading}" section: add one with {what}', key)
            return ""
        if not section.text():
            self.error(f'"{heading}" is empty: write {what}', key, section.line)
        return section.text()

    def pairs(self, section: Section, field: str) -> dict[str, tuple[int, str]]:
        """The ``- key: value`` lines of a section; any other line is a warning."""
        found: dict[str, tuple[int, str]] = {}
        for n, text in section.lines():
            pair = item(text)
            if pair is None:
                self.warn(f'line not read: write "- key: value" under ## {section.title}', field, n)
            else:
                found[pair[0]] = (n, pair[1])
        return found

    def metric(self, section: Section | None) -> Metric | None:
        if section is None:
            self.error(
                'no "## Metric" section: add one with "- name: <a key of final_info.json\'s '
                'means>" and "- direction: min" or "max"',
                "metric",
            )
            return None
        pairs = self.pairs(section, "metric")
        line = section.line
        name = pairs.get("name", (line, ""))[1]
        if not name or len(name.split()) != 1:
            self.error(
                f'the metric needs a one-word name: write "- name: val_loss" (a key of '
                f"final_info.json's means), found {name!r}",
                "metric.name",
                pairs.get("name", (line,))[0],
            )
        direction = pairs.get("direction", (line, ""))[1].lower()
        if direction not in DIRECTIONS:
            self.error(
                f'the metric\'s direction must be min or max: write "- direction: min" (lower '
                f'is better) or "- direction: max", found {direction!r}',
                "metric.direction",
                pairs.get("direction", (line,))[0],
            )
        dataset = pairs.get("dataset", (line, ""))[1] or None
        if dataset is not None and len(dataset.split()) != 1:
            self.error(
                f"the metric's dataset must be one word (a top-level key of final_info.json), "
                f"found {dataset!r}",
                "metric.dataset",
                pairs["dataset"][0],
            )
        for key, (n, _) in pairs.items():
            if key not in METRIC_KEYS:
                self.warn(
                    f'unknown metric key "{key}" is ignored; the keys are: {", ".join(METRIC_KEYS)}',
                    f"metric.{key}",
                    n,
                )
        if any(p.is_error and (p.field or "").startswith("metric") for p in self.problems):
            return None
        return Metric(name, dataset, direction, source="topic")

    def budgets(self, section: Section | None) -> dict[str, float]:
        example = '"- smoke: 60 s" (also "cpu: 10 min", "full: 2 h")'
        if section is None:
            self.error(f'no "## Budget" section: add one with {example}', "budget")
            return {}
        budgets: dict[str, float] = {}
        for scale, (n, value) in self.pairs(section, "budget").items():
            duration = seconds(value)
            if duration is None:
                self.error(
                    f'cannot read the {scale} budget {value!r} as a duration: write e.g. "30 s", '
                    '"10 min" or "2 h" (a bare number is seconds)',
                    f"budget.{scale}",
                    n,
                )
                continue
            if scale not in SCALES:
                self.warn(
                    f"unknown scale {scale!r}; aisci runs the scales {', '.join(SCALES)}",
                    f"budget.{scale}",
                    n,
                )
            budgets[scale] = duration
        if "smoke" not in budgets and not any(p.field == "budget.smoke" for p in self.problems):
            self.error(
                f"the budget has no smoke scale: add {example}; the smoke run is the quick "
                "check every drafted template must pass",
                "budget.smoke",
                section.line,
            )
        return budgets if "smoke" in budgets else {}

    def data(self, section: Section | None) -> str | None:
        if section is None or not section.lines():
            self.error(
                f'no data named: write "## Data" with "{GENERATED}" (the code makes its data) '
                "or the name of a data set in aisci's data folder",
                "data",
                section.line if section else None,
            )
            return None
        (n, value), *rest = section.lines()
        if rest:
            self.warn(
                "only the first line of ## Data is read; describe the data under ## Summary",
                "data",
                rest[0][0],
            )
        value = value.strip("`").strip()
        if value.lower() == GENERATED:
            return None
        problem = data_set_problem(value)
        if problem:
            self.error(problem, "data", n)
        return value

    def start(self, section: Section | None) -> str | None:
        if section is None:
            return None
        block = fenced_block(section.body)
        if block is not None:
            return block[1] + "\n"
        lines = section.lines()
        if not lines:
            self.warn(
                "## Start from is empty: give a ```python block or a .py file's path, or remove it",
                "start from",
                section.line,
            )
            return None
        n, value = lines[0]
        value = value.strip("`").strip()
        folder = self.path.parent
        relative = Path(value)
        where = f"the topic's folder ({folder})"
        if relative.is_absolute() or ".." in relative.parts:
            self.error(
                f"the Start from path {value} leaves {where}: give a path relative to it, "
                "inside it, or paste the code in a ```python block",
                "start from",
                n,
            )
            return None
        kind = safefs.kind(folder / relative, root=folder)
        if kind != "file":
            why = "does not exist" if kind is None else f"is a {kind}, not a plain file"
            self.error(
                f"the Start from file {value} {why} (paths are relative to {where})",
                "start from",
                n,
            )
            return None
        try:
            raw = safefs.read_bytes(folder / relative, root=folder, limit=MAX_BYTES + 1)
            if len(raw) > MAX_BYTES:
                raise ValueError(f"it is over {MAX_BYTES} bytes; start from a smaller one")
            return raw.decode("utf-8")
        except (OSError, ValueError, safefs.UnsafePathError) as e:  # UnicodeDecodeError too
            self.error(f"cannot read the Start from file {value}: {e}", "start from", n)
            return None


def read_topic(path: Path) -> tuple[Topic | None, list[Problem]]:
    path = Path(path)
    reader = _Reader(path)
    try:
        raw = safefs.read_bytes(path, limit=MAX_BYTES + 1)
    except FileNotFoundError:
        reader.error("no such topic file: write one with aisci template new NAME --topic", "file")
        return None, reader.problems
    except (OSError, safefs.UnsafePathError) as e:
        reader.error(f"cannot read the topic file: {e}", "file")
        return None, reader.problems
    if len(raw) > MAX_BYTES:
        reader.error(f"the topic file is over {MAX_BYTES} bytes; a topic is a page", "file")
        return None, reader.problems
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        reader.error("the topic file is not UTF-8 text; save it as UTF-8", "file")
        return None, reader.problems
    return reader.read(text), reader.problems


def load_topic(path: Path) -> Topic:
    topic, problems = read_topic(path)
    if topic is None:
        raise TopicProblems(Path(path), [p for p in problems if p.is_error])
    return topic


def write_example(dest: Path, name: str) -> Path:
    """``dest/NAME.md``: the example topic, its title made from NAME; the file written."""
    if not NAME.fullmatch(name):  # the rule for a template's name: the topic becomes one
        raise ConfigError(
            f"Cannot write the topic {name!r}: its name must be snake_case (lowercase letters, "
            "digits and _, starting with a letter).",
            "For example: aisci template new my_study --topic",
        )
    path = Path(dest) / f"{name}.md"
    if path.exists() or path.is_symlink():
        raise ConfigError(
            f"Cannot write the topic {name}: {path} already exists; it was left as it is.",
            f"Choose another name, or edit that file (then: aisci template check {path}).",
        )
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    title = name.replace("_", " ").capitalize()
    text = "\n".join([f"# {title}", *lines[1:]]) + "\n"
    safefs.write_atomic(path, text)
    return path


def topic_prompt_block(topic: Topic) -> str:
    scales = ", ".join(f"{scale} {duration(s)}" for scale, s in topic.budgets.items())
    lines = [
        f"Title: {one_line(topic.title)}",
        f"Folder name: {topic.name}",
        f"Keywords: {one_line(', '.join(topic.keywords)) or '(none)'}",
        f"Metric: {one_line(topic.metric.label())}",
        f"Time for one run, by scale (AISCI_SCALE): {scales}",
        "Data: "
        + (
            "generated by the code itself"
            if topic.data is None
            else f"the data set {one_line(topic.data)} (in the folder AISCI_DATA_DIR names)"
        ),
        "",
        "Summary:",
        topic.summary.strip(),
        "",
        "Question:",
        topic.question.strip(),
    ]
    if topic.start_code is not None:
        fence = fence_for(topic.start_code)
        lines += ["", "Code to start from:", f"{fence}python", topic.start_code.rstrip(), fence]
    return "\n".join(lines)
