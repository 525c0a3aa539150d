"""Times each scale of each template on this machine.

    .venv/bin/python benchmarks/templates.py                      # smoke, every template
    .venv/bin/python benchmarks/templates.py --scales smoke,cpu --templates grokking

Each measurement is one real baseline run (experiment.py --out_dir=run_0 through aisci's
runner, in the sandbox) in a scratch folder; the table gives the wall time and the headline
metrics. `full` runs only where CUDA is available unless --allow-cpu-full is given. Record the
printed table in docs/templates.md with the machine it ran on.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import tempfile
from pathlib import Path

from aisci.core.folders import copy_template
from aisci.core.template import load_template
from aisci.execution.runner import run_experiment

ROOT = Path(__file__).resolve().parents[1]


def machine() -> str:
    cores = os.cpu_count()
    gpu = "no GPU"
    if shutil.which("nvidia-smi"):
        import subprocess

        out = subprocess.run(
            ["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
            capture_output=True,
            text=True,
        )
        gpu = (
            out.stdout.strip().splitlines()[0]
            if out.returncode == 0 and out.stdout.strip()
            else gpu
        )
    return f"{platform.processor() or platform.machine()}, {cores} cores, {gpu}, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scales", default="smoke")
    parser.add_argument(
        "--templates",
        default=",".join(
            sorted(
                p.name for p in (ROOT / "templates").iterdir() if (p / "experiment.py").is_file()
            )
        ),
    )
    parser.add_argument("--allow-cpu-full", action="store_true")
    parser.add_argument("--timeout", type=float, default=7200)
    args = parser.parse_args()
    has_cuda = bool(shutil.which("nvidia-smi"))
    print(f"machine: {machine()}")
    print(f"{'template':<16} {'scale':<6} {'seconds':>8}  result")
    for name in args.templates.split(","):
        template = load_template(ROOT / "templates" / name)
        for scale in args.scales.split(","):
            if scale == "full" and not has_cuda and not args.allow_cpu_full:
                print(f"{name:<16} {scale:<6} {'-':>8}  skipped: no CUDA GPU here")
                continue
            with tempfile.TemporaryDirectory(prefix=f"aisci-bench-{name}-") as tmp:
                folder = Path(tmp) / name
                copy_template(template, folder)
                result = run_experiment(folder, 0, scale=scale, timeout_s=args.timeout)
                if not result.ok:
                    print(
                        f"{name:<16} {scale:<6} {result.duration_s:8.1f}  FAILED: {result.summary(with_hint=False)}"
                    )
                    continue
                parts = []
                for dataset, means in result.final_info.means().items():
                    shown = ", ".join(f"{k}={v:.4g}" for k, v in list(means.items())[:3])
                    parts.append(f"{dataset}: {shown}")
                print(
                    f"{name:<16} {scale:<6} {result.duration_s:8.1f}  {'; '.join(parts)}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
