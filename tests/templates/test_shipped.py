"""Every shipped template passes the contract check without a warning and declares 2-4 knobs,
each a constant of experiment.py that holds one of its candidate values."""

from pathlib import Path

import pytest

from aisci.core.template import check_template, load_template

TEMPLATES = sorted(
    p for p in (Path(__file__).resolve().parents[2] / "templates").iterdir() if p.is_dir()
)


def test_all_four_templates_ship():
    assert [p.name for p in TEMPLATES] == ["2d_diffusion", "compressed_cnn", "grokking", "nanogpt"]


@pytest.mark.parametrize("folder", TEMPLATES, ids=lambda p: p.name)
def test_template_is_clean_and_its_knobs_hold_their_values(folder):
    assert [str(p) for p in check_template(folder)] == []
    template = load_template(folder)
    assert 2 <= len(template.knobs) <= 4
    for knob in template.knobs:
        assert knob.current in knob.values, knob.constant
