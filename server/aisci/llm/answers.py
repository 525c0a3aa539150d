"""Structured answers: find the JSON in a model's text and check it against a JSON schema.

Weaker models wrap JSON in prose, fences or "thinking" blocks. ``parse_answer`` tries, in
order: the whole text, each fenced block (```json ... ``` or ``` ... ```), then every balanced
``{...}``/``[...]`` span in the prose; the first candidate that parses *and* validates wins.
When none does, ``AnswerProblem`` says why in one sentence that is fit to send back to the
model as a re-ask. Verdicts are never read from free text: no JSON, no answer.
"""

from __future__ import annotations

import json
import re
from typing import Any

_THINK = re.compile(r"<think(?:ing)?>.*?</think(?:ing)?>", re.DOTALL | re.IGNORECASE)
_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_-]*)[ \t]*\n(.*?)```", re.DOTALL)
_MAX_CANDIDATES = 20  # bound the work on a long answer full of brackets
_MAX_SCAN_STEPS = 500_000  # characters looked at while matching brackets, in all


class AnswerProblem(ValueError):
    """Why an answer could not be used, phrased for the model (and the user)."""


def candidates(text: str) -> list[str]:
    """JSON-looking substrings of ``text``, most likely first."""
    text = _THINK.sub("", text).strip()
    found: list[str] = []
    if text[:1] in "{[":
        found.append(text)
    fences = sorted(_FENCE.findall(text), key=lambda m: m[0].lower() != "json")
    found.extend(body.strip() for _, body in fences)
    found.extend(_balanced_spans(text))
    unique: list[str] = []
    for c in found:
        if c and c not in unique:
            unique.append(c)
    return unique[:_MAX_CANDIDATES]


def _balanced_spans(text: str) -> list[str]:
    """Every top-level balanced {...} or [...] span, scanning strings correctly."""
    spans: list[str] = []
    i, n = 0, len(text)
    budget = [_MAX_SCAN_STEPS]  # unclosed openers would make the scan quadratic
    while i < n and len(spans) < _MAX_CANDIDATES and budget[0] > 0:
        if text[i] not in "{[":
            i += 1
            continue
        end = _match(text, i, budget)
        if end is None:
            i += 1
            continue
        spans.append(text[i : end + 1])
        i = end + 1 if _parses(text[i : end + 1]) else i + 1
    return spans


def _match(text: str, start: int, budget: list[int]) -> int | None:
    closer = {"{": "}", "[": "]"}
    stack, in_str, escaped = [], False, False
    for j in range(start, len(text)):
        budget[0] -= 1
        if budget[0] <= 0:
            return None
        ch = text[j]
        if in_str:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in closer:
            stack.append(closer[ch])
        elif ch in "}]":
            if not stack or stack.pop() != ch:
                return None
            if not stack:
                return j
    return None


def _parses(s: str) -> bool:
    try:
        json.loads(s)
        return True
    except ValueError:
        return False


def validation_error(value: Any, schema: dict) -> str | None:
    """The most relevant schema violation as ``at <path>: <message>``, or None if valid."""
    # deferred: jsonschema (litellm's dependency) takes ~55 ms to import; only a checked answer
    # needs it
    import jsonschema

    validator_cls = jsonschema.validators.validator_for(schema)
    errors = list(validator_cls(schema).iter_errors(value))
    if not errors:
        return None
    best = jsonschema.exceptions.best_match(errors)
    path = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in best.absolute_path)
    return f"at {path}: {best.message}"


def parse_answer(text: str | None, schema: dict) -> Any:
    """The first JSON value in ``text`` that satisfies ``schema``; else ``AnswerProblem``."""
    if text is None or not text.strip():
        raise AnswerProblem("the answer was empty; a JSON value was expected")
    first_problem: str | None = None
    for cand in candidates(text):
        try:
            value = json.loads(cand)
        except ValueError as exc:
            first_problem = first_problem or f"the JSON is invalid ({exc})"
            continue
        problem = validation_error(value, schema)
        if problem is None:
            return value
        first_problem = (
            f"the JSON does not match the schema {problem}"
            if first_problem is None or first_problem.startswith("the JSON is invalid")
            else first_problem
        )
    raise AnswerProblem(first_problem or "the answer contains no JSON value")


def reask(problem: str, schema: dict) -> str:
    """The follow-up message that asks again for an answer that could not be used."""
    return (
        f"Your answer could not be used: {problem}. Reply again with only the JSON value, "
        f"matching this JSON schema: {json.dumps(schema, separators=(',', ':'))}"
    )
