import json

from aisci.core.folders import create_idea_folder, find_idea_folders
from aisci.core.ideas import Idea
from aisci.core.state import State
from aisci.core.template import load_template
from tests.helpers import make_template


def test_idea_folder_layout(tmp_path):
    template = load_template(make_template(tmp_path))
    (
        template.path / "run_0"
    ).mkdir()  # an original-style template carries its own run_0: not copied
    baseline = tmp_path / "b" / "run_0"
    baseline.mkdir(parents=True)
    (baseline / "final_info.json").write_text('{"d": {"means": {"acc": 1}}}')
    idea = Idea("Faster_Thing", "T", "E", 5, 5, 5)
    folder = create_idea_folder(tmp_path / "results", template, idea, baseline, now=0)
    assert folder.parent == tmp_path / "results" / "tiny"
    assert (
        folder.name.endswith("_faster_thing")
        and folder.name[:8].isdigit()
        and folder.name[8] == "_"
    )
    assert (folder / "experiment.py").is_file() and (folder / "latex" / "template.tex").is_file()
    assert json.loads((folder / "run_0" / "final_info.json").read_text())["d"]["means"]["acc"] == 1
    assert json.loads((folder / "idea.json").read_text())["Name"] == "Faster_Thing"
    assert State.load(folder).is_done("created")
    assert find_idea_folders(tmp_path / "results", "tiny") == [folder]
    assert not list(folder.parent.glob("*.partial"))
