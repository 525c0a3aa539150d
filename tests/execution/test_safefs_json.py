"""JSON a run wrote is decoded within limits, with one message naming the file and the limit."""

from __future__ import annotations

import pytest

from aisci.errors import ExperimentError
from aisci.execution import runjson, safefs
from aisci.execution.final_info import load_final_info


def write(tmp_path, text: str):
    run = tmp_path / "run_0"
    run.mkdir()
    path = run / "final_info.json"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[" * 200_000 + "]" * 200_000, "run_0/final_info.json is nested deeper than 64 levels"),
        ('{"d": ' + "[" * 65 + "]" * 65 + "}", "nested deeper than 64 levels"),
        ('{"d": {"means": {"acc": ' + "9" * 5000 + "}}}", "a number longer than 100 digits"),
        ('{"d": {"means": {"acc": 0.' + "1" * 200 + "}}}", "a number longer than 100 digits"),
        ('{"d": {"means": {"acc": 1.0}}} trailing', "is not valid JSON"),
    ],
)
def test_hostile_final_info_is_refused_by_name_and_limit(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ExperimentError, match=message) as caught:
        load_final_info(path)
    assert caught.value.message.startswith("run_0/final_info.json ")
    assert caught.value.hint
    with pytest.raises(ExperimentError, match=message):
        safefs.read_json(path, root=tmp_path)


def test_a_file_past_the_size_limit_is_refused_not_truncated(tmp_path, monkeypatch):
    monkeypatch.setattr(runjson, "MAX_BYTES", 1000)
    path = write(tmp_path, '{"d": {"means": {"acc": 1.0}}, "pad": "' + "x" * 1000 + '"}')
    with pytest.raises(ExperimentError, match="larger than 1,000 bytes") as caught:
        load_final_info(path)
    assert "run_0/final_info.json" in caught.value.message
    with pytest.raises(ExperimentError, match=r"run_0/final_info\.json is larger"):
        safefs.read_json(path, root=tmp_path, limit=1000)


def test_honest_results_at_the_limits_still_read(tmp_path):
    nested = "[" * 60 + "1" + "]" * 60
    path = write(
        tmp_path,
        '{"d": {"means": {"acc": 0.12345678901234567, "n": '
        + "7" * 100
        + '}, "final_info_dict": {"x": '
        + nested
        + "}}}",
    )
    info = load_final_info(path)
    assert info.means() == {"d": {"acc": 0.12345678901234567, "n": float("7" * 100)}}
    assert safefs.read_json(path, root=tmp_path)["d"]["means"]["acc"] == 0.12345678901234567


def test_brackets_inside_strings_do_not_count_as_nesting(tmp_path):
    text = '{"d": {"means": {"acc": 1.0}, "final_info_dict": {"s": "' + "[{" * 100 + '\\"[["}}}'
    assert runjson.loads(text, "run_0/final_info.json")["d"]["means"] == {"acc": 1.0}
    assert runjson.loads("[" * 64 + "]" * 64, "x")
    with pytest.raises(ExperimentError, match="x is nested deeper than 64 levels"):
        runjson.loads('[{"a": ' + "[" * 63 + "]" * 63 + "}]", "x")
