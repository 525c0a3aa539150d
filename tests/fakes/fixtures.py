"""pytest fixtures for the fake remote ends; import them into a conftest.py.

from tests.fakes.fixtures import fake_openai  # noqa: F401
"""

from __future__ import annotations

import pytest

from .openai_server import FakeOpenAI


@pytest.fixture
def fake_openai():
    """A running FakeOpenAI with an empty script; closed after the test."""
    with FakeOpenAI() as fake:
        yield fake
