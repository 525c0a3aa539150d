"""The wheel is the whole product: built, installed outside the repository, and used from there.

The wheel is built from a copy of the sources (so the repository gets no build/ folder), with
run leftovers planted in a template to prove they stay out. It is installed with ``--no-deps``
into a fresh venv that sees the project venv's dependencies through a folder of links to them,
minus aisci itself (so nothing resolves to the checkout and pip never touches the project venv).
Nothing here reaches the network: the build uses the project venv's setuptools and no index.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

from aisci.core import shipped
from aisci.versions import __version__

from .helpers import REPO

SOURCES = ("pyproject.toml", "setup.py", "README.md", "MANIFEST.in", "server", "templates")
WITH_PREPARE = ("nanogpt", "compressed_cnn")


def _copy_sources(dest: Path) -> None:
    caches = shutil.ignore_patterns("__pycache__", "*.egg-info")
    for name in SOURCES:
        source = REPO / name
        if name == "templates":  # without what earlier runs left in the checkout
            shutil.copytree(
                source, dest / name, ignore=lambda _d, ns: list(filter(shipped.skipped, ns))
            )
        elif source.is_dir():
            shutil.copytree(source, dest / name, ignore=caches)
        else:
            shutil.copy2(source, dest / name)
    grokking = dest / "templates" / "grokking"
    (grokking / "run_0").mkdir()
    (grokking / "run_0" / "final_info.json").write_text("{}")
    (grokking / "results").mkdir()
    (grokking / "__pycache__").mkdir()
    (grokking / "__pycache__" / "experiment.cpython-311.pyc").write_bytes(b"")
    (grokking / "data.npz").write_bytes(b"")


def _fresh_venv(root: Path) -> Path:
    """A venv with no aisci, whose Python sees the project venv's other packages."""
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    deps = root / "deps"
    deps.mkdir()
    site = Path(sysconfig.get_paths()["purelib"])
    for entry in site.iterdir():
        if entry.name.startswith(("aisci", "__editable__")) or entry.suffix == ".pth":
            continue
        (deps / entry.name).symlink_to(entry)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(purelib) / "project_deps.pth").write_text(f"{deps}\n")
    return venv


def test_the_wheel_carries_the_shipped_templates_and_works_outside_the_repository(tmp_path):
    source, dist, work = tmp_path / "src", tmp_path / "dist", tmp_path / "work"
    source.mkdir()
    work.mkdir()
    _copy_sources(source)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(PIP_NO_INDEX="1", AISCI_DATA_DIR=str(tmp_path / "data"))
    pip = [sys.executable, "-m", "pip"]
    built = subprocess.run(
        [*pip, "wheel", str(source), "--no-deps", "--no-build-isolation", "-q", "-w", str(dist)],
        capture_output=True,
        text=True,
        env=env,
        cwd=work,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = dist.glob("aisci-*.whl")
    # One version for the wheel, aisci --version and the extension's .vsix.
    extension = json.loads((REPO / "vscode-extension" / "package.json").read_text(encoding="utf-8"))
    assert wheel.name.startswith(f"aisci-{__version__}-")
    assert extension["version"] == __version__
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in shipped.NAMES:
        assert f"aisci/shipped/{name}/experiment.py" in names
        assert f"aisci/shipped/{name}/latex/template.tex" in names
        assert (f"aisci/shipped/{name}/prepare.py" in names) == (name in WITH_PREPARE)
    leftovers = [n for n in names if "/run_0/" in n or "/results/" in n or "__pycache__" in n]
    assert leftovers == [] and "aisci/shipped/grokking/data.npz" not in names
    assert "aisci/scaffold/experiment.py" in names and "aisci/core/shipped.py" in names
    assert "aisci/topic/example.md" in names  # what aisci template new --topic writes

    venv = _fresh_venv(tmp_path)
    python, aisci = str(venv / "bin" / "python"), str(venv / "bin" / "aisci")
    installed = subprocess.run(
        [python, "-m", "pip", "install", "--no-deps", "-q", str(wheel)],
        capture_output=True,
        text=True,
        env=env,
        cwd=work,
    )
    assert installed.returncode == 0, installed.stderr

    def run(*args: str, cwd: Path = work, timeout: int = 120) -> subprocess.CompletedProcess:
        return subprocess.run(
            [aisci, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout
        )

    package = venv.resolve() / "lib"
    listed = run("template", "list")
    assert listed.returncode == 0, listed.stderr
    assert "/aisci/shipped" in listed.stdout and str(REPO) not in listed.stdout
    assert str(package) in listed.stdout.splitlines()[0]
    for name in shipped.NAMES:
        assert f"  {name} " in listed.stdout
    assert "mnist (not prepared) -> run: aisci data compressed_cnn" in listed.stdout

    # No folder called grokking here: the installed package's copy is used, and said.
    checked = run("template", "check", "grokking")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "the template is valid" in checked.stdout
    assert (
        checked.stderr.count("\n") == 1 and "using the shipped template grokking" in checked.stderr
    )
    assert str(package) in checked.stderr
    knobs = run("template", "knobs", "grokking", "--yes", "--force")
    assert knobs.returncode == 1 and "Copy it first (aisci template copy grokking)" in knobs.stderr

    copied = run("template", "copy", "grokking")
    assert copied.returncode == 0, copied.stdout + copied.stderr
    assert "templates/grokking: the template is valid" in copied.stdout
    copy = work / "templates" / "grokking"
    assert sorted(p.name for p in copy.iterdir()) == sorted(
        p.name for p in (REPO / "templates" / "grokking").iterdir() if not shipped.skipped(p.name)
    )
    # Now the copy is there: it wins over the shipped template, without a note.
    again = run("template", "check", "grokking")
    assert again.returncode == 0 and again.stderr == ""
    assert again.stdout.startswith("templates/grokking: the template is valid")

    topic = run("template", "new", "study", "--topic")
    assert topic.returncode == 0, topic.stdout + topic.stderr
    checked = run("template", "check", "study.md")
    assert checked.returncode == 0 and "study.md: the topic is valid" in checked.stdout

    data = run("data", "grokking")
    assert data.returncode == 0 and "grokking: nothing to prepare" in data.stdout

    # The researcher's copy runs from the installed aisci: its smoke baseline, then the whole
    # cycle offline (the sweep scientist, no model): one idea, one run, its paper and review.
    # --sandbox none: this venv finds torch through a .pth link to the project venv, which the
    # sandbox rightly does not show a run (a real install has torch in the venv itself; the
    # editor's end-to-end set-up runs the sandboxed baseline from such an install).
    baseline = run("baseline", "grokking", "--scale", "smoke", "--sandbox", "none", timeout=300)
    assert baseline.returncode == 0, baseline.stdout + baseline.stderr
    assert (
        work / "results" / "grokking" / "baseline_smoke" / "run_0" / "final_info.json"
    ).is_file()
    launched = run(
        "launch", "--template", "grokking", "--scientist", "sweep", "--scale", "smoke",
        "--num-ideas", "1", "--max-runs", "1", "--sandbox", "none", timeout=600,
    )  # fmt: skip
    assert launched.returncode == 0, launched.stdout + launched.stderr
    (paper,) = (work / "results" / "grokking").glob("*/*.pdf")
    assert paper.read_bytes().startswith(b"%PDF")
    assert str(REPO) not in launched.stdout + launched.stderr
