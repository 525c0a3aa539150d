"""The one JSON-object argument of every command, validated at the edge.

Contract: ``Args.parse(command, arguments, allowed)`` accepts exactly one object whose keys are
``allowed`` or settings keys (docs/lsp.md §2) and raises ``InvalidArgs`` (-32602) with a
message naming the command, the key, what was expected and what was found. Getters check
types; ``overrides`` holds the settings keys, validated when the command's settings are built;
``where()`` is the path the command acts on, whose workspace folder's settings it takes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, overload

from pygls.exceptions import JsonRpcException

from aisci.lsp.settings import KEYS
from aisci.lsp.uris import uri_to_path


class InvalidArgs(JsonRpcException):
    CODE = -32602
    MESSAGE = "Invalid Params"


class Args:
    def __init__(self, command: str, values: dict[str, Any]):
        self.command = command
        self.values = values

    @classmethod
    def parse(cls, command: str, arguments: tuple, allowed: tuple[str, ...]) -> Args:
        example = (
            '{"template": "/abs/path/templates/NAME"}'
            if "template" in allowed
            else (
                '{"folder": "/abs/path/results/TEMPLATE/STAMP_IDEA"}'
                if "folder" in allowed
                else "{}"
            )
        )
        if len(arguments) != 1 or not isinstance(arguments[0], dict):
            found = (
                f"{len(arguments)} arguments"
                if len(arguments) != 1
                else type(arguments[0]).__name__
            )
            raise cls.error(
                command,
                f"takes exactly one argument, a JSON object such as {example}; found {found}.",
            )
        values = dict(arguments[0])
        unknown = sorted(k for k in values if k not in allowed and k not in KEYS)
        if unknown:
            raise cls.error(
                command,
                f"unknown key{'s' * (len(unknown) > 1)} {', '.join(map(repr, unknown))}; "
                f"it takes {', '.join(allowed) or 'no keys'} (and any aiScientist setting).",
            )
        return cls(command, values)

    @staticmethod
    def error(command: str, message: str) -> InvalidArgs:
        return InvalidArgs(message=f"{command}: {message}", data={"command": command})

    def fail(self, message: str) -> InvalidArgs:
        return self.error(self.command, message)

    def has(self, key: str) -> bool:
        return self.values.get(key) is not None

    @property
    def overrides(self) -> dict[str, Any]:
        return {k: v for k, v in self.values.items() if k in KEYS}

    def where(self) -> Path | None:
        """The path the command acts on (its idea folder, template, file or folder), unchecked:
        the handler checks it; None when it names none (the first workspace folder then)."""
        for key in ("folder", "template", "path", "dir"):
            value = self.values.get(key)
            if isinstance(value, str) and value.strip():
                path = uri_to_path(value) if value.startswith("file:") else Path(value)
                if path is not None and path.is_absolute():
                    return path
        return None

    @overload
    def text(self, key: str, required: Literal[True] = True) -> str: ...
    @overload
    def text(self, key: str, required: bool) -> str | None: ...

    def text(self, key: str, required: bool = True) -> str | None:
        value = self.values.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip():
            what = "missing" if value is None else f"{type(value).__name__} {value!r}"
            raise self.fail(f'"{key}" must be a non-empty string, found {what}.')
        return value

    def flag(self, key: str) -> bool:
        value = self.values.get(key, False)
        if not isinstance(value, bool):
            raise self.fail(f'"{key}" must be true or false, found {value!r}.')
        return value

    def names(self, key: str) -> list[str] | None:
        value = self.values.get(key)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f'"{key}" must be a list of idea names, found {value!r}.')
        return value

    def path(self, key: str) -> Path:
        value = self.text(key)
        path = uri_to_path(value) if value.startswith("file:") else Path(value)
        if path is None or not path.is_absolute():
            raise self.fail(f'"{key}" must be an absolute path, found {value!r}.')
        return path.resolve()

    def template(self, must_exist: bool = True) -> Path:
        path = self.path("template")
        if must_exist and not path.is_dir():
            raise self.fail(
                f"the template {path} is not a folder (it does not exist or is a file); "
                "give a template folder such as <workspace>/templates/NAME."
            )
        return path

    def folder(self) -> Path:
        path = self.path("folder")
        if not path.is_dir():
            raise self.fail(f"the folder {path} does not exist.")
        if not (path / "idea.json").is_file():
            raise self.fail(
                f"{path} is not an idea folder (it has no idea.json); give a folder "
                "results/<template>/<stamp>_<idea> made by a launch or by aisci.runExperiments."
            )
        return path
