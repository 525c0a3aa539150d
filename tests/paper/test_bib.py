"""BibTeX parsing, repair, merging and writing; the repaired file goes through real BibTeX."""

from __future__ import annotations

from aisci.paper.bib import merge_bib, merge_into_file, parse_bib
from aisci.paper.build import compile_paper
from tests.paper.helpers import line_of, needs_tex, replace_line

ADAM = """@inproceedings{kingma2015adam,
  title     = {Adam: A Method for Stochastic Optimization},
  author    = {Kingma, Diederik P. and Ba, Jimmy},
  booktitle = {ICLR},
  year      = {2015}
}
"""


def test_well_formed_entries_round_trip():
    text = (
        '@string{iclr = "ICLR"}\n'
        + ADAM
        + '@misc{x, title = "A {B} c", year = 2020, note = iclr # " 2020"}\n'
    )
    parsed = parse_bib(text)
    assert parsed.notes == ()
    assert [e.key for e in parsed.entries] == ["kingma2015adam", "x"]
    adam, x = parsed.entries
    assert adam.line == 2 and adam.get("title") == "Adam: A Method for Stochastic Optimization"
    assert x.get("year") == "2020" and dict(x.fields)["note"] == 'iclr # " 2020"'
    again = parse_bib(merge_bib(text).text())
    assert [(e.type, e.key, e.fields) for e in again.entries] == [
        (e.type, e.key, e.fields) for e in parsed.entries
    ]
    assert again.preamble == ('@string{iclr = "ICLR"}',)


def test_missing_closing_brace_of_a_field_is_repaired():
    text = (
        "@article{broken,\n  title = {Broken title,\n  author = {Doe, Jane},\n  year = {2020}\n}\n\n"
        + ADAM
    )
    parsed = parse_bib(text)
    assert [e.key for e in parsed.entries] == ["broken", "kingma2015adam"]
    broken = parsed.entries[0]
    assert broken.get("title") == "Broken title" and broken.get("author") == "Doe, Jane"
    assert broken.get("year") == "2020"
    assert any("closing brace" in n and "broken" in n for n in parsed.notes)


def test_missing_closing_brace_of_the_entry_and_missing_comma():
    text = "@article{open,\n  title = {Open}\n  year = {2021}\n\n" + ADAM
    parsed = parse_bib(text)
    assert [(e.key, e.get("year")) for e in parsed.entries] == [
        ("open", "2021"),
        ("kingma2015adam", "2015"),
    ]
    assert any("missing comma" in n for n in parsed.notes)
    assert any("closing brace" in n for n in parsed.notes)


def test_invalid_entries_are_dropped_or_fixed_with_a_note():
    text = (
        "@article{notitle, author = {X}, year = 2020}\n"
        "@article{title = {No key}}\n"
        "@webpage{site, title = {A site}}\n"
        "@misc{bad key, title = {Spaces in key}}\n"
    )
    parsed = parse_bib(text)
    assert [(e.type, e.key) for e in parsed.entries] == [("misc", "site"), ("misc", "bad_key")]
    notes = " | ".join(parsed.notes)
    for expected in (
        "`notitle` has no title: dropped",
        "has no key: dropped",
        "unknown type @webpage",
        "renamed to `bad_key`",
    ):
        assert expected in notes


def test_merge_keeps_the_same_paper_once_and_renames_a_different_one():
    existing = ADAM + "@article{smith2020, title = {Deep Things}, year = {2020}}\n"
    new = (
        "@inproceedings{kingma2015adam, title = {{Adam}: a method for stochastic optimization}, year = 2015}\n"
        "@article{smith2020, title = {Shallow Things}, year = {2020}}\n"
        "@article{fresh2024, title = {Fresh}, year = {2024}}\n"
    )
    merged = merge_bib(existing, new)
    assert [e.key for e in merged.entries] == [
        "kingma2015adam",
        "smith2020",
        "smith2020_2",
        "fresh2024",
    ]
    assert merged.renames == {"smith2020": "smith2020_2"}
    assert merged.added == ("smith2020_2", "fresh2024")
    assert merged.entries[2].get("title") == "Shallow Things"
    assert merged.entries[0].get("booktitle") == "ICLR"  # the existing entry wins


def test_merge_into_file_writes_atomically(tmp_path):
    path = tmp_path / "references.bib"
    merge_into_file(path, ADAM)
    result = merge_into_file(path, "@misc{k, title={T}}\n")
    assert parse_bib(path.read_text()).keys == {"kingma2015adam", "k"}
    assert result.renames == {}
    assert [p.name for p in tmp_path.iterdir()] == ["references.bib"]


@needs_tex
def test_repaired_bibliography_passes_real_bibtex(latex_dir):
    bib = latex_dir / "references.bib"
    bib.write_text(
        bib.read_text()
        + "\n@article{broken2020,\n  title = {Broken entry,\n  author = {Doe, Jane},\n"
        "  journal = {J}, year = {2020}\n}\n"
    )
    tex = latex_dir / "template.tex"
    replace_line(tex, line_of(tex, "RELATED WORK HERE"), "See~\\citet{broken2020}.")
    assert not compile_paper(latex_dir).ok  # BibTeX chokes on the broken entry
    merged = merge_into_file(bib, "")
    assert "broken2020" in {e.key for e in merged.entries}
    result = compile_paper(latex_dir)
    assert result.ok, result.diagnostics
    assert [d for d in result.diagnostics if d.source == "bibtex"] == []


def test_the_same_paper_under_another_key_enters_once(tmp_path):
    bib = tmp_path / "references.bib"
    bib.write_text(
        "@article{lu2024aiscientist, title={The {AI} Scientist: Towards Fully Automated Open-Ended "
        "Scientific Discovery}, year={2024}, eprint={2408.06292}, archivePrefix={arXiv}}\n"
        "@inproceedings{power2022, title={Grokking: Generalization Beyond Overfitting}, year={2022}, "
        "doi={10.48550/arXiv.2201.02177}}\n"
    )
    merged = merge_into_file(
        bib,
        "@misc{Lu_2024, title={The AI Scientist: towards fully automated open-ended "
        "scientific discovery}, year={2024}}\n"
        "@article{x_arxiv, title={Another title entirely}, journal={arXiv:2408.06292v3}}\n"
        "@article{powergrok, title={Grokking}, doi={https://doi.org/10.48550/ARXIV.2201.02177}}\n"
        "@article{fresh, title={A genuinely different paper on sines}, year={2023}}\n",
    )
    keys = [e.key for e in parse_bib(bib.read_text()).entries]
    assert keys == ["lu2024aiscientist", "power2022", "fresh"]
    assert merged.renames == {
        "Lu_2024": "lu2024aiscientist",
        "x_arxiv": "lu2024aiscientist",
        "powergrok": "power2022",
    }
    assert any("already in the file as `lu2024aiscientist`" in n for n in merged.notes)
