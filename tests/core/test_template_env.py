"""What a template needs from aisci's environment: missing imports, the advice for a run that
failed on one, and whether the template has scales."""

from aisci.core.template_env import (
    applied_scale,
    has_scales,
    missing_module_advice,
    unresolved_imports,
)
from tests.helpers import make_template

STDERR = """Traceback (most recent call last):
  File "/x/experiment.py", line 3, in <module>
    import einops.layers
ModuleNotFoundError: No module named 'einops'
"""


def test_a_missing_module_is_advice_to_install_not_to_fix_the_code():
    advice = missing_module_advice(STDERR)
    assert (
        "imports einops, which is not installed" in advice and "-m pip install 'einops'" in advice
    )
    assert "Fix experiment.py" not in advice and "not at fault" in advice
    assert "npeet is not on PyPI" in missing_module_advice(
        "ModuleNotFoundError: No module named 'npeet'"
    )
    assert missing_module_advice("ValueError: shapes do not match") is None
    assert missing_module_advice("") is None


def test_scales_are_found_in_experiment_py_or_its_own_modules(tmp_path):
    folder = make_template(tmp_path)
    assert has_scales(folder) and applied_scale(folder, "smoke") == "smoke"
    (folder / "experiment.py").write_text("import argparse\nimport config\nprint('--out_dir')\n")
    (folder / "config.py").write_text("import os\nSCALE = os.environ.get('AISCI_SCALE', 'cpu')\n")
    assert has_scales(folder)
    (folder / "config.py").write_text("SCALE = 'cpu'\n")
    (folder / "plot.py").write_text(
        "import os\nos.environ.get('AISCI_SCALE')\nlabels = {}\n"
    )  # not the experiment
    assert not has_scales(folder) and applied_scale(folder, "smoke") is None


def test_stdlib_own_modules_and_installed_packages_are_not_listed(tmp_path):
    folder = make_template(tmp_path)
    (folder / "experiment.py").write_text(
        "import os, json, numpy\nfrom . import sibling\nfrom mypkg.sub import thing\nimport helper\n"
        "import not_a_real_module_here.sub\n"
    )
    (folder / "helper.py").write_text("")
    (folder / "mypkg").mkdir()
    (folder / "mypkg" / "__init__.py").write_text("")
    assert [(m.module, m.file, m.line) for m in unresolved_imports(folder)] == [
        ("not_a_real_module_here", "experiment.py", 5)
    ]


def test_the_install_command_fits_how_aisci_was_installed():
    from aisci.core.template_env import install_command

    home = "/home/r/.local"
    assert install_command("torch==2.13.0", f"{home}/share/pipx/venvs/aisci", "x") == (
        "pipx inject aisci 'torch==2.13.0'"
    )
    uv = f"{home}/share/uv/tools/aisci"
    assert install_command("einops", uv, f"{uv}/bin/python") == (
        f"uv pip install --python {uv}/bin/python 'einops'"
    )
    venv = "/work/project/.venv"
    assert install_command("einops", venv, f"{venv}/bin/python", has_pip=True) == (
        f"{venv}/bin/python -m pip install 'einops'"
    )
    assert install_command("einops", venv, f"{venv}/bin/python", has_pip=False) == (
        f"{venv}/bin/python -m ensurepip && {venv}/bin/python -m pip install 'einops'"
    )
