"""The editor's walks over the results folder survive what a run wrote there: a run folder
thousands of levels deep (Path.rglob recurses and ends in RecursionError) and links."""

from __future__ import annotations

import os

from aisci.execution import safefs
from aisci.lsp.locate import walk_results


def test_a_deep_run_folder_and_a_link_do_not_stop_the_walk(tmp_path):
    results = tmp_path / "results"
    idea = results / "grokking" / "20261207_000000_idea"
    (idea / "latex").mkdir(parents=True)
    (idea / "latex" / "template.tex").write_text("x")
    (idea / "cost.json").write_text("{}")
    (idea / "run_1").mkdir()
    (idea / "run_1" / "up").symlink_to(results)  # a loop if it were followed
    fd = os.open(idea / "run_1", os.O_RDONLY)
    try:
        for _ in range(1500):  # deeper than Python's recursion limit
            os.mkdir("d", dir_fd=fd)
            nxt = os.open("d", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = nxt
    finally:
        os.close(fd)
    try:
        found = {p.relative_to(results).as_posix() for p in walk_results(results)}
        assert "grokking/20261207_000000_idea/latex/template.tex" in found
        assert "grokking/20261207_000000_idea/cost.json" in found
        assert "grokking/20261207_000000_idea/run_1/up" in found  # listed, not followed
        assert max(p.count("/") for p in found) == 3  # four levels, then no deeper
        assert {p.relative_to(results).as_posix() for p in walk_results(results, 3)} == {
            p for p in found if p.count("/") <= 2
        }
    finally:
        safefs.remove(idea / "run_1")  # pytest's own cleanup recurses
