"""How a wire type becomes JSON (``to_wire``) and a JSON schema (``schema``).

Contract: a wire type is a frozen dataclass whose fields are scalars, None, ``Json`` (a value
passed on as it is), lists, dicts or mappings with str keys, unions of these, ``Omit`` and
other wire types; ``schema`` refuses anything else, so a field the tests cannot check cannot be
declared. Fields go out in camelCase (``duration_s`` -> ``durationS``). A field typed
``X | None`` is always sent, possibly as null; a field whose type includes ``Omit`` (default
``OMIT``) is left out when it holds ``OMIT``.
This module imports nothing of aisci.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import enum
import types
import typing
from collections.abc import Mapping
from typing import Any


class Omit(enum.Enum):
    """The marker of a field the server leaves out of the answer (not null: absent)."""

    OMIT = "omit"


OMIT = Omit.OMIT

# A value read from a record on disk and passed on as it is (a review, a metric's settings).
Json = Any

# {dataset: {metric: number}} as in final_info.json; a flat {metric: number} is tolerated.
Means = Mapping[str, Mapping[str, float] | float]


def camel(name: str) -> str:
    """``duration_s`` -> ``durationS``: the wire's name of a field."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def to_wire(value: Any) -> Any:
    """The JSON of a wire value: dataclasses become objects with camelCase keys, ``OMIT`` fields
    are left out; anything else (a dict a command built itself) passes through."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            camel(f.name): to_wire(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if getattr(value, f.name) is not OMIT
        }
    if isinstance(value, Mapping):
        return {k: to_wire(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_wire(v) for v in value]
    return value


_SCALARS: dict[Any, dict[str, Any]] = {
    str: {"type": "string"},
    int: {"type": "integer"},
    float: {"type": "number"},
    bool: {"type": "boolean"},
    type(None): {"type": "null"},
}


def schema(tp: Any) -> dict[str, Any]:
    """The JSON schema of a wire type: a dataclass is a closed object (nothing undeclared),
    its required keys every field that is not ``Omit``-able."""
    if tp is Any:
        return {}
    if tp in _SCALARS:
        return dict(_SCALARS[tp])
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        hints = typing.get_type_hints(tp)
        properties, required = {}, []
        for f in dataclasses.fields(tp):
            options = _union(hints[f.name])
            if Omit not in options:
                required.append(camel(f.name))
            properties[camel(f.name)] = _any_of([o for o in options if o is not Omit])
        return {
            "type": "object",
            "properties": properties,
            "required": required,
            "additionalProperties": False,
        }
    origin, params = typing.get_origin(tp), typing.get_args(tp)
    if origin is list:
        return {"type": "array", "items": schema(params[0])}
    if origin in (dict, collections.abc.Mapping) and params[0] is str:
        return {"type": "object", "additionalProperties": schema(params[1])}
    if origin in (typing.Union, types.UnionType):
        return _any_of(list(params))
    raise TypeError(f"wire.schema does not support {tp!r}; declare the field with a simpler type.")


def _union(tp: Any) -> list[Any]:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return list(typing.get_args(tp))
    return [tp]


def _any_of(options: list[Any]) -> dict[str, Any]:
    return schema(options[0]) if len(options) == 1 else {"anyOf": [schema(o) for o in options]}
