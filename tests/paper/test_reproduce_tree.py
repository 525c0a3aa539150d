"""``aisci reproduce`` on a tree search's paper: the seed re-runs of the best variant are run again
with their ``AISCI_SEED`` and their mean compared (``\\resseeds``), and a wall-clock metric (the
scaffold's ``train_time``) is shown but never compared, unless the template's ``aisci.json``
declares otherwise. A smoke launch of the tiny template: 2 nodes and 2 seeds, seconds."""

import json

import pytest

from aisci.paper.reproduce import WALL_CLOCK
from tests.helpers import make_template, run_cli
from tests.paper.helpers import idea_copy, report_of, reproduce
from tests.test_cycle_paper import launch_args

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def searched(tmp_path_factory):
    root = tmp_path_factory.mktemp("tree")
    template = make_template(root)  # the scaffold as it ships: its train_time is wall-clock
    out = run_cli(
        *launch_args(template, root / "results")[3:],
        *("--search", "tree", "--max-nodes", "2", "--seeds", "2"),
        cwd=root,
        env={"AISCI_CACHE_DIR": str(root / "cache")},
    )
    assert out.returncode == 0, out.stdout + out.stderr
    [folder] = (root / "results" / "tiny").glob("*_search_tiny")
    return folder


@pytest.fixture
def idea(searched, tmp_path):
    return idea_copy(searched, tmp_path)


def val_loss(run_folder):
    return json.loads((run_folder / "final_info.json").read_text())["sine"]["means"]["val_loss"]


def test_the_seed_re_runs_are_run_again_with_their_seeds(idea):
    conf = json.loads((idea / "tree.json").read_text())["confirmation"]
    seed_runs, best = conf["runs"], conf["run"]
    assert len(seed_runs) == 2 and conf["seeds"] == [1, 2]
    # Each seed gives its own value: a re-run without its AISCI_SEED would give the best run's.
    originals = [val_loss(idea / run) for run in [best, *seed_runs]]
    assert len(set(originals)) == 3
    out = reproduce(idea)
    assert out.returncode == 0, out.stdout + out.stderr
    report = report_of(idea)
    assert set(seed_runs) <= set(report["reran"]) and report["ok"]
    work = idea / "reproduce" / next(p.name for p in (idea / "reproduce").iterdir())
    for run in seed_runs:
        assert val_loss(work / run) == val_loss(idea / run)
    rows = {r["text"]: r for r in report["rows"]}
    mean = rows["\\resseeds{sine}{val_loss}{mean}"]
    assert mean["runs"] == seed_runs and mean["status"] == "reproduced"
    assert mean["original"] == pytest.approx(conf["mean"], rel=1e-12)
    assert mean["reproduced"] == pytest.approx(conf["mean"], rel=1e-9)
    assert rows["\\resseeds{sine}{val_loss}{std}"]["status"] == "reproduced"
    # The clock's numbers are re-measured and shown, neither reproduced nor a failure.
    clock = [r for r in report["rows"] if r["metric"] == "train_time"]
    assert clock and all(r["status"] == WALL_CLOCK and r["reproduced"] is not None for r in clock)
    assert all(r["status"] == "reproduced" for r in report["rows"] if r["metric"] != "train_time")
    assert "\\resseeds{sine}{train_time}{mean}" in {r["text"] for r in clock}
    assert f"{len(clock)} of them wall-clock, not comparable" in out.stdout
    assert report["wall_clock_rule"].startswith("by name")


def test_only_the_seed_runs(idea):
    runs = json.loads((idea / "tree.json").read_text())["confirmation"]["runs"]
    out = reproduce(idea, "--runs", ",".join(runs))
    assert out.returncode == 0, out.stdout + out.stderr
    report = report_of(idea)
    assert report["reran"] == runs
    statuses = {r["text"]: r["status"] for r in report["rows"]}
    assert statuses["\\resseeds{sine}{val_loss}{mean}"] == "reproduced"
    assert statuses["\\res{run_0}{sine}{val_loss}"] == "not re-run"


def test_a_template_that_declares_no_wall_clock_metric_compares_train_time(idea):
    path = idea / "aisci.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), "wall_clock": []}))
    out = reproduce(idea, "--runs", "run_0")
    assert out.returncode == 1, out.stdout + out.stderr
    report = report_of(idea)
    assert report["wall_clock_rule"] == "declared in aisci.json: none"
    statuses = {r["text"]: r["status"] for r in report["rows"]}
    assert statuses["\\respm{run_0}{sine}{train_time}"] == "differs"
    assert statuses["\\respm{run_0}{sine}{val_loss}"] == "reproduced"
    assert WALL_CLOCK not in statuses.values()
