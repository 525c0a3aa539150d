"""Model answers for the scientist tests, as a model would write them (JSON, sometimes not)."""

from __future__ import annotations

import json


def idea(name: str = "warmup_length", title: str | None = None, **extra) -> dict:
    return {
        "Thought": "Cheap and telling.",
        "Name": name,
        "Title": title or f"How {name.replace('_', ' ')} shapes the fit",
        "Experiment": f"Change {name} in experiment.py, run three values, compare val_loss.",
        "Interestingness": 6,
        "Feasibility": 8,
        "Novelty": 5,
        **extra,
    }


def idea_text(name: str = "warmup_length", title: str | None = None, **extra) -> str:
    return json.dumps(idea(name, title, **extra))


def decision(
    kind: str, query: str | None = None, reason: str = "See the papers.", closest=()
) -> str:
    return json.dumps(
        {"decision": kind, "query": query, "reason": reason, "closest": list(closest)}
    )


def user_text(request) -> str:
    """The user messages of a recorded chat request, joined."""
    return "\n".join(m["content"] for m in request.body["messages"] if m["role"] == "user")


def is_novelty_request(body: dict) -> bool:
    return any(str(m.get("content")).startswith("## Idea\n") for m in body.get("messages", []))
