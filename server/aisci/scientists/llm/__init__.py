"""The LLM scientist (a model decides; see scientist.py). One module per stage: ideas.py,
novelty.py; session.py builds the model client, prompts.py loads the prompt files."""

from .scientist import LLMScientist

__all__ = ["LLMScientist"]
