"""Paper records and the BibTeX built for them."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from aisci.literature.bibparse import parse_bibtex
from aisci.literature.paper import Paper, bibtex_key, build_bibtex, repair_bibtex


def test_key_is_ascii_lastname_year_first_word():
    assert bibtex_key(("Ľudovít Ørsted",), 2024, "The Ånswer to Grokking") == "orsted2024answer"
    assert bibtex_key(("Power, Alethea",), 2022, "Grokking: beyond") == "power2022grokking"
    assert bibtex_key((), None, "On the") == "anonndon"


def test_title_special_characters_are_escaped():
    entry = build_bibtex("Loss & accuracy: 100% of $x_1$ ~ {done} #1", ("A B",), 2020)
    assert r"Loss \& accuracy: 100\% of \$x\_1\$ \textasciitilde{} \{done\} \#1" in entry
    [parsed] = parse_bibtex(entry)
    assert parsed.entry_type == "misc" and parsed.key == "b2020loss"
    assert parsed.fields["title"].startswith("{Loss")


def test_null_and_empty_fields_are_unknown_not_errors():
    paper = Paper.from_parts(
        title="  A   title ",
        authors=[None, "", "X Y"],
        venue="",
        year=None,
        abstract=None,
        citation_count=None,
        source="openalex",
    )
    assert (paper.title, paper.authors, paper.venue, paper.year) == (
        "A title",
        ("X Y",),
        None,
        None,
    )
    text = Paper.from_parts(
        title=None,
        authors=None,
        venue=None,
        year="n.d.",
        abstract="",
        citation_count="x",
        source="local",
    ).describe()
    assert "unknown authors" in text and "unknown venue" in text and "unknown year" in text
    assert "citations: unknown" in text and "Abstract: unknown" in text


def test_repair_semantic_scholar_entry_types():
    fixed = repair_bibtex(
        "@['JournalArticle', 'Conference']{León2022COVID-19CA,\n title = {X},\n year = {2022}\n}\n"
    )
    assert fixed.startswith("@article{Leon2022COVID-19CA,")
    assert repair_bibtex("@None{K1,\n title = {X}\n}").startswith("@misc{K1,")
    assert repair_bibtex("@['Conference']{K2,\n title = {X}\n}").startswith("@inproceedings{K2,")
    assert repair_bibtex("") is None and repair_bibtex("@article{,}") is None


def test_round_trip_through_dict():
    paper = Paper.from_parts(
        title="T",
        authors=["A B"],
        venue="V",
        year=2020,
        abstract="x",
        citation_count=3,
        source="arxiv",
        identifier="2001.1",
        url="u",
    )
    assert Paper.from_dict(paper.to_dict()) == paper


@pytest.mark.skipif(shutil.which("bibtex") is None, reason="needs TeX Live's bibtex")
def test_built_entries_pass_real_bibtex(tmp_path):
    entries = [
        build_bibtex("Grokking & 100% {accuracy}", ("Ľudovít Ørsted", "B. C"), 2024, "J_1 #2"),
        build_bibtex(
            "No authors",
            (),
            None,
            entry_type="misc",
            extra={
                "eprint": "2201.02177",
                "archivePrefix": "arXiv",
                "url": "https://arxiv.org/abs/2201.02177",
            },
        ),
        repair_bibtex(
            "@['JournalArticle']{Power2022GrokkingGB,\n author = {Alethea Power},\n "
            "journal = {ArXiv},\n title = {Grokking},\n year = {2022}\n}\n"
        ),
    ]
    (tmp_path / "refs.bib").write_text("\n".join(entries), encoding="utf-8")
    (tmp_path / "paper.aux").write_text("\\citation{*}\n\\bibdata{refs}\n\\bibstyle{plain}\n")
    done = subprocess.run(
        ["bibtex", "paper"], cwd=tmp_path, capture_output=True, text=True, timeout=30
    )
    log = (tmp_path / "paper.blg").read_text()
    assert done.returncode == 0, log
    assert "Warning--" not in log and "error message" not in log, log
    bbl = (tmp_path / "paper.bbl").read_text()
    assert "orsted2024grokking" in bbl and "Power2022GrokkingGB" in bbl
