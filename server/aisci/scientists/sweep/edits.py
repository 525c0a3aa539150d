"""The sweep scientist's edits of a template's source: its knobs in experiment.py, its labels in
plot.py.

A knob is a top-level ``CONSTANT = <literal>`` line, an argparse option's default, or a
literal keyword argument or local assignment at a line and column (knobs.json says which);
``set_knob`` changes exactly that value and nothing else, so the proposal a person reviews is
a one-line diff. ``knob_values`` reads the knobs back from a text
(what a person's edit really set). ``replace_labels`` rewrites plot.py's top-level ``labels``
dict.
"""

from __future__ import annotations

import ast
from typing import Any

from aisci.core.knob_sites import SITE_KINDS, find_site, set_site
from aisci.core.knobs import (
    argument_defaults,
    set_argument_default,
    set_constants,
    top_level_constants,
)
from aisci.core.template import Knob, Template
from aisci.errors import AisciError


def set_constant(source: str, constant: str, value: Any) -> str:
    """``source`` with the top-level ``CONSTANT = ...`` line's value replaced by ``value``."""
    try:
        return set_constants(source, {constant: value})
    except AisciError as e:
        raise AisciError(
            e.message, f"Keep the knob as a single line `{constant} = <literal>` (see knobs.json)."
        ) from None


def set_knob(source: str, knob: Knob, value: Any) -> str:
    """``source`` with the knob set to ``value``: its constant, its argparse option's default,
    or the literal at its position."""
    if knob.kind in SITE_KINDS:
        return set_site(
            source, knob.kind, knob.target, knob.function, knob.line, knob.column, value
        )
    if knob.kind == "argument":
        return set_argument_default(source, knob.constant, value)
    return set_constant(source, knob.constant, value)


def format_value(value: Any) -> str:
    return repr(value)


def replace_labels(source: str, labels: dict[str, str]) -> str:
    """plot.py with its top-level ``labels = {...}`` assignment replaced by ``labels``."""
    tree = ast.parse(source)
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id == "labels"
        ):
            lines = source.splitlines(keepends=True)
            body = "".join(f"    {k!r}: {v!r},\n" for k, v in labels.items())
            new = f"labels = {{\n{body}}}\n"
            return "".join(lines[: node.lineno - 1]) + new + "".join(lines[node.end_lineno :])
    raise AisciError(
        "plot.py has no top-level `labels = {...}` assignment to edit.",
        "Give plot.py a labels dict (folder -> legend label), as the template contract asks.",
    )


def knob_values(template: Template, source: str) -> dict[str, Any]:
    """{constant: value} of the template's knobs as ``source`` sets them."""
    found = {
        **{k: v.value for k, v in top_level_constants(source).items()},
        **{k: v.value for k, v in argument_defaults(source).items()},
    }
    values = {}
    for k in template.knobs:
        if k.kind in SITE_KINDS:
            site = find_site(source, k.kind, k.target, k.function, k.line, k.column, strict=False)
            if site is not None:
                values[k.constant] = site.value
        elif k.constant in found:
            values[k.constant] = found[k.constant]
    return values
