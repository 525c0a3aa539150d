"""What aider tells the model for the "diff" edit format (SEARCH/REPLACE blocks), in our words.

aider's own prompts for that format are ~1,200 tokens a call: a general system prompt, the
block rules, two worked examples in extra messages, the platform and today's date (which
changes the cached prefix from one day to the next). An aisci edit is one request about one or
two files, so ``LeanEditPrompts`` says the same rules once, with one small example in the
system prompt, ~330 tokens, and nothing that changes from day to day. aider formats the texts
with ``str.format`` (``{fence[0]}`` is its code fence), so literal braces are doubled. The
other edit formats keep aider's prompts.
"""

from __future__ import annotations

from typing import Any

_SYSTEM = """You change code files as the user asks. Make the requested change completely, keep \
the code's style and conventions, and change nothing the request does not ask for. Begin with \
one or two sentences on what you will change, then give every change as a SEARCH/REPLACE \
block; code outside such blocks is not applied.

A SEARCH/REPLACE block is:
1. the file's path as the user showed it, alone on its line;
2. an opening fence: {fence[0]}python
3. <<<<<<< SEARCH
4. lines copied from the file exactly as they are now, comments and whitespace included;
5. =======
6. the lines that take their place;
7. >>>>>>> REPLACE
8. a closing fence: {fence[1]}

Only the first place that the SEARCH lines match is replaced, so give enough lines to match one \
place, and otherwise as few as that: the lines that change and, where needed, one or two \
around them. Changes in several places take several blocks. To move code, delete it with one \
block and insert it with another. An empty SEARCH part creates a new file with the REPLACE \
part as its content. Edit only the files the user has shown in the chat.

For example, to give up after 5 tries instead of 3 in app.py:

app.py
{fence[0]}python
<<<<<<< SEARCH
MAX_TRIES = 3
=======
MAX_TRIES = 5
>>>>>>> REPLACE
{fence[1]}
{quad_backtick_reminder}"""


def lean_prompts(prompts: Any) -> Any:
    """aider's prompts object for the "diff" format (``prompts``) with our texts: the system
    prompt above (no reminder, no example messages, no platform or date), and short words
    around the files."""
    lean = type("LeanEditPrompts", (type(prompts),), {})()
    lean.main_system = _SYSTEM
    lean.system_reminder = ""
    lean.example_messages = []
    lean.files_content_prefix = "The files to edit, as they are now:\n"
    lean.files_content_assistant_reply = "Ok."
    return lean
