"""Which files plot.py wrote aisci takes as figures, and under what name (execution/plotting.py):
images by their first bytes, names reduced to the set TeX can take."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from aisci.execution.plotting import FIGURE_LIMIT, _is_image, run_plot, safe_figure_name
from aisci.tex_quote import SAFE_NAME_MAX, is_safe_file_name

PNG = b"\x89PNG\r\n\x1a\n"


def test_unsafe_names_are_reduced_and_collisions_numbered():
    taken = {"a_b.png"}
    assert safe_figure_name("a b.png", taken) == "a_b_2.png"
    taken.add("a_b_2.png")
    assert safe_figure_name("a{b}.PNG", taken | {"a_b_.png"}) == "a_b__2.png"
    assert safe_figure_name(".hidden.png", set()) == "_hidden.png"
    assert safe_figure_name("../../etc.png", set()) == "______etc.png"
    assert safe_figure_name(".png", set()) == "figure.png"
    assert safe_figure_name("x\udcff\n.SVG", set()) == "x__.svg"
    long = safe_figure_name("ü" * 300 + ".jpeg", set())
    assert len(long) <= SAFE_NAME_MAX and long.endswith(".jpeg")
    taken = set()
    for _ in range(120):  # a hundred collisions still fit the cap
        name = safe_figure_name("é" * 300 + ".png", taken)
        assert is_safe_file_name(name) and name not in taken
        taken.add(name)


@pytest.mark.parametrize(
    "head",
    [
        b"<svg xmlns='http://www.w3.org/2000/svg'></svg>",
        b"\xef\xbb\xbf  \n<?xml version='1.0'?>\n<!-- matplotlib -->\n<!DOCTYPE svg PUBLIC '-//W3C//DTD SVG 1.1//EN'>\n<svg>",
        b"<svg/>",
    ],
)
def test_svg_text_is_an_svg(head):
    assert _is_image("SVG", head)


@pytest.mark.parametrize(
    "head",
    [b"<html><svg>", b"<svgx>", b"<?xml version='1.0'?><html/>", b"<!-- never closed <svg>", b""],
)
def test_other_text_is_no_svg(head):
    assert not _is_image("SVG", head)


def test_magic_bytes_decide_png_pdf_jpeg():
    assert _is_image("PNG", PNG + b"rest") and not _is_image("PNG", b"x")
    assert _is_image("PDF", b"%PDF-1.5\n") and not _is_image("PDF", PNG)
    assert _is_image("JPEG", b"\xff\xd8\xff\xe0") and not _is_image("JPEG", b"%PDF-")


def test_plot_without_sandbox_takes_images_only_and_renames_unsafe_names(tmp_path: Path):
    """--sandbox none: plot.py writes in the folder itself, so aisci renames there."""
    hostile = "v.png}\\input{^^2fetc^^2fpasswd}\\includegraphics{v.png"
    (tmp_path / "plot.py").write_text(
        f"png = {PNG!r} + b'0' * 64\n"
        "open('good.png', 'wb').write(png)\n"
        f"open({hostile!r}, 'wb').write(png)\n"
        "open('x.png', 'wb').write(b'x')\n"
        "open('fake.pdf', 'wb').write(png)\n"
        "open('real.pdf', 'wb').write(b'%PDF-1.4\\n')\n"
        "open('curve.svg', 'w').write('<?xml version=\"1.0\"?>\\n<svg></svg>')\n"
        "with open('big.png', 'wb') as f:\n"
        f"    f.write(png); f.seek({FIGURE_LIMIT}); f.write(b'0')\n"
    )
    run = run_plot(tmp_path, timeout_s=60, sandbox="none", python=sys.executable)
    assert run.outcome.exit_code == 0, run.stderr_tail
    [(original, safe)] = run.renamed
    assert original == hostile and is_safe_file_name(safe) and safe.endswith(".png")
    assert run.figures == tuple(sorted(("good.png", safe)))
    assert (tmp_path / safe).read_bytes().startswith(PNG) and not (tmp_path / hostile).exists()
    assert sorted(run.refused) == [
        f"big.png (larger than the {FIGURE_LIMIT >> 20} MB limit on a figure)",
        "fake.pdf (not a PDF image)",
        "x.png (not a PNG image)",
    ]
