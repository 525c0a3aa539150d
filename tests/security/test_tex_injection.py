"""Figures plot.py names and writes cannot reach TeX as commands, and cannot fail the baseline
(issue 22): a name that is TeX code is renamed and its original shown as quoted text, a file
that is no image or is over the limit is left out and recorded, and a whole paper written
from such plots holds nothing of a secret the names point at."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from aisci.tex_quote import is_safe_file_name, tex_text
from tests.helpers import make_template
from tests.security.conftest import Runner, hostile_template, needs_bwrap

pytestmark = needs_bwrap

PNG = b"\x89PNG\r\n\x1a\n"
SECRET = "ROOT-ONLY-SECRET-7d1e"
HOME_SECRET = "HOME-SECRET-52aa"


def _tex_path(path: Path) -> str:
    """``path`` spelled without a slash, as TeX reads it: ^^2f is '/'."""
    return str(path).replace("/", "^^2f")


def plant_secrets(runner: Runner) -> tuple[Path, Path]:
    """A file only root may read, and one in the user's HOME (the scratch one)."""
    root_only = runner.scratch / "shadow"
    root_only.write_text(f"root:{SECRET}:19000:0:99999:7:::\n")
    root_only.chmod(0o600)
    home = runner.scratch / "home" / "notes"
    home.write_text(f"{HOME_SECRET}\n")
    if runner.user == "nobody":
        os.chown(home, 65534, 65534)
    return root_only, home


def hostile_names(runner: Runner, root_only: Path, home: Path) -> list[str]:
    pwned = _tex_path(runner.scratch / "pwned")
    return [
        f"val_loss.png}}\\input{{{_tex_path(root_only)}}}\\includegraphics{{val_loss.png",
        f"a.png}}\\input{{{_tex_path(home)}}}\\includegraphics{{a.png",
        # openout_any=p keeps absolute paths out, so the relative one is the one that could work
        "b.png}\\immediate\\openout9=pwned-here\\immediate\\write9{x}\\immediate\\closeout9"
        f"\\immediate\\openout8={pwned}\\immediate\\closeout8\\includegraphics{{b.png",
    ]


def hostile_plot(names: list[str], png: str) -> str:
    """plot.py's tail: the good figure under every hostile name, a 1-byte x.png, and a sparse
    big.png over the 50 MB limit."""
    return (
        f"_png = {png}\n"
        f"for _name in {names!r}:\n"
        "    open(_name, 'wb').write(_png)\n"
        "open('x.png', 'wb').write(b'x')\n"
        "with open('big.png', 'wb') as _f:\n"
        f"    _f.write({PNG!r}); _f.seek(51 << 20); _f.write(b'0')\n"
    )


def leaked(root: Path, *outputs: str) -> list[str]:
    """Every file under ``root`` but the secrets themselves (PDFs also as pdftotext reads them),
    and every output, that holds a secret; and every file \\openout made."""
    secrets = {root / "shadow", root / "home" / "notes"}
    found = [f"made by \\openout: {p}" for p in root.rglob("pwned*")]
    for path in root.rglob("*"):
        if path in secrets or path.is_symlink() or not path.is_file():
            continue
        text = path.read_bytes().decode("utf-8", errors="replace")
        if path.suffix == ".pdf":
            text += subprocess.run(
                ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
            ).stdout
        if SECRET in text or HOME_SECRET in text:
            found.append(str(path))
    return found + [o[-200:] for o in outputs if SECRET in o or HOME_SECRET in o]


def test_hostile_figure_names_non_images_and_oversize_figures(runner):
    root_only, home = plant_secrets(runner)
    names = hostile_names(runner, root_only, home)
    plot = (
        "import os\nlabels = {'run_0': 'Baseline'}\n"
        f"open('result.png', 'wb').write({PNG!r} + b'0' * 64)\n"
        + hostile_plot(names, "open('result.png', 'rb').read()")
    )
    template = hostile_template(runner, "tex_names", "results()\n", plot=plot)
    done = runner.baseline(template)
    assert done.returncode == 0, done.stderr
    folder = runner.folder(template)
    plots = runner.state(template)["steps"]["plots"]

    assert set(plots["renamed"].values()) == set(names)
    assert sorted(plots["figures"]) == sorted(["result.png", *plots["renamed"]])
    assert all(is_safe_file_name(f) for f in plots["figures"])
    assert all((folder / f).read_bytes().startswith(PNG) for f in plots["figures"])
    assert not any(name in os.listdir(folder) for name in names)
    assert "x.png (not a PNG image)" in plots["refused"]
    assert "big.png (larger than the 50 MB limit on a figure)" in plots["refused"]
    assert not (folder / "x.png").exists() and not (folder / "big.png").exists()
    assert leaked(runner.scratch, done.stdout, done.stderr) == []


@pytest.mark.slow
def test_sweep_paper_from_hostile_plots_holds_no_secret():
    """The whole offline cycle (sweep scientist, real TeX) on the scaffold whose plot.py also
    writes the hostile figures: the paper shows their original names as text, and neither its
    .tex, its PDF, its build logs nor any record holds a secret; nothing was \\openout'ed."""
    scratch = Path(tempfile.mkdtemp(prefix="aisci-sec-"))
    try:
        (scratch / "home").mkdir()
        runner = Runner("root", scratch)
        root_only, home = plant_secrets(runner)
        names = hostile_names(runner, root_only, home)
        template = make_template(scratch / "templates")
        plot = template / "plot.py"
        plot.write_text(plot.read_text() + hostile_plot(names, "open('val_loss.png', 'rb').read()"))
        done = runner.cli(
            "launch",
            "--template",
            str(template),
            "--scientist",
            "sweep",
            "--scale",
            "smoke",
            "--engine",
            "local",
            "--num-ideas",
            "1",
            "--results",
            str(scratch / "results"),
            timeout=600,
        )
        assert done.returncode == 0, done.stderr
        [pdf] = (scratch / "results" / "tiny").glob("*_sweep_*/*.pdf")
        tex = (pdf.parent / "latex" / "template.tex").read_text()
        for name in names:  # each caption shows the name plot.py gave, as text
            assert f"plot.py named it {tex_text(name)}.)" in tex
        assert "\\includegraphics[width=0.7\\linewidth]{val_loss_png" in tex
        assert "\\input{" not in tex and "\\openout" not in tex
        assert leaked(scratch, done.stdout, done.stderr) == []
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
