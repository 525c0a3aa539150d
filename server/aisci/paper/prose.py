"""How every paper aisci writes prints a measured number in LaTeX.

``fmt`` gives four significant digits, never in exponent form, so the consistency check
(consistency.py) can trace each printed number back to a run. The sweep scientist's reports,
the search paragraph and the LLM scientist's results table all print through it; names (a
metric, a dataset, a constant) go through ``aisci.tex_quote.tex_tt``.
"""

from __future__ import annotations

import math


def fmt(value: float) -> str:
    """Four significant digits, never in exponent form (LaTeX prose has no 1e-05)."""
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else str(value)
    if float(value).is_integer() and abs(value) < 1e7:
        return str(int(value))  # a step count is 300, not 300.0
    decimals = max(0, 3 - math.floor(math.log10(abs(value))))
    return f"{value:.{decimals}f}"
