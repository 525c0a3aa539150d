"""Code editing inside an idea folder, by aider used as a library.

``AiderCoder.propose`` asks the model for an edit and returns it (``ProposedEdit``) without
touching the disk; ``AiderCoder.apply`` writes it (``AppliedEdit``); ``to_proposals`` turns a
proposed edit into reviewable ``Proposal`` values. Importing this package is cheap: aider and
litellm load on the first edit.
"""

from .aider_coder import EDIT_FORMATS, AiderCoder, warm_up
from .edits import (
    AppliedEdit,
    EditFailed,
    EditRefused,
    ProposedEdit,
    Usage,
    to_proposals,
)

__all__ = [
    "EDIT_FORMATS",
    "AiderCoder",
    "AppliedEdit",
    "EditFailed",
    "EditRefused",
    "ProposedEdit",
    "Usage",
    "to_proposals",
    "warm_up",
]
