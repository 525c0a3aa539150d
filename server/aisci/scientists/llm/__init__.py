"""The LLM scientist (a model decides; see scientist.py). One module per job:

- the cycle's decisions, stage by stage: ideas.py, novelty.py, runs.py (the next run),
  fixes.py (a failed run's fix), plots.py (plot.py's edits), notes.py (notes on runs and
  figures), search.py (the tree search, the metric, figures read by a vision model),
  drafting.py and refinement.py (the sections), citations.py, paper_fixes.py (the build's
  diagnostics), reviewing.py, improvement.py (the revision after the review);
- what they share: session.py (the model client, its cost), prompts.py (the prompt files),
  material.py and paper_material.py (what the prompts show), code_edits.py (aider's edits),
  latex_answers.py and latex_check.py (LaTeX asked for, checked, re-asked).
"""

from .scientist import LLMScientist

__all__ = ["LLMScientist"]
