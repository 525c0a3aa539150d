"""aider stays silent (stdout is the language server's protocol) and offline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from tests.coder.helpers import search_replace

REPO = Path(__file__).resolve().parents[2]

# Runs a propose that succeeds, one that never matches, a refused one and a failed call, in
# a fresh process (aider's first import included), and reports what it got in a JSON file.
SCRIPT = textwrap.dedent("""
    import json, os, sys
    from pathlib import Path
    from aisci.coder import AiderCoder, EditFailed, EditRefused
    from aisci.llm import RetryPolicy

    folder = Path(sys.argv[1])
    coder = AiderCoder("openai/fake-model", api_base=os.environ["FAKE_BASE_URL"], api_key="sk-fake",
                       max_reflections=1, retry=RetryPolicy(max_attempts=1))
    out = {}
    out["good"] = coder.propose(folder, ["experiment.py"], "Lower the rate.").proposed
    out["no_match"] = coder.propose(folder, ["experiment.py"], "Lower the rate.").error
    for name in ("refused", "failed"):
        try:
            coder.propose(folder, ["experiment.py"], "Lower the rate.")
        except (EditRefused, EditFailed) as err:
            out[name] = type(err).__name__
    Path(sys.argv[2]).write_text(json.dumps(out))
""")


def test_nothing_reaches_stdout_or_stderr_in_a_fresh_process(tmp_path, idea, fake_openai):
    from tests.fakes.openai_server import Error

    good = search_replace("experiment.py", "EPOCHS = 3\n", "EPOCHS = 4\n")
    bad = search_replace("experiment.py", "EPOCHS = 99\n", "EPOCHS = 4\n")
    outside = search_replace("../outside.py", "", "x = 1\n")
    fake_openai.script([good, bad, bad, outside, Error(503)])
    report = tmp_path / "report.json"
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.update(
        HOME=str(tmp_path / "home"),
        FAKE_BASE_URL=fake_openai.base_url,
        PYTHONPATH=str(REPO / "server"),
        TERM="xterm-256color",
    )
    env.pop("LITELLM_LOCAL_MODEL_COST_MAP", None)  # the coder must set up litellm itself
    env.pop("LITELLM_OFFLINE_MODE", None)
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(idea), str(report)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr == ""
    got = json.loads(report.read_text())
    assert "EPOCHS = 4\n" in got["good"]["experiment.py"]
    assert "did not match" in got["no_match"]
    assert (got["refused"], got["failed"]) == ("EditRefused", "EditFailed")
    assert list((tmp_path / "home").iterdir()) == []  # no analytics, no metadata cache


def test_no_download_no_home_files_and_little_overhead(
    idea, make_coder, fake_openai, _scratch_home, lookups
):
    good = search_replace("experiment.py", "EPOCHS = 3\n", "EPOCHS = 4\n")
    fake_openai.default = good
    # A model litellm knows, whose aider settings name a weak model: neither may be looked up.
    for model in ("openai/fake-model", "gpt-4o"):
        coder = make_coder(model=model)
        coder.propose(idea, ["experiment.py"], "Train longer.")  # the first one pays for imports
        start = time.perf_counter()
        edit = coder.propose(idea, ["experiment.py"], "Train longer.")
        elapsed = time.perf_counter() - start
        assert edit.ok and edit.changed_files == ("experiment.py",)
        assert elapsed < 2.0, f"{model}: a propose took {elapsed:.2f} s against a local server"
    assert list(_scratch_home.iterdir()) == []
    assert lookups == []
    # gpt-4o has a price: its usage has a cost.
    assert edit.usage.cost_usd is not None and edit.usage.cost_usd > 0
