"""How a front end sets one ``Settings`` field: the ``Option`` each field declares.

Contract: a ``Settings`` field that the terminal or the editor sets carries one ``Option`` in
its metadata (``metadata=option(...)``, core/settings.py): its ``aisci`` flag, its
``aiScientist.*`` key, the kind of value, the choices, the help, and each front end's default
where it is not the field's. cli/flags.py builds the flags from it, commands/context.py the
flag->field map, lsp/settings.py the editor's table; ``options(Settings)`` lists them and
``front_default`` gives a front end's default. Pure data: no import beyond the standard library.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

# The values a kind takes. Both front ends: "choice" (one of ``choices``), "text" (empty or
# None: none), "whole" (an integer from 1), "count" (an integer from 0), "number" (finite, above
# 0; None too with ``none_allowed``). The command line only: "path", "switch" (on or off).
KINDS = ("choice", "text", "whole", "count", "number", "path", "switch")
FRONTS = ("cli", "editor")
# The metadata key of a dataclass field's Option.
METADATA = "aisci.option"


@dataclass(frozen=True)
class Option:
    """How the front ends set one field: its one declaration."""

    kind: str  # one of KINDS
    help: str  # the flag's help (argparse expands %(default)s)
    flag: str | None = None  # e.g. "--timeout"; None: not on the command line
    key: str | None = None  # e.g. "timeout" for aiScientist.timeout; None: not in the editor
    # The first sentence of the key's markdownDescription in the extension's package.json.
    editor_help: str = ""
    choices: tuple[str, ...] = ()
    none_allowed: bool = False  # a "number" that may be None (maxCost: no cap)
    metavar: str | None = None
    # The flag's help on the commands of a group that says it its own way ("folder": writeup
    # and review, on one idea folder or PDF; "doctor": what aisci doctor measures).
    helps: Mapping[str, str] = field(default_factory=dict)
    # A front end (FRONTS) whose default is not the field's: front_default().
    defaults: Mapping[str, Any] = field(default_factory=dict)
    # The command turns the flag's value into the field's (commands/context.py, cycle.py), so
    # the flag->field map leaves it out.
    converted: bool = False
    zero_is_one: bool = False  # the CLI also takes 0 and reads it as 1 (the original's default)

    def __post_init__(self) -> None:
        # A typo here would silently drop a flag or a key: refuse it when the module loads.
        if self.kind not in KINDS or not (self.flag or self.key):
            raise ValueError(f"an Option needs a kind of {KINDS} and a flag or a key: {self}")
        if (self.kind == "choice") != bool(self.choices) or not set(self.defaults) <= set(FRONTS):
            raise ValueError(f"choices only with kind choice, defaults only of {FRONTS}: {self}")

    @property
    def applies(self) -> str:
        """Where it is set: "cli", "editor" or "both"."""
        if self.flag and self.key:
            return "both"
        return "cli" if self.flag else "editor"

    @property
    def dest(self) -> str | None:
        """The flag's name in argparse's namespace (``--max-cost``: ``max_cost``)."""
        return self.flag.removeprefix("--").replace("-", "_") if self.flag else None


def option(**declared: Any) -> dict[str, Option]:
    """A field's metadata: ``field(default=..., metadata=option(kind=..., ...))``."""
    return {METADATA: Option(**declared)}


def options(cls: type) -> dict[str, Option]:
    """Each field of the dataclass ``cls`` that a front end sets -> its Option, in field order."""
    return {f.name: f.metadata[METADATA] for f in fields(cls) if METADATA in f.metadata}


def front_default(cls: type, name: str, front: str) -> Any:
    """The default of field ``name`` in a front end ("cli" or "editor"): the field's own unless
    its Option names another (the editor's autonomy, the machine's scale)."""
    declared = options(cls)[name]
    if front in declared.defaults:
        return declared.defaults[front]
    return next(f.default for f in fields(cls) if f.name == name)
