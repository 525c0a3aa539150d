"""Build step that puts the shipped templates into the wheel (everything else is in pyproject.toml).

The templates stay at the repository's root (tests, the Makefile and the docs name
``templates/<name>``); building the wheel copies each shipped one into the package as
``aisci/shipped/<name>/``, so an installed aisci has them wherever it runs. Which templates, and
which files of them, is declared once, in server/aisci/core/shipped.py, loaded here by its path
(the package itself cannot be imported before its dependencies are installed). An editable
install copies nothing: there aisci finds the templates in the checkout.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


def _shipped_module():
    spec = importlib.util.spec_from_file_location(
        "_aisci_shipped", HERE / "server" / "aisci" / "core" / "shipped.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class BuildWithTemplates(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        shipped = _shipped_module()
        for name in shipped.NAMES:
            source = HERE / "templates" / name
            if not (source / "experiment.py").is_file():
                # A wheel without its templates would install and then fail far from here.
                raise SystemExit(
                    f"Cannot build aisci: the shipped template {source} is missing. "
                    "Build from a checkout of the repository (or an sdist that has templates/)."
                )
            target = Path(self.build_lib) / "aisci" / "shipped" / name
            if target.exists():
                shutil.rmtree(target)  # a stale copy from an earlier build in the same folder
            shutil.copytree(
                source,
                target,
                ignore=lambda _folder, names: [n for n in names if shipped.skipped(n)],
            )


setup(cmdclass={"build_py": BuildWithTemplates})
