"""Stage 4 as a tree search over variants of experiment.py, and its record ``tree.json``.

One job per module, in the order the stage uses them (``stage.py``'s docstring states the rule):

- ``stage.py``: the stage, ``run_search``: puts the others in order and finishes;
- ``record.py``: starts or resumes ``tree.json`` (settings, metric, root) and reads it back;
- ``expand.py``: the next expansion by the best-first rule, and the scientist's child;
- ``loop.py``: runs nodes up to ``--parallel`` at once and records their results;
- ``runs.py``: one node run in its own work folder;
- ``seeds.py``: the best node confirmed over ``--seeds`` seeds;
- ``tree.py``: the record's values (``Node``, ``Tree``), its locked reads and writes, the
  root node (built once, by ``root_node``, for a tree search and a linear chain alike), a
  person's steering, and the linear loop's chain;
- ``figure.py``: ``search_tree.png``, drawn from the record alone (matplotlib).

The package exports the record, which the language server, the scientists and the paper read.
It does not export ``run_search``: ``core.experiments`` writes the linear loop's chain into the
same record, and the stage builds on ``core.experiments``, so importing the stage here would
make every reader of the record load the stage, and ``core.experiments`` import itself through
this package. The cycle imports the stage from ``aisci.core.search.stage``.
"""

from aisci.core.search.tree import Node, Tree, diff_summary, load_tree, save_tree, steer

__all__ = ["Node", "Tree", "diff_summary", "load_tree", "save_tree", "steer"]
