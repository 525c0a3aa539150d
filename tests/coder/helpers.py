"""Texts and answer builders shared by the aider tests."""

from __future__ import annotations

FAKE_MODEL = "openai/fake-model"
FAKE_KEY = "sk-fake"

EXPERIMENT = '''"""A tiny experiment."""
import argparse

LEARNING_RATE = 0.1  # step size
EPOCHS = 3


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out_dir", default="run_0")
    args = parser.parse_args()
    print(args.out_dir, LEARNING_RATE, EPOCHS)


if __name__ == "__main__":
    main()
'''

PLOT = """labels = {"run_0": "Baseline"}
"""

TEX = r"""\documentclass{article}
\title{TITLE HERE}
\begin{document}
\maketitle
\end{document}
"""


def search_replace(file: str, search: str, replace: str, prose: str = "Here is the change.") -> str:
    """An answer in aider's SEARCH/REPLACE format (aider/coders/editblock_coder.py)."""
    return (
        f"{prose}\n\n{file}\n```python\n<<<<<<< SEARCH\n{search}=======\n{replace}"
        ">>>>>>> REPLACE\n```\n"
    )


def whole_file(file: str, text: str, prose: str = "Here is the whole file.") -> str:
    """An answer in aider's whole-file format (aider/coders/wholefile_coder.py)."""
    return f"{prose}\n\n{file}\n```python\n{text}```\n"


def last_user_message(request) -> str:
    return [m for m in request.body["messages"] if m["role"] == "user"][-1]["content"]
