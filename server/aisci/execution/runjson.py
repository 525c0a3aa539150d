"""JSON that a run wrote, decoded within limits.

Contract: ``loads`` is the one way aisci decodes JSON a run could have written (its
``final_info.json``, anything else in a run folder). A run chooses every byte, so the text is
bounded before it becomes Python values: at most ``MAX_BYTES`` (the reader enforces it), at most
``MAX_DEPTH`` levels of nesting, and numbers of at most ``MAX_DIGITS`` characters. Anything past a
limit, or not JSON at all, raises one ``ExperimentError`` whose message names the file and the
limit, never a ``RecursionError`` or the interpreter's own ``ValueError`` for long integers.
The depth is measured on the text without recursion, so no value that comes back can exhaust
the recursion limit of the code that reads it afterwards.
"""

from __future__ import annotations

import json
import re
from typing import Any

from aisci.errors import ExperimentError

MAX_BYTES = 16 << 20
MAX_DEPTH = 64
MAX_DIGITS = 100  # a double needs 17 significant digits; 100 leaves room for any honest format


class _TooLong(Exception):
    """A number literal longer than ``MAX_DIGITS``: raised inside the decoder's hooks."""


def _int(text: str) -> int:
    if len(text) > MAX_DIGITS:
        raise _TooLong
    return int(text)


def _float(text: str) -> float:
    if len(text) > MAX_DIGITS:
        raise _TooLong
    return float(text)


_DECODER = json.JSONDecoder(parse_int=_int, parse_float=_float)
_PLAIN = json.JSONDecoder()
# A number literal longer than MAX_DIGITS needs a run this long of these characters; text
# without one is decoded by the plain decoder (the hooks cost a Python call per number).
_LONG_RUN = re.compile(rf"[-+.eE0-9]{{{MAX_DIGITS + 1}}}")

_HINT = (
    "Make the run write flat, plain results with json.dump (numbers as floats), and run it again."
)


def too_large(where: str, limit: int | None = None) -> ExperimentError:
    limit = MAX_BYTES if limit is None else limit
    size = f"{limit >> 20} MB" if limit >= 1 << 20 else f"{limit:,} bytes"
    return ExperimentError(
        f"{where} is larger than {size}: aisci reads run output only up to that size.", _HINT
    )


def loads(data: bytes | str, where: str) -> Any:
    """The decoded value of ``data``; ``where`` names the file in every message (run_0/x.json)."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError as e:
        raise ExperimentError(
            f"{where} is not UTF-8 text: {e.reason} at byte {e.start}.", _HINT
        ) from None
    try:
        value = (_DECODER if _LONG_RUN.search(text) else _PLAIN).decode(text)
    except RecursionError:
        # The C decoder stops at the interpreter's recursion limit, far above MAX_DEPTH.
        raise _too_deep(where) from None
    except _TooLong:
        raise ExperimentError(
            f"{where} has a number longer than {MAX_DIGITS} digits: aisci reads no longer numbers.",
            _HINT,
        ) from None
    except json.JSONDecodeError as e:
        raise ExperimentError(
            f"{where} is not valid JSON: {e}.",
            "Write it with json.dump (no trailing text, no Python reprs).",
        ) from None
    # Fewer opening brackets than the limit (strings' included) cannot nest past it.
    if text.count("[") + text.count("{") > MAX_DEPTH and _depth(text) > MAX_DEPTH:
        raise _too_deep(where)
    return value


def _too_deep(where: str) -> ExperimentError:
    return ExperimentError(
        f"{where} is nested deeper than {MAX_DEPTH} levels: aisci reads run output only up to "
        "that depth.",
        _HINT,
    )


_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_INNERMOST = re.compile(r"\[\]|\{\}")


def _depth(text: str) -> int:
    """Levels of nesting of valid JSON ``text`` (a scalar is 0, ``[]`` is 1), up to one past
    ``MAX_DEPTH``: with strings and everything but brackets taken out, each pass removes the
    innermost pairs. No recursion, and each pass runs in C."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    for level in range(MAX_DEPTH + 1):
        if not brackets:
            return level
        brackets = _INNERMOST.sub("", brackets)
    return MAX_DEPTH + 1  # still brackets after MAX_DEPTH passes
