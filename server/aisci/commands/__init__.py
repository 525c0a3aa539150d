"""What each ``aisci`` command does, once its flags are parsed (see cli/).

``cmd_<command>(args) -> exit status`` for each command of cli/parser.py, one module per group:
template.py (``template check|knobs|new``), shipped.py (``template list|copy``, ``data``),
cycle.py (``baseline``, ``launch``, ``ideas``, ``novelty``), paper.py (``writeup``, ``check``,
``reproduce``, ``review``), tools.py (``doctor``); what they start from is in context.py (the
Context, the executor, the lock) and targets.py (the template, the scientist, the idea folder). ``aisci lsp``
is not here: cli/ starts lsp/main.py without loading this package and its stages.
"""

from aisci.commands.context import make_context, open_executor
from aisci.commands.cycle import cmd_baseline, cmd_ideas, cmd_launch, cmd_novelty
from aisci.commands.paper import cmd_check, cmd_reproduce, cmd_review, cmd_writeup
from aisci.commands.shipped import cmd_data
from aisci.commands.targets import resolve_template
from aisci.commands.template import cmd_template
from aisci.commands.tools import cmd_doctor

__all__ = [
    "cmd_baseline",
    "cmd_check",
    "cmd_data",
    "cmd_doctor",
    "cmd_ideas",
    "cmd_launch",
    "cmd_novelty",
    "cmd_reproduce",
    "cmd_review",
    "cmd_template",
    "cmd_writeup",
    "make_context",
    "open_executor",
    "resolve_template",
]
