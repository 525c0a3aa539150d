"""Style lint of a paper with ChkTeX, as Diagnostics (source "chktex").

``run_chktex(tex)`` runs ``chktex -q -v0 -f <format>`` on the file, bounded in time, and never
raises: without chktex, or when it times out, it logs why and returns what it has (nothing).
ChkTeX's own kinds map to severities: Error and Warning -> "warning" (style advice never
blocks a build), Message -> "info". ChkTeX's per-line ``% chktex N`` suppressions still work.

ChkTeX follows ``\\input``, so it runs inside the TeX boundary (execution/tex_boundary.py) like
the build, with the paper's folder read-only; ``sandbox`` is the runs' setting. When that
boundary cannot start, the lint is skipped (logged), as without chktex.

``SILENCED``: the checks that fired on every paper the skeleton produces, measured by running
ChkTeX 1.7.8 on the skeleton and on a filled-in paper of the kind the writer drafts. They are
typographic niceties the fix loop should not spend model calls on.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path

from aisci.core.diagnostics import Diagnostic, sort_key
from aisci.errors import ConfigError
from aisci.execution.tex_boundary import tex_box

log = logging.getLogger(__name__)

SILENCED: dict[int, str] = {
    1: "Command terminated with space: every argument-less macro at a line end (\\aiscidisclosure, \\centering)",
    3: "Enclose the previous parenthesis with {}: fires on ordinary math such as (x_i - y)^2",
    8: "Wrong length of dash: number ranges and compound words written with '-'",
    12: "Interword spacing should perhaps be used: every 'et al.' and 'e.g.'",
    13: "Intersentence spacing should perhaps be used: every abbreviation ending a word",
    24: "Delete this space to maintain correct page references: the skeleton's \\label on the line after \\section",
    36: "Space in front of parenthesis: 'model(s)', 'f(x)' in text",
}
_SEP = "\x1f"  # a unit separator: never part of a file name or a message
_FORMAT = _SEP.join(("%f", "%l", "%c", "%k", "%n", "%m")) + "\n"
_SEVERITY = {"error": "warning", "warning": "warning", "message": "info"}


def chktex_available() -> bool:
    return shutil.which("chktex") is not None


def parse_chktex(output: str, *, file: str | None = None) -> tuple[Diagnostic, ...]:
    """Parse output written with ``_FORMAT``; ``file`` overrides the reported file name."""
    out = []
    for line in output.splitlines():
        parts = line.split(_SEP)
        if len(parts) != 6:
            continue
        name, lineno, column, kind, number, message = parts
        try:
            ln, col = int(lineno), int(column)
        except ValueError:
            continue
        out.append(
            Diagnostic(
                file or name,
                ln or None,
                _SEVERITY.get(kind.strip().lower(), "warning"),
                f"{message.strip()} (chktex {number.strip()})",
                "chktex",
                col or None,
            )
        )
    return tuple(sorted(out, key=sort_key))


def run_chktex(
    tex: Path, *, timeout_s: float = 20.0, silence=tuple(SILENCED), sandbox: str = "auto"
) -> tuple[Diagnostic, ...]:
    tex = Path(tex).absolute()
    exe = shutil.which("chktex")
    if exe is None:
        log.warning("chktex is not installed: style checks skipped (apt-get install chktex)")
        return ()
    cmd = ["chktex", "-q", "-v0", "-f", _FORMAT, *(f"-n{n}" for n in silence), tex.name]
    try:
        with tex_box(tex.parent, sandbox, writable=False) as box:
            # chktex exits 2 when it found warnings; only its output matters. A timeout kills
            # bwrap, and its sandbox with it.
            done = subprocess.run(
                box.command(cmd if box.sandbox == "bwrap" else [exe, *cmd[1:]]),
                cwd=tex.parent,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                errors="replace",
                timeout=timeout_s,
                env=box.env,
                pass_fds=box.pass_fds,
            )
    except ConfigError as e:
        log.warning("style checks skipped: %s", e)
        return ()
    except subprocess.TimeoutExpired:
        log.warning(
            "chktex did not finish on %s within %.0f s: style checks skipped", tex.name, timeout_s
        )
        return ()
    if done.returncode not in (0, 1, 2):
        log.warning(
            "chktex failed on %s (exit %s): %s",
            tex.name,
            done.returncode,
            done.stderr.strip()[-500:],
        )
    return parse_chktex(done.stdout)
