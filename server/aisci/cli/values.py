"""The values of the CLI's flags that argparse checks as it reads them: counts and numbers.

Contract: each is an argparse ``type``; a value out of range (nan, inf, negative, a word) is a
usage error (exit status 2) whose message says what was expected and what was found.
"""

from __future__ import annotations

import argparse
import math


def parallel_count(value: str) -> int:
    """Ideas at once; 0 is the original's default ("sequential"), the same as 1."""
    try:
        count = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, found {value!r}") from None
    if count < 0:
        raise argparse.ArgumentTypeError(
            f"must be 0 (sequential, as in the original) or more, found {count}"
        )
    return max(1, count)


def _number(kind, *, zero_allowed: bool):
    """An argparse type: a finite number above zero, or 0 or more (nan, inf and the rest are
    usage errors)."""

    def parse(value: str):
        try:
            number = kind(value)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected a {'whole ' if kind is int else ''}number, found {value!r}"
            ) from None
        if zero_allowed and (not math.isfinite(number) or number < 0):
            raise argparse.ArgumentTypeError(f"must be 0 or more, found {value}")
        if not zero_allowed and (not math.isfinite(number) or number <= 0):
            raise argparse.ArgumentTypeError(f"must be a finite number above 0, found {value}")
        return number

    parse.__name__ = f"{'non-negative' if zero_allowed else 'positive'} {kind.__name__}"
    return parse


POSITIVE_FLOAT, POSITIVE_INT = _number(float, zero_allowed=False), _number(int, zero_allowed=False)
NON_NEGATIVE_INT, NON_NEGATIVE_FLOAT = (
    _number(int, zero_allowed=True),
    _number(float, zero_allowed=True),
)


def run_names(value: str) -> tuple[str, ...]:
    """``run_1,run_3`` (or ``1,3``): the runs of an idea folder a command is limited to."""
    runs = []
    for part in (p.strip() for p in value.split(",")):
        name = f"run_{part}" if part.isdigit() else part
        if not (name.startswith("run_") and name[4:].isdigit()):
            raise argparse.ArgumentTypeError(
                f"expected run names such as run_1,run_3, found {part!r}"
            )
        runs.append(name)
    return tuple(dict.fromkeys(runs))
