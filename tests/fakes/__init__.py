"""Fake remote ends for tests: servers on 127.0.0.1 that answer in the real services' shapes.

The client code under test runs unchanged against them (only its base URL differs).
"""

from .openai_server import Answer, Error, FakeOpenAI, RecordedRequest

__all__ = ["Answer", "Error", "FakeOpenAI", "RecordedRequest"]
