"""The sweep scientist: the whole cycle without a model (see scientist.py).

One module per job: scientist.py (the decisions, stage by stage), edits.py (its edits of a
knob in experiment.py and of plot.py's labels), tree.py (its decisions on the search tree),
report.py and tree_report.py (its paper, written from the measured numbers), checklist.py (its
review: checks a program can verify, no judgement).
"""

from .scientist import SweepScientist

__all__ = ["SweepScientist"]
