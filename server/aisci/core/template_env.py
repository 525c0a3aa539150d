"""What a template needs from the environment it runs in: its imports and its scales.

- ``unresolved_imports(path)``: the top-level modules that the template's ``.py`` files import
  and that do not resolve in the Python running aisci (the runner starts experiments with the
  same interpreter). The standard library and the template's own modules are skipped, and so
  are imports guarded by ``try: ... except ImportError`` (optional ones). Each comes with the
  install command when the package is known, or a plain note when it is not.
- ``missing_module_advice(stderr)``: the advice for a run that failed with
  ``ModuleNotFoundError`` (an environment to complete, not code to fix), or ``None``.
- ``has_scales(path)``: whether experiment.py (or one of the template's own modules it
  imports) reads ``AISCI_SCALE``. Templates of the original system do not: any ``--scale``
  runs their whole study, and ``no_scales_note`` says so.
"""

from __future__ import annotations

import ast
import importlib.util
import re
import sys
from dataclasses import dataclass
from pathlib import Path


def install_command(
    spec: str, prefix: str | None = None, python: str | None = None, has_pip: bool | None = None
) -> str:
    """The command that installs ``spec`` into the environment aisci runs in (defaults: this
    interpreter's). An environment of ``pipx install`` is changed with ``pipx inject``, one of
    ``uv tool install`` with ``uv pip`` (neither has pip of its own); any other with its pip,
    bootstrapped first where it has none."""
    prefix = prefix or sys.prefix
    python = python or sys.executable
    parts = Path(prefix).parts
    if "pipx" in parts and "venvs" in parts:
        return f"pipx inject {Path(prefix).name} '{spec}'"
    if "uv" in parts and "tools" in parts:
        return f"uv pip install --python {python} '{spec}'"
    if has_pip is None:
        has_pip = importlib.util.find_spec("pip") is not None
    first = "" if has_pip else f"{python} -m ensurepip && "
    return f"{first}{python} -m pip install '{spec}'"


# import name -> pip package; None: not on PyPI under a name we know (the note says what to do).
PACKAGES: dict[str, str | None] = {
    "einops": "einops",
    "sklearn": "scikit-learn",
    "pandas": "pandas",
    "scipy": "scipy",
    "numpy": "numpy",
    "matplotlib": "matplotlib",
    "seaborn": "seaborn",
    "torch": "torch",
    "torchvision": "torchvision",
    "torchaudio": "torchaudio",
    "cv2": "opencv-python-headless",
    "PIL": "pillow",
    "yaml": "pyyaml",
    "skimage": "scikit-image",
    "tqdm": "tqdm",
    "transformers": "transformers",
    "datasets": "datasets",
    "tiktoken": "tiktoken",
    "wandb": "wandb",
    "networkx": "networkx",
    "sympy": "sympy",
    "statsmodels": "statsmodels",
    "jax": "jax",
    "h5py": "h5py",
    "numba": "numba",
    "ema_pytorch": "ema-pytorch",
    "timm": "timm",
    "npeet": None,
}
NOTES = {
    "npeet": "npeet is not on PyPI under that name: install it from its source repository "
    "(github.com/gregversteeg/NPEET, `pip install git+https://github.com/gregversteeg/NPEET`), "
    "or replace its estimator in the template",
    "torch": "install the build that matches this machine (CPU or CUDA) before anything that depends on it",
    "torchvision": "its version must match the installed torch; pin it to the torch release",
}
SCALE_VARIABLE = "AISCI_SCALE"


@dataclass(frozen=True)
class MissingImport:
    module: str  # the top-level module, e.g. "sklearn"
    file: str  # the first file that imports it, relative to the template
    line: int
    package: str | None  # the pip package that provides it, when known

    @property
    def advice(self) -> str:
        note = NOTES.get(self.module)
        if self.package is None:
            return note or (
                f"no install command is known for {self.module}: find the package that "
                "provides it and install it into aisci's environment"
            )
        return f"install it with: {install_command(self.package)}" + (f" ({note})" if note else "")

    def message(self) -> str:
        return (
            f"imports {self.module}, which is not installed in aisci's environment: {self.advice}"
        )


def _python_files(path: Path) -> list[Path]:
    # drafting/ holds a drafted template's failed drafts (topic/draft_record.py), not its code.
    skip = {"__pycache__", "drafting"}
    return sorted(
        p for p in path.rglob("*.py") if not skip & set(p.relative_to(path).parts) and p.is_file()
    )


def _own_modules(path: Path) -> set[str]:
    """Top-level names a template's own files answer to (``helpers.py``, ``models/``)."""
    names = {p.stem for p in path.glob("*.py")}
    names |= {p.name for p in path.iterdir() if p.is_dir() and any(p.glob("*.py"))}
    return names


def _guarded(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """True inside ``try:`` whose handlers catch ImportError (an optional dependency)."""
    child, parent = node, parents.get(node)
    while parent is not None:
        if isinstance(parent, ast.Try) and child in parent.body:
            for handler in parent.handlers:
                caught = handler.type
                names = [caught] if not isinstance(caught, ast.Tuple) else list(caught.elts)
                if caught is None or any(
                    isinstance(n, ast.Name)
                    and n.id in ("ImportError", "ModuleNotFoundError", "Exception")
                    for n in names
                ):
                    return True
        child, parent = parent, parents.get(parent)
    return False


def imports_of(file: Path) -> list[tuple[str, int]]:
    """(top-level module, line) for every absolute, unguarded import of ``file``."""
    try:
        tree = ast.parse(file.read_text(encoding="utf-8", errors="replace"))
    except SyntaxError:
        return []  # the contract check reports the syntax error
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        if not _guarded(node, parents):
            found += [(n.split(".")[0], node.lineno) for n in names]
    return found


def _resolves(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def unresolved_imports(path: Path | str) -> list[MissingImport]:
    """The imports of the template at ``path`` that aisci's environment cannot satisfy."""
    path = Path(path)
    own = _own_modules(path)
    seen: dict[str, MissingImport] = {}
    for file in _python_files(path):
        for module, line in imports_of(file):
            if (
                module in seen
                or module in own
                or module in sys.stdlib_module_names
                or module == "__future__"
                or _resolves(module)
            ):
                continue
            seen[module] = MissingImport(
                module, file.relative_to(path).as_posix(), line, PACKAGES.get(module)
            )
    return list(seen.values())


_NO_MODULE = re.compile(r"ModuleNotFoundError: No module named '([^'.]+)")


def missing_module_advice(stderr: str) -> str | None:
    """For a failed run's stderr: what to install when the failure is a missing module."""
    matches = list(_NO_MODULE.finditer(stderr or ""))
    match = matches[-1] if matches else None  # the last one is the one that stopped the run
    if match is None:
        return None
    module = match.group(1)
    missing = MissingImport(module, "experiment.py", 0, PACKAGES.get(module))
    return (
        f"The experiment imports {module}, which is not installed in aisci's environment; the code "
        f"is not at fault: {missing.advice}. Then run the same command again "
        "(`aisci template check` lists every missing import)."
    )


def _local_module_files(path: Path, start: Path) -> list[Path]:
    """``start`` and the template's own modules it imports, transitively."""
    own = _own_modules(path)
    todo, done = [start], []
    while todo:
        file = todo.pop()
        if file in done or not file.is_file():
            continue
        done.append(file)
        for module, _ in imports_of(file):
            if module in own:
                todo += [path / f"{module}.py", *sorted((path / module).glob("*.py"))]
    return done


def has_scales(path: Path | str) -> bool:
    """Whether the template's experiment reads AISCI_SCALE (the shipped ones do, the original's do not)."""
    path = Path(path)
    for file in _local_module_files(path, path / "experiment.py"):
        if SCALE_VARIABLE in file.read_text(encoding="utf-8", errors="replace"):
            return True
    return False


def no_scales_note(template_name: str, scale: str) -> str:
    return (
        f"Template {template_name} has no scales (experiment.py never reads {SCALE_VARIABLE}): "
        f"--scale {scale} runs its whole study. Give it scales (docs/templates.md) to run a smaller one."
    )


def applied_scale(path: Path | str, scale: str) -> str | None:
    """The scale a run of this template really has: ``scale``, or None when it has no scales."""
    return scale if has_scales(path) else None
