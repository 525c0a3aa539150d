"""``aisci reproduce`` on a finished smoke-scale launch: every number the paper states comes back
from its run re-run from its recorded code, and a run whose recorded result was changed after
the fact is flagged (exit 1), through the real CLI, runs and sandbox."""

import json
import shutil

import pytest

from aisci.paper.reproduce import judge, plan
from aisci.paper.results_macros import results
from aisci.paper.run_values import collect
from tests.helpers import run_cli
from tests.paper.helpers import differing, edit_mean, idea_copy, report_of, reproduce
from tests.test_cycle_paper import ENV, deterministic_template, launch_args, only_idea_folder

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def launched(tmp_path_factory):
    root = tmp_path_factory.mktemp("reproduce")
    template = deterministic_template(root, "tiny")
    out = run_cli(*launch_args(template, root / "a")[3:], cwd=root, env=ENV, timeout=300)
    assert out.returncode == 0, out.stderr
    return only_idea_folder(root / "a", "tiny")


@pytest.fixture
def idea(launched, tmp_path):
    return idea_copy(launched, tmp_path)


def test_every_stated_number_reproduces(idea):
    tex = idea / "latex" / "template.tex"
    # A literal result beside the macros: the checker reads it as run_2's val_loss.
    value = json.loads((idea / "run_2" / "final_info.json").read_text())["sine"]["means"]
    text = tex.read_text().replace(
        "\\end{document}",
        f"The best variant reaches a val\\_loss of {value['val_loss']:.4f} (run\\_2).\n"
        "\\end{document}",
    )
    tex.write_text(text)
    out = reproduce(idea)
    assert out.returncode == 0, out.stdout + out.stderr
    report = report_of(idea)
    rows = report["rows"]
    assert report["ok"] and report["reran"] == ["run_0", "run_1", "run_2"]
    assert {r["status"] for r in rows} == {"reproduced"}
    calls = {r["text"] for r in rows}
    assert "\\res{run_0}{sine}{val_loss}" in calls and "\\respm{run_2}{sine}{val_loss}" in calls
    [literal] = [r for r in rows if not r["text"].startswith("\\")]
    assert literal["text"] == f"{value['val_loss']:.4f}" and literal["runs"] == ["run_2"]
    assert literal["reproduced"] == pytest.approx(value["val_loss"], rel=1e-6)
    # The runs went to the scratch folder, never into the idea's own run folders.
    work = idea / "reproduce" / next(p.name for p in (idea / "reproduce").iterdir())
    assert (work / "run_2" / "final_info.json").is_file()
    assert (work / "experiment.py").read_text() == (idea / "run_2.py").read_text()
    assert f"{len(rows)} of {len(rows)} stated numbers reproduced" in out.stdout


def test_an_edited_result_is_flagged(idea):
    edit_mean(idea, "run_2", "sine", "val_loss")
    out = reproduce(idea)
    assert out.returncode == 1, out.stdout + out.stderr
    rows = report_of(idea)["rows"]
    differs = differing(rows)
    assert "\\res{run_2}{sine}{val_loss}" in differs
    assert all(
        "run_2" in r["runs"] and "val_loss" in r["text"] for r in rows if r["text"] in differs
    )
    assert all(r["status"] == "reproduced" for r in rows if "run_2" not in r["runs"])
    assert "differs" in out.stdout


def test_runs_subset_leaves_the_others_not_re_run(idea):
    out = reproduce(idea, "--runs", "run_1")
    assert out.returncode == 0, out.stdout + out.stderr
    report = report_of(idea)
    assert report["reran"] == ["run_1"]
    [work] = (idea / "reproduce").iterdir()
    assert sorted(p.name for p in work.glob("run_*/")) == ["run_1"]
    statuses = {r["text"]: r["status"] for r in report["rows"]}
    assert statuses["\\res{run_1}{sine}{val_loss}"] == "reproduced"
    assert statuses["\\res{run_0}{sine}{val_loss}"] == "not re-run"


def test_bad_inputs_say_what_to_give(idea, tmp_path):
    out = reproduce(idea, "--runs", "run_9")
    assert out.returncode == 1 and "run_9" in out.stderr and "Choose among: run_0" in out.stderr
    out = reproduce(idea, "--runs", "best")
    assert out.returncode == 2 and "expected run names such as run_1,run_3" in out.stderr
    out = reproduce(tmp_path / "nothing")
    assert out.returncode == 1 and "is not an idea folder" in out.stderr


def write_run(folder, run, acc, stderr=None, seeds=1):
    data = {"d": {"means": {"acc": acc}, "final_info_dict": {"acc": [acc] * seeds}}}
    if stderr is not None:
        data["d"]["stderrs"] = {"acc": stderr}
    (folder / run).mkdir(parents=True)
    (folder / run / "final_info.json").write_text(json.dumps(data))


def test_seeds_allow_twice_their_stderr_and_a_best_needs_every_run(tmp_path):
    idea, again = tmp_path / "idea", tmp_path / "again"
    write_run(idea, "run_0", 0.5)
    write_run(idea, "run_1", 0.8, stderr=0.01, seeds=3)
    (idea / "latex").mkdir()
    (idea / "latex" / "template.tex").write_text(
        "\\begin{document}\nA \\res{run_1}{d}{acc}.\n\nBest \\resmax{d}{acc}.\n\\end{document}\n"
    )
    rows, seeds = plan(idea)
    assert seeds == {"run_0": None, "run_1": None}
    res, best = rows
    assert res.runs == ("run_1",) and res.tolerance == pytest.approx(0.02) and res.line == 2
    assert set(best.runs) == {"run_0", "run_1"} and best.tolerance is None
    write_run(again, "run_0", 0.5)
    write_run(again, "run_1", 0.815, stderr=0.01, seeds=3)  # 1.5 stderr away: within 2x
    judged = judge(rows, results(again), collect(again), 1e-6)
    assert [r.status for r in judged] == ["reproduced", "differs"]
    shutil.rmtree(again / "run_1")
    write_run(again, "run_1", 0.83, stderr=0.01, seeds=3)  # 3 stderr away
    judged = judge(rows, results(again), collect(again), 1e-6)
    assert [r.status for r in judged] == ["differs", "differs"]
