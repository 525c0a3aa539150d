"""aisci: an AI Scientist that lives in the researcher's editor."""

from aisci.versions import __version__

__all__ = ["__version__"]
