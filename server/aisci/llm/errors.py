"""Errors of the LLM client, all ``AisciError``s: shown to the user as they are.

Configuration problems (missing key, unknown model string) are ``aisci.errors.ConfigError``;
everything that goes wrong with a call is an ``LLMError``.
"""

from __future__ import annotations

from aisci.errors import AisciError, ConfigError

__all__ = [
    "BudgetExceeded",
    "Cancelled",
    "ConfigError",
    "LLMAuthError",
    "LLMError",
    "LLMFormatError",
    "LLMRequestError",
    "LLMUnavailableError",
    "ReplayMissError",
]


class LLMError(AisciError):
    """A model call that failed."""


class LLMAuthError(LLMError):
    """The provider refused the key (401/403). Never retried."""


class LLMUnavailableError(LLMError):
    """Rate limits, server errors, timeouts or connection errors outlasted the retry policy."""


class LLMRequestError(LLMError):
    """The provider rejected the request itself (400, 404, context too long): not retried."""

    def __init__(self, message: str, hint: str | None = None, status: int | None = None):
        super().__init__(message, hint)
        self.status = status


class LLMFormatError(LLMError):
    """The model's answers stayed unusable (no JSON, invalid JSON, schema violation)."""


class BudgetExceeded(AisciError):
    """The next call would pass the cost cap; it was not made."""

    stops_launch = True


class ReplayMissError(AisciError):
    """Replay mode met a request that the cassette does not hold."""


class Cancelled(AisciError):
    """The caller's cancel event was set; no further call or retry is made."""
