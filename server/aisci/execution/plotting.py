"""Running ``python plot.py`` in a folder, and taking back the figures it wrote.

In the sandbox, plot.py sees the folder read-only except for a fresh, empty folder mounted at
the folder's own path, with every entry of the folder bound read-only inside it but the
figures (so it can write new ones and rewrite old ones, and nothing else). Afterwards aisci
copies back only regular image files, through ``safefs``: a link plot.py left in place of a
figure is refused and named, never followed. Without a sandbox, plot.py writes in the folder
itself and the figures are the image files it wrote or rewrote (links refused the same way).

What is taken, either way (plot.py is model-written, and the paper includes its figures):
- a file whose first bytes are not the image its extension names (PNG, PDF, JPEG, SVG) is
  left out and recorded in ``refused`` ("x.png (not a PNG image)"), as is one over
  ``FIGURE_LIMIT``; neither fails the plots;
- a name outside ``tex_quote``'s safe set (``[A-Za-z0-9_.-]``, no leading dot, no ``..``, at
  most 100 characters) is renamed (unsafe characters to ``_``, the extension lower-cased,
  ``_2``, ``_3``... on a collision) and the pair (original, new) recorded in ``renamed``: the
  name reaches ``\\includegraphics{}``, where TeX would read it as commands.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from aisci.errors import AisciError
from aisci.execution import safefs
from aisci.execution import sandbox as sandboxes
from aisci.execution.runner import ScriptOutcome, run_script, tail
from aisci.tex_quote import SAFE_NAME_MAX, is_safe_file_name

FIGURE_KINDS = {".png": "PNG", ".pdf": "PDF", ".jpg": "JPEG", ".jpeg": "JPEG", ".svg": "SVG"}
FIGURE_EXTENSIONS = tuple(FIGURE_KINDS)
FIGURE_LIMIT = 50 << 20
SNIFF_BYTES = 4096  # enough for a BOM, an XML declaration and a comment before <svg
LOG_DIR = Path("logs") / "plot"


@dataclass(frozen=True)
class PlotRun:
    outcome: ScriptOutcome
    figures: tuple[str, ...]  # PNG figures now in the folder that this run wrote
    refused: tuple[str, ...]  # what plot.py left that aisci would not take, and why
    stderr_tail: str
    renamed: tuple[tuple[str, str], ...] = ()  # (name plot.py gave, name in the folder)


def _is_figure(name: str) -> bool:
    return name.lower().endswith(FIGURE_EXTENSIONS)


def shown(name: str) -> str:
    """A file name as a record shows it: undecodable bytes and control characters escaped."""
    text = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return re.sub(r"[\x00-\x1f\x7f-\x9f]", lambda m: f"\\x{ord(m.group(0)):02x}", text)


def _is_svg(head: bytes) -> bool:
    """SVG text: after a BOM, whitespace, an XML declaration, comments and a DOCTYPE, an <svg
    element, all within the first bytes."""
    text = head.decode("utf-8", errors="replace").removeprefix("\ufeff")
    while True:
        text = text.lstrip()
        for start, end in (("<?xml", "?>"), ("<!--", "-->"), ("<!DOCTYPE", ">")):
            if text.startswith(start):
                cut = text.find(end, len(start))
                if cut < 0:
                    return False
                text = text[cut + len(end) :]
                break
        else:
            return re.match(r"<svg[\s>/]", text) is not None


def _is_image(kind: str, head: bytes) -> bool:
    if kind == "SVG":
        return _is_svg(head)
    magic = {"PNG": b"\x89PNG\r\n\x1a\n", "PDF": b"%PDF-", "JPEG": b"\xff\xd8\xff"}[kind]
    return head.startswith(magic)


def safe_figure_name(name: str, taken: set[str]) -> str:
    """``name`` reduced to the safe set, unlike every name in ``taken``."""
    stem, _, ext = name.rpartition(".")
    ext = ext.lower()
    # Dots in the stem go too: no leading dot, no "..", one extension TeX reads as such.
    stem = re.sub(r"[^A-Za-z0-9_-]", "_", stem) or "figure"
    stem = stem[: SAFE_NAME_MAX - len(ext) - 8]  # room for ".ext" and a "_NNN" on a collision
    candidate, n = f"{stem}.{ext}", 2
    while candidate in taken:
        candidate, n = f"{stem}_{n}.{ext}", n + 1
    return candidate


def _figures_in(folder: Path, refused: list[str]) -> list[tuple[str, Path]]:
    """The image files plot.py left in ``folder`` as (name, path); anything else named like a
    figure (a link, a device) goes to ``refused`` with what it is."""
    found = []
    for name, what in safefs.list_dir(folder):
        if not _is_figure(name):
            continue
        if what == "file":
            found.append((name, folder / name))
        else:
            refused.append(
                f"{shown(name)} ({'a symbolic link' if what == 'link' else 'not a regular file'})"
            )
    return found


def _check(name: str, path: Path, root: Path, refused: list[str]) -> bool:
    """Whether the file plot.py wrote is the image its name says and small enough to take."""
    kind = FIGURE_KINDS[os.path.splitext(name)[1].lower()]
    try:
        head = safefs.read_bytes(path, root=root, limit=SNIFF_BYTES)
        # The run has ended, so the size read here is the size the copy will find (the copy
        # is capped again all the same).
        big = os.lstat(path).st_size > FIGURE_LIMIT
    except (OSError, AisciError) as e:
        refused.append(f"{shown(name)} ({getattr(e, 'message', None) or e})")
        return False
    if not _is_image(kind, head):
        refused.append(f"{shown(name)} (not a {kind} image)")
        return False
    if big:
        refused.append(f"{shown(name)} (larger than the {FIGURE_LIMIT >> 20} MB limit on a figure)")
        return False
    return True


def _taken_names(
    found: list[tuple[str, Path]], root: Path, refused: list[str]
) -> list[tuple[str, Path, str]]:
    """(name, path, name to give it) of each figure worth taking, renamed where unsafe."""
    good = [(name, path) for name, path in found if _check(name, path, root, refused)]
    taken = {name for name, _ in good if is_safe_file_name(name)}
    out = []
    for name, path in good:
        target = name if is_safe_file_name(name) else safe_figure_name(name, taken)
        taken.add(target)
        out.append((name, path, target))
    return out


def run_plot(
    folder: Path,
    *,
    timeout_s: float,
    sandbox: str = "auto",
    cancel: threading.Event | None = None,
    python: str | None = None,
) -> PlotRun:
    folder = Path(folder).resolve()
    used = sandboxes.resolve(sandbox)
    command = [python or sys.executable, "plot.py"]
    refused: list[str] = []
    renamed: list[tuple[str, str]] = []
    written: list[str] = []
    if used == "none":
        started = time.time()
        outcome = run_script(
            folder,
            command,
            log_dir=folder / LOG_DIR,
            timeout_s=timeout_s,
            sandbox=used,
            cancel=cancel,
        )
        fresh = [
            (name, path)
            for name, path in _figures_in(folder, refused)
            if os.lstat(path).st_mtime >= started - 1
        ]
        for name, path, target in _taken_names(fresh, folder, refused):
            if target != name:
                try:
                    safefs.copy_file(
                        path, folder / target, src_root=folder, dst_root=folder, limit=FIGURE_LIMIT
                    )
                except AisciError as e:
                    refused.append(f"{shown(name)} ({e.message})")
                    continue
                safefs.remove(path, root=folder)
                renamed.append((shown(name), target))
            written.append(target)
    else:
        # Outside the results folder: nothing that lists idea folders, or watches them, sees it.
        out = Path(tempfile.mkdtemp(prefix=f"aisci-plot-{folder.name}-"))
        try:
            sandboxes.writable_by_run(out)
            # Figures stay out so plot.py can write them anew; links stay out so bwrap never follows one.
            hidden = tuple(
                name for name, what in safefs.list_dir(folder) if _is_figure(name) or what == "link"
            )
            outcome = run_script(
                folder,
                command,
                log_dir=folder / LOG_DIR,
                timeout_s=timeout_s,
                sandbox=used,
                cancel=cancel,
                mount_over=out,
                hide_in_workdir=hidden,
            )
            for name, path, target in _taken_names(_figures_in(out, refused), out, refused):
                try:
                    # The cap is the copy's own: a file over it is refused, never the baseline.
                    safefs.copy_file(
                        path, folder / target, src_root=out, dst_root=folder, limit=FIGURE_LIMIT
                    )
                except AisciError as e:
                    refused.append(f"{shown(name)} ({e.message})")
                    continue
                if target != name:
                    renamed.append((shown(name), target))
                written.append(target)
        finally:
            safefs.remove(out)
    figures = tuple(sorted(n for n in written if n.lower().endswith(".png")))
    return PlotRun(
        outcome,
        figures,
        tuple(refused),
        tail(folder / LOG_DIR / "stderr.log", root=folder),
        tuple(renamed),
    )
