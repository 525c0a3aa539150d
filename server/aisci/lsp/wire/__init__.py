"""Every message the language server sends the client, each shape declared once, as a type.

Contract: the answers of the quick commands (``answers.py``, ``ANSWERS``), the results of the
long commands (``results.py``, ``RESULTS``) and the ``aisci/*`` notifications (``notes.py``,
``NOTIFICATIONS``) are frozen dataclasses, read here as ``wire.<Type>``. Their senders build
them and nothing else: commands.execute turns a quick command's answer into JSON with
``to_wire`` (``base.py``), a long command's plan does the same with its result (lsp/stages.py),
and ``Bridge.send`` (lsp/jobs.py) sends a notification under the method of its type. ``schema``
derives each type's JSON schema from the same annotations: tests/lsp/conftest.py validates
every answer, result and notification the LSP tests receive against it, and
tests/lsp/test_wire.py checks the extension's interfaces against it (vscode-extension/src/protocol/,
one module per module here, re-exported by src/protocol.ts).
This package imports nothing of aisci outside it.
"""

from __future__ import annotations

from aisci.lsp.wire.answers import *  # noqa: F403 (the shapes are read as wire.<Type>)
from aisci.lsp.wire.base import OMIT as OMIT
from aisci.lsp.wire.base import Json as Json
from aisci.lsp.wire.base import Means as Means
from aisci.lsp.wire.base import Omit as Omit
from aisci.lsp.wire.base import camel as camel
from aisci.lsp.wire.base import schema as schema
from aisci.lsp.wire.base import to_wire as to_wire
from aisci.lsp.wire.notes import *  # noqa: F403
from aisci.lsp.wire.results import *  # noqa: F403
