"""Each setting is declared once (core/settings.py, an ``Option`` on its ``Settings`` field) and
every front end follows the declaration: the ``aisci`` flags have its name, choices, default and
help; a value given on the command line or in the editor reaches the field; a flag written by
hand that sets no declared field is named. (package.json and src/settings.ts are checked against
the same declarations in tests/lsp/test_settings_table.py.) Each failure names the setting."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from aisci.cli import build_parser
from aisci.commands.context import make_context
from aisci.core.options import KINDS
from aisci.core.settings import Option, Settings, front_default, options
from aisci.lsp.settings import TABLE, ClientSettings

# Flags that set no Settings field: what a command acts on, or the executor's own settings.
NOT_SETTINGS = {
    "-h", "--help", "--version", "--debug", "--template", "--experiment", "--gpu",
    "--shared-results", "--run-cpus", "--run-gpus", "--skip-idea-generation",
    "--skip-novelty-check", "--resume", "--force", "--yes", "--dir", "--section", "--tcp",
    "--offline", "--json", "--runs", "--tolerance", "--topic", "--name", "--max-drafts",
}  # fmt: skip
# The argparse type's name of each kind (cli/values.py).
TYPE_NAMES = {
    "whole": "positive int",
    "count": "non-negative int",
    "number": "positive float",
    "path": "Path",
}


def commands(parser: argparse.ArgumentParser, path: str = "aisci"):
    """(the command's words, its parser) for the top level and every subcommand."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from commands(sub, f"{path} {name}")


def flags_by_command() -> dict[str, dict[str, argparse.Action]]:
    return {
        path: {s: a for a in p._actions for s in a.option_strings}
        for path, p in commands(build_parser())
    }


def test_each_declaration_is_complete_and_names_a_flag_or_key_of_its_own():
    declared = options()
    seen: dict[str, str] = {}
    wrong = []
    for name, option in declared.items():
        if option.kind not in KINDS:
            wrong.append(f"Settings.{name}: kind {option.kind!r} is none of {KINDS}")
        if option.flag and not re.fullmatch(r"--[a-z]+(-[a-z]+)*", option.flag):
            wrong.append(f"Settings.{name}: flag {option.flag!r} is not --lower-case-words")
        if option.key and not re.fullmatch(r"[a-z]+([A-Z][a-z]*)*", option.key):
            wrong.append(f"Settings.{name}: key {option.key!r} is not camelCase")
        if option.key and not option.editor_help.endswith("."):
            wrong.append(f"Settings.{name}: a key needs editor_help, a sentence")
        if option.key and option.kind not in ("choice", "text", "whole", "count", "number"):
            wrong.append(f"Settings.{name}: the editor cannot hold a {option.kind}")
        for label in filter(None, (option.flag, option.key)):
            if label in seen:
                wrong.append(f"{label} is declared by Settings.{seen[label]} and Settings.{name}")
            seen[label] = name
    assert wrong == [], "\n".join(wrong)
    assert {o.applies for o in declared.values()} == {"cli", "both"}


def test_each_declared_flag_is_on_the_command_line_as_declared():
    found = flags_by_command()
    wrong = []
    for name, option in options().items():
        if option.flag is None:
            continue
        places = {path: flags[option.flag] for path, flags in found.items() if option.flag in flags}
        if not places:
            wrong.append(f"Settings.{name}: {option.flag} is on no command (cli/)")
        helps = {option.help, *option.helps.values(), argparse.SUPPRESS}
        for path, action in places.items():
            where = f"{path} {option.flag} (Settings.{name})"
            if action.default != front_default(name, "cli"):
                wrong.append(
                    f"{where}: default {action.default!r}, declared {front_default(name, 'cli')!r}"
                )
            if tuple(action.choices or ()) != option.choices:
                wrong.append(f"{where}: choices {action.choices}, declared {option.choices}")
            if action.help not in helps:
                wrong.append(f"{where}: help {action.help!r} is not declared")
            if action.metavar != option.metavar:
                wrong.append(f"{where}: metavar {action.metavar!r}, declared {option.metavar!r}")
            if option.kind == "switch":
                if not isinstance(action, argparse._StoreTrueAction):
                    wrong.append(f"{where}: a switch, not a store_true flag")
            elif option.kind in TYPE_NAMES and not option.zero_is_one:
                got = getattr(action.type, "__name__", None)
                if got != TYPE_NAMES[option.kind]:
                    wrong.append(
                        f"{where}: type {got}, a {option.kind} takes {TYPE_NAMES[option.kind]}"
                    )
    assert wrong == [], "\n".join(wrong)


def test_every_flag_sets_a_declared_setting_or_is_known_to_set_none():
    declared = {o.flag for o in options().values()}
    hand_written = sorted(
        {
            f"{path} {flag}"
            for path, flags in flags_by_command().items()
            for flag in flags
            if flag not in declared and flag not in NOT_SETTINGS
        }
    )
    assert hand_written == [], (
        "flags written by hand in cli/: declare each on its Settings field (core/settings.py), "
        f"or list it in NOT_SETTINGS if it sets none: {hand_written}"
    )


def other_value(name: str, option: Option) -> tuple[str | None, Any]:
    """(the command-line word, the field's value) for a value that is no default."""
    default = front_default(name, "cli")
    if option.kind == "switch":
        return None, True
    if option.kind == "choice":
        word = next(c for c in option.choices if c not in (default, getattr(Settings(), name)))
        return word, word
    if option.kind in ("whole", "count"):
        return str(default + 2), default + 2
    if option.kind == "number":
        return "3.5", 3.5
    if option.kind == "path":
        return "elsewhere", Path("elsewhere")
    given = {"model": "openai/test-model", "gpus": "0,1", "ray_address": "10.0.0.1:6379"}
    word = given.get(name, "TEST_VALUE")
    return word, tuple(word.split(",")) if name == "gpus" else word


@pytest.mark.parametrize(
    "command", [["launch", "--template", "t"], ["novelty", "--template", "t"], ["review", "p"]]
)
def test_each_flag_of_a_command_reaches_its_settings_field(command, monkeypatch):
    # review-edits autonomy asks at a terminal; the prompt is never reached here.
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    on_command = flags_by_command()[f"aisci {command[0]}"]
    argv, expected = list(command), {}
    for name, option in options().items():
        # --writeup latex|none becomes the switch in commands/cycle.py, after make_context.
        if option.flag not in on_command or name == "writeup":
            continue
        word, expected[name] = other_value(name, option)
        argv += [option.flag] if word is None else [option.flag, word]
    settings = make_context(build_parser().parse_args(argv)).settings
    wrong = [
        f"{argv[0]} {options()[name].flag}: Settings.{name} is {getattr(settings, name)!r}, "
        f"given {value!r}"
        for name, value in expected.items()
        if getattr(settings, name) != value
    ]
    assert expected and wrong == [], "\n".join(wrong)


def test_each_key_of_the_editor_reaches_its_settings_field():
    client = ClientSettings()
    expected = {}
    for key, spec in TABLE.items():
        word, expected[spec.field_name] = other_value(spec.field_name, options()[spec.field_name])
        assert (
            client.merge(
                {key: word if spec.kind in ("choice", "text") else expected[spec.field_name]}
            )
            == []
        )
    settings = client.to_settings(Path("/workspace"))
    wrong = {
        name: getattr(settings, name)
        for name in expected
        if getattr(settings, name) != expected[name]
    }
    assert wrong == {}, f"aiScientist.* values that did not reach their field: {wrong}"


def test_the_two_front_ends_differ_only_where_declared(monkeypatch):
    # The terminal applies every edit, as the original did; the editor asks. Both front ends
    # take the machine's scale when none is chosen.
    assert (front_default("autonomy", "cli"), front_default("autonomy", "editor")) == (
        "full",
        "review-edits",
    )
    assert front_default("scale", "cli") is None and front_default("scale", "editor") is None
    monkeypatch.setattr("aisci.core.baseline.default_scale", lambda: "smoke")
    args = build_parser().parse_args(["ideas", "--template", "t"])
    assert make_context(args).settings.scale == "smoke"
    assert ClientSettings().to_settings(Path("/workspace")).scale == "smoke"
    differ = {name: dict(option.defaults) for name, option in options().items() if option.defaults}
    # Besides those two, only the shape of a flag differs: --gpus is comma-separated text,
    # --writeup names latex or none.
    assert differ == {
        "scale": {"cli": None, "editor": None},
        "autonomy": {"editor": "review-edits"},
        "gpus": {"cli": ""},
        "writeup": {"cli": "latex"},
    }
