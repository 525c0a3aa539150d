"""aisci: an AI Scientist that lives in the researcher's editor."""

__version__ = "0.1.0"
