"""The model of the end-to-end test's topic step (topic.mjs): a scripted OpenAI-compatible server
on 127.0.0.1 (tests/fakes/openai_server.py) that answers every chat request with one draft of a
template (tests/topic/draft_answers.py), reporting the metric of the example topic that
"New Research from Topic…" writes (val_acc on two_moons, server/aisci/topic/example.md).

Contract: prints its base URL (``http://127.0.0.1:PORT/v1``) as its first line, then serves
until it is killed (SIGTERM). Reaches nothing outside 127.0.0.1; stdlib and the tests' fakes only.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]  # the repository: its tests/ package
sys.path.insert(0, str(ROOT))

from tests.fakes.openai_server import FakeOpenAI  # noqa: E402
from tests.topic import draft_answers  # noqa: E402


def example_topic_draft() -> str:
    """A draft whose final_info.json and plot report the example topic's metric and data set."""
    for name in ("EXPERIMENT", "PLOT"):
        text = getattr(draft_answers, name)
        setattr(
            draft_answers, name, text.replace('"toy"', '"two_moons"').replace('"err"', '"val_acc"')
        )
    return draft_answers.draft()


if __name__ == "__main__":
    with FakeOpenAI(default=example_topic_draft()) as fake:
        print(fake.base_url, flush=True)
        threading.Event().wait()
