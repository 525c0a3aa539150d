"""The one error hierarchy aisci shows to people.

Every failure a user can cause or meet is an ``AisciError`` whose ``message`` says what failed
and why, and whose ``hint`` says what to do. Front ends print ``str(error)`` as it is; no
traceback unless the user asked for one (``--debug``).
"""

from __future__ import annotations


class AisciError(Exception):
    """A failure with a message meant for the user: "what failed: why. What to do."."""

    # True for failures that end a whole launch rather than one idea (a spent budget: every
    # other idea would meet the same wall at its next model call).
    stops_launch = False

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}" if self.hint else self.message


class TemplateError(AisciError):
    """A template folder that cannot be used as it is."""


class ExperimentError(AisciError):
    """An experiment run that failed, hung, or wrote no usable results."""


class StateError(AisciError):
    """An idea folder whose state file cannot be read or written."""


class ConfigError(AisciError):
    """A setting, flag or environment that makes the requested work impossible."""
