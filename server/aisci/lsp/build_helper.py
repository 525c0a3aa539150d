"""``python -m aisci.lsp.build_helper LATEX_DIR [MAIN]``: one preview build in its own process.

The preview runs ``aisci.paper.build.compile_paper`` here rather than in a server thread so a
newer build can stop an older one: SIGTERM ends this process, and compile_paper's cleanup
stops latexmk's process group on the way out. Two JSON lines go to stdout (a pipe to the
server, never the protocol): first the ``BuildResult`` (so the preview refreshes as soon as the
PDF exists), then ``{"checks": [...]}``, the diagnostics of the cheap source checks and chktex,
which stay off the PDF's critical path.
"""

from __future__ import annotations

import json
import logging
import signal
import sys
from dataclasses import asdict
from pathlib import Path


def _emit(message: dict) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    from aisci.errors import AisciError
    from aisci.paper.build import compile_paper

    latex_dir, main_tex = Path(argv[0]), argv[1] if len(argv) > 1 else "template.tex"
    try:
        result = compile_paper(latex_dir, main=main_tex)
    except AisciError as e:
        _emit({"ok": False, "error": str(e)})
        return 0
    diagnostics = list(result.diagnostics)
    _emit({"ok": result.ok, "pdf": str(result.pdf) if result.pdf else None,
           "diagnostics": [asdict(d) for d in diagnostics], "durationS": round(result.duration_s, 3),
           "log": str(result.log_path) if result.log_path else None, "timedOut": result.timed_out})
    tex = latex_dir / main_tex
    # The cheap source checks (a \cite key with no entry, a missing figure) and the style lint.
    from aisci.paper.chktex import run_chktex
    from aisci.paper.prechecks import run_prechecks

    checks: list = []
    for check in (run_prechecks, run_chktex):
        try:
            checks += [d for d in check(tex) if d not in diagnostics and d not in checks]
        except (AisciError, OSError, ValueError):
            logging.getLogger(__name__).warning("%s failed on %s", check.__name__, tex, exc_info=True)
    _emit({"checks": [asdict(d) for d in checks]})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
