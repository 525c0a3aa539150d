"""The boundary around TeX: what latexmk, pdflatex, BibTeX, ChkTeX and pdftotext can see and write.

A paper's .tex is written by a model that read untrusted text, so TeX is treated like a run's
code. ``tex_box(latex_dir, mode)`` yields a ``TexBox``: the command line (``box.command``),
the environment and the descriptors to hand to ``subprocess.Popen``, and what the build had
(``box.sandbox``, ``box.user``) for its record. ``pdf_box(mode)`` does the same for a PDF
tool, which reads the PDF from its standard input and sees no file of the project.

``bwrap`` (``auto`` resolves to it, and stops with sandbox.resolve's ConfigError when
bubblewrap cannot start; it never falls back): the namespaces of a run (sandbox.py's
``_namespace_args``: no network, own PID namespace, dies with aisci), the system read-only
(``/usr``, ``/etc``, ``/lib*``...) with TeX Live's trees (``/usr/share/texlive``,
``/var/lib/texmf`` with the formats and ls-R, ``/etc/texmf``), private ``/tmp`` (HOME is
there, so TEXMFVAR caches are private too), no ``/home``, ``/root`` or ``/run``. Of the project
only two things are visible: the paper's folder, writable (latexmk's products stay there for
the preview, SyncTeX and latexmk's own records) or read-only (``writable=False``: ChkTeX),
and the regular image files next to it in the idea folder, read-only, each bound through a
descriptor opened without following links. TeX runs as uid 65534 with rlimits set by the
runs' launcher (``launch.py``), never as uid 0, which could read /etc/shadow.

How uid 65534 writes the paper's folder: without root, bwrap's user namespace maps uid 65534
inside to the user outside, so files stay the user's. As root there is no such mapping (a
namespace would map to uid 0 outside), so the folder and its regular files are lent: chowned
to 65534 before TeX starts and, once the sandbox is gone (PID namespace: nothing of it
survives), every entry goes back to its owner and what TeX created goes to the folder's owner.
A folder left lent by a crash is given to the idea folder's owner on the next build. A file
with other hard links is never lent (its other names would be too). While a build runs, another
host process of uid 65534 could write the folder: the price of not running TeX as root.

TeX's own rules on top, in every mode: ``openin_any=p`` and ``openout_any=p`` (kpathsea reads
them from the environment) refuse absolute paths, ``..`` and dot files, and ``-no-shell-escape``
(build.py) stays. Because ``..`` is refused, the skeleton's ``\\graphicspath{{../}}`` no longer
finds figures; ``TEXINPUTS`` names the idea folder, so ``fig.png`` is found by name instead.

``none`` (only by name): TeX runs as today, as aisci's user with the host's view; only TeX's
paranoid rules and the figure search path apply.
"""

from __future__ import annotations

import functools
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from aisci.execution import sandbox as sb
from aisci.execution.boundary import Limits

# Image types pdflatex includes itself (eps needs shell escape, which is off).
FIGURE_SUFFIXES = (".png", ".pdf", ".jpg", ".jpeg", ".jbig2", ".jb2", ".mps")
MAX_FIGURES = 256  # descriptors handed to bwrap; an idea folder has a handful
# TeX is small: these stop a runaway macro from filling the disk or the memory.
TEX_LIMITS = Limits(processes=64, memory_mb=4096, file_size_mb=512)
# kpathsea configuration read from the environment; the print widths keep the log unwrapped.
PARANOID_ENV = {
    "openin_any": "p",
    "openout_any": "p",
    "max_print_line": "10000",
    "error_line": "254",
    "half_error_line": "238",
}
_TEX_TREE_VARS = ("TEXMFSYSVAR", "TEXMFSYSCONFIG", "TEXMFDIST", "TEXMFMAIN", "TEXMFLOCAL")
_DEFAULT_TEX_TREES = ("/var/lib/texmf", "/usr/share/texlive", "/usr/share/texmf", "/etc/texmf")
_IN_SANDBOX_PATH = "/usr/local/bin:/usr/bin:/bin"


@dataclass
class TexBox:
    """One prepared TeX command: hand ``env`` and ``pass_fds`` to Popen with ``command(argv)``."""

    sandbox: str  # "bwrap" or "none"
    user: str  # who TeX ran as, in words
    env: dict[str, str]
    pass_fds: tuple[int, ...] = ()
    _prefix: list[str] = field(default_factory=list)

    def command(self, argv: list[str]) -> list[str]:
        return [*self._prefix, *argv]


@functools.lru_cache(maxsize=1)
def tex_trees() -> tuple[str, ...]:
    """TeX Live's system trees (formats, ls-R, configuration) that lie outside /usr and /etc."""
    found = list(_DEFAULT_TEX_TREES)
    kpsewhich = shutil.which("kpsewhich")
    for var in _TEX_TREE_VARS if kpsewhich else ():
        try:
            done = subprocess.run(
                [str(kpsewhich), f"-var-value={var}"], capture_output=True, text=True, timeout=10
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        # A tree list may hold several entries ({a,b}, a:b); keep plain absolute folders.
        for part in (
            done.stdout.strip().replace("{", "").replace("}", "").replace(",", ":").split(":")
        ):
            part = part.lstrip("!")
            if part.startswith("/") and "$" not in part:
                found.append(part)
    system = tuple(d for d in (*sb._SYSTEM_DIRS, "/usr") if d != "/sys")
    return tuple(
        p
        for p in dict.fromkeys(os.path.normpath(p) for p in found)
        if os.path.isdir(p) and not any(p == d or p.startswith(d + "/") for d in system)
    )


def figure_dir(latex_dir: Path) -> Path:
    """Where a paper's figures live: the idea folder, next to latex/."""
    return Path(os.path.abspath(latex_dir)).parent


def tex_env(latex_dir: Path, base: dict[str, str]) -> dict[str, str]:
    """``base`` with TeX's paranoid rules and the figure search path: ``.``, the idea folder,
    then ``base``'s own TEXINPUTS, or TeX's defaults (an empty entry) when it has none."""
    return {
        **base,
        **PARANOID_ENV,
        "TEXINPUTS": f".:{figure_dir(latex_dir)}:{base.get('TEXINPUTS', '')}",
    }


def _open_figures(folder: Path, stack: ExitStack) -> list[tuple[int, str]]:
    """(descriptor, path) of each regular image file in ``folder``, opened without following a
    link: bwrap binds that very file, whatever the name points to by the time it starts."""
    try:
        dfd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return []
    stack.callback(os.close, dfd)
    found: list[tuple[int, str]] = []
    for name in sorted(os.listdir(dfd)):
        if not name.lower().endswith(FIGURE_SUFFIXES) or name.startswith("."):
            continue
        try:
            fd = os.open(name, os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dfd)
        except OSError:
            continue
        stack.callback(os.close, fd)
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            continue  # a link or a folder: not a figure aisci would include
        found.append((fd, str(folder / name)))
        if len(found) >= MAX_FIGURES:
            break
    return found


def _launcher_python() -> tuple[str, list[Path]]:
    """An interpreter for launch.py (standard library only) and the folders it needs bound:
    the system's Python when there is one, so no virtual environment enters the view."""
    for candidate in (os.path.realpath(sys.executable), "/usr/bin/python3"):
        if any(candidate.startswith(d + "/") for d in ("/usr", "/bin")) and os.access(
            candidate, os.X_OK
        ):
            return candidate, []
    return sys.executable, sb.python_paths(sys.executable)


def _view() -> tuple[list[str], set[str]]:
    """bwrap's options for what every TeX or PDF tool sees: the system, TeX Live, a private
    /tmp, the launcher; and the paths made so far (for ``sb._dirs_for``)."""
    _, python_dirs = _launcher_python()
    args, made = sb.base_view(TEX_LIMITS.memory_mb)
    for path in [*map(Path, tex_trees()), *python_dirs]:
        args += [*sb._dirs_for(path, made), "--ro-bind", str(path), str(path)]
        made.add(str(path))
    return args, made


def _behind_launcher(python_args: list[str]) -> list[str]:
    """The end of the bwrap command line: launch.py sets the limits and the uid, then execs."""
    python, _ = _launcher_python()
    return [*python_args, *sb.launcher_command([], python, limits=TEX_LIMITS, sandbox="bwrap")]


def _bwrap_prefix(latex_dir: Path, *, writable: bool, figures: list[tuple[int, str]]) -> list[str]:
    args, made = _view()
    args += sb._dirs_for(latex_dir, made)
    args += ["--bind" if writable else "--ro-bind", str(latex_dir), str(latex_dir)]
    for fd, dest in figures:
        args += ["--ro-bind-fd", str(fd), dest]
    return _behind_launcher([*args, "--chdir", str(latex_dir)])


def _restore(dfd: int, name: str, owner: tuple[int, int]) -> None:
    with suppress(FileNotFoundError):
        os.chown(name, *owner, dir_fd=dfd, follow_symlinks=False)


@contextmanager
def _lent(latex_dir: Path) -> Iterator[None]:
    """As root: the paper's folder and its regular files belong to uid 65534 while TeX runs,
    and go back to their owners afterwards (see the module's docstring)."""
    uid, gid = sb.SANDBOX_UID, sb.SANDBOX_GID
    dfd = os.open(latex_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        parent = os.stat(latex_dir.parent)
        st = os.fstat(dfd)
        home = (st.st_uid, st.st_gid) if st.st_uid != uid else (parent.st_uid, parent.st_gid)
        owners: dict[str, tuple[int, int]] = {}
        try:
            for entry in os.scandir(dfd):
                s = entry.stat(follow_symlinks=False)
                # A hard link would lend its other names too (one planted to /etc/shadow).
                if stat.S_ISREG(s.st_mode) and s.st_nlink == 1:
                    owners[entry.name] = (s.st_uid, s.st_gid) if s.st_uid != uid else home
                    os.chown(entry.name, uid, gid, dir_fd=dfd, follow_symlinks=False)
            os.fchown(dfd, uid, gid)
            yield
        finally:
            os.fchown(dfd, *home)
            for entry in os.scandir(dfd):
                s = entry.stat(follow_symlinks=False)
                if entry.name in owners:
                    _restore(dfd, entry.name, owners[entry.name])
                elif s.st_uid == uid and stat.S_ISREG(s.st_mode) and s.st_nlink == 1:
                    _restore(dfd, entry.name, home)  # what the build created
    finally:
        os.close(dfd)


@contextmanager
def tex_box(latex_dir: Path, mode: str = "auto", *, writable: bool = True) -> Iterator[TexBox]:
    """The boundary for TeX programs run in ``latex_dir`` (module docstring); ``mode`` is the
    run sandbox setting: ``auto``/``bwrap`` or ``none``. Raises ConfigError like the runs when
    ``auto`` cannot start bubblewrap."""
    latex_dir = Path(os.path.abspath(latex_dir))
    if sb.resolve(mode) == "none":
        yield TexBox(
            "none", f"uid {os.getuid()} (no sandbox)", tex_env(latex_dir, dict(os.environ))
        )
        return
    base = {"PATH": _IN_SANDBOX_PATH, "HOME": "/tmp", "TMPDIR": "/tmp", "LANG": "C.UTF-8"}
    if "SOURCE_DATE_EPOCH" in os.environ:  # reproducible PDFs, when the user asks for them
        base["SOURCE_DATE_EPOCH"] = os.environ["SOURCE_DATE_EPOCH"]
    with ExitStack() as stack:
        figures = _open_figures(figure_dir(latex_dir), stack)
        prefix = _bwrap_prefix(latex_dir, writable=writable, figures=figures)
        uid, user = sb.run_user()
        if uid is not None and writable:
            stack.enter_context(_lent(latex_dir))
        yield TexBox(
            "bwrap",
            user,
            tex_env(latex_dir, base),
            tuple(fd for fd, _ in figures),
            prefix,
        )


def pdf_box(mode: str = "auto") -> TexBox:
    """The boundary for a PDF tool (pdftotext) whose PDF, which TeX or anyone may have made,
    comes on its standard input: with bwrap it sees the system and no file of the project at
    all; ``none`` runs it as today."""
    if sb.resolve(mode) == "none":
        return TexBox("none", f"uid {os.getuid()} (no sandbox)", dict(os.environ))
    args, _ = _view()
    env = {"PATH": _IN_SANDBOX_PATH, "HOME": "/tmp", "TMPDIR": "/tmp", "LANG": "C.UTF-8"}
    return TexBox("bwrap", sb.run_user()[1], env, (), _behind_launcher([*args, "--chdir", "/tmp"]))
