"""``aisci doctor``: what this machine has, one line per check, with the fix for each failure."""

from __future__ import annotations

import importlib.metadata as md
import os
import shutil
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass

from aisci.core import catalog, shipped
from aisci.core.template_env import install_command
from aisci.errors import AisciError
from aisci.execution.probes import probe_boundary
from aisci.execution.ray_executor import connect, import_ray
from aisci.execution.runner import data_dir

PACKAGES = (
    "aider-chat",
    "litellm",
    "pygls",
    "lsprotocol",
    "torch",
    "matplotlib",
    "watchdog",
    "pylatexenc",
    "numpy",
)
TOOLS = {  # command -> Debian package
    "pdflatex": "texlive-latex-base",
    "bibtex": "texlive-latex-base",
    "latexmk": "latexmk",
    "chktex": "chktex",
    "pdftotext": "poppler-utils",
    "pdftoppm": "poppler-utils",
}
API_KEYS = (
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "GEMINI_API_KEY",
    "DEEPSEEK_API_KEY",
    "OPENROUTER_API_KEY",
    "S2_API_KEY",
    "OPENALEX_API_KEY",
)
LITERATURE_APIS = {  # name -> (env override, default base, a cheap query path)
    "Semantic Scholar": (
        "AISCI_S2_API_URL",
        "https://api.semanticscholar.org/graph/v1",
        "/paper/search?query=grokking&limit=1&fields=title",
    ),
    "OpenAlex": (
        "AISCI_OPENALEX_API_URL",
        "https://api.openalex.org",
        "/works?search=grokking&per_page=1",
    ),
    "arXiv": (
        "AISCI_ARXIV_API_URL",
        "http://export.arxiv.org/api",
        "/query?search_query=all:grokking&max_results=1",
    ),
}


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # "ok", "warn", "FAIL", "info"
    detail: str
    fix: str = ""

    def line(self) -> str:
        text = f"{self.status:<4}  {self.name:<22} {self.detail}"
        return text + (f"  -> {self.fix}" if self.fix and self.status in ("FAIL", "warn") else "")


def run_checks(
    offline: bool = False, sandbox: str = "auto", ray_address: str | None = None
) -> list[Check]:
    checks = [
        Check(
            "python",
            "ok" if (3, 10) <= sys.version_info[:2] < (3, 13) else "FAIL",
            sys.version.split()[0],
            "use Python 3.10-3.12",
        )
    ]
    for package in PACKAGES:
        try:
            checks.append(Check(package, "ok", md.version(package)))
        except md.PackageNotFoundError:
            fix = torch_install() if package == "torch" else "run: make setup"
            checks.append(Check(package, "FAIL", "not installed", fix))
    checks.append(_torch())
    for tool, debian in TOOLS.items():
        path = shutil.which(tool)
        checks.append(
            Check(tool, "ok", path)
            if path
            else Check(
                tool, "FAIL", "not found", f"apt-get install {debian} (or: make setup as root)"
            )
        )
    checks += _sandbox(sandbox)
    if ray_address is not None:
        checks += _cluster(ray_address)
    checks += _data()
    for key in API_KEYS:
        checks.append(Check(key, "info", "set" if os.environ.get(key) else "not set"))
    if offline:
        checks.append(Check("literature APIs", "info", "not contacted (--offline)"))
    else:
        checks += [_api(name, *spec) for name, spec in LITERATURE_APIS.items()]
    return checks


def _torch() -> Check:
    try:
        # deferred: torch is an optional extra and takes ~1 s to import
        import torch
    except ImportError as e:
        return Check("torch/CUDA", "FAIL", f"torch does not import: {e}", torch_install())
    if torch.cuda.is_available():
        return Check(
            "torch/CUDA",
            "ok",
            f"CUDA {torch.version.cuda}, {torch.cuda.device_count()} GPU(s): "
            f"{torch.cuda.get_device_name(0)}",
        )
    return Check("torch/CUDA", "info", "no CUDA GPU: templates run at --scale smoke or cpu")


def torch_install() -> str:
    """The command that installs the torch of aisci's ``torch`` extra into this interpreter."""
    pin = "torch"
    try:
        requires = md.requires("aisci") or []
    except md.PackageNotFoundError:
        requires = []
    for line in requires:
        if line.startswith("torch") and 'extra == "torch"' in line:
            pin = line.split(";")[0].strip()
    return (
        f"run: {install_command(pin)} (the CPU build on Linux: add "
        "--index-url https://download.pytorch.org/whl/cpu)"
    )


def _data() -> list[Check]:
    """Each data set a shipped template reads: prepared in the data folder, or the command."""
    checks = []
    for name in shipped.NAMES:
        if shipped.find(name) is None:
            checks.append(
                Check(
                    f"template {name}",
                    "FAIL",
                    f"missing from {shipped.root()}",
                    "reinstall aisci from its wheel",
                )
            )
            continue
        for data_set in catalog.describe(name).data:
            folder = data_dir() / data_set
            checks.append(
                Check(f"data {data_set}", "ok", str(folder))
                if catalog.data_prepared(data_set)
                else Check(
                    f"data {data_set}",
                    "warn",
                    f"not prepared in {folder} (template {name} needs it)",
                    f"run: aisci data {name}",
                )
            )
    return checks


def _sandbox(sandbox: str = "auto") -> list[Check]:
    """The boundary as probes measured it in a real run, one line per property."""

    try:
        found = probe_boundary(sandbox)
    except AisciError as e:
        return [Check("sandbox", "FAIL", e.message, e.hint or "")]
    return [
        Check(
            f"boundary {p.name}",
            "ok" if p.enforced else "FAIL",
            ("enforced: " if p.enforced else "NOT enforced: ") + p.detail,
            "runs are not isolated in this respect; see docs/security.md",
        )
        for p in found
    ]


def _cluster(address: str) -> list[Check]:
    """Each node of the Ray cluster: its CPUs and GPUs, whether its sandbox works, its data sets."""

    try:
        connect(address)
    except AisciError as e:
        return [Check("ray cluster", "FAIL", e.message, e.hint or "")]
    ray = import_ray()
    # deferred: ray is an optional extra (the cluster executor)
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    # deferred: ray_tasks imports ray, an optional extra
    from aisci.execution import ray_tasks

    probe = ray.remote(ray_tasks.probe_node)
    nodes = [n for n in ray.nodes() if n.get("Alive")]
    checks = [
        Check(
            "ray cluster", "ok", f"{len(nodes)} node(s) at {ray.get_runtime_context().gcs_address}"
        )
    ]
    for node in nodes:
        res = node.get("Resources", {})
        strategy = NodeAffinitySchedulingStrategy(node["NodeID"], soft=False)
        try:
            seen = ray.get(
                probe.options(num_cpus=0, scheduling_strategy=strategy).remote(), timeout=60
            )
        except Exception as e:  # a node that cannot run a task is exactly what this check reports
            checks.append(
                Check(
                    f"node {node['NodeID'][:8]}",
                    "FAIL",
                    f"did not answer a probe task: {e}",
                    "check the node's raylet log",
                )
            )
            continue
        sandbox_ok = seen["sandbox"] == "ok"
        detail = (
            f"{seen['where']}: {res.get('CPU', 0):g} CPU, {res.get('GPU', 0):g} GPU; sandbox "
            f"{'works' if sandbox_ok else 'FAILS: ' + seen['sandbox']}; data sets: "
            f"{', '.join(seen['data']) or 'none'} in {seen['data_dir']}; TeX "
            f"{'present' if seen['tex'] else 'absent'} (needed on the driver only)"
        )
        checks.append(
            Check(
                f"node {node['NodeID'][:8]}",
                "ok" if sandbox_ok else "FAIL",
                detail,
                "install bubblewrap on that node (apt-get install bubblewrap)",
            )
        )
    ray.shutdown()
    return checks


def _api(name: str, env: str, default: str, query: str) -> Check:
    base = os.environ.get(env, default).rstrip("/")
    request = urllib.request.Request(base + query, headers={"User-Agent": "aisci-doctor"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return Check(name, "ok", f"{base} answers (HTTP {response.status})")
    except urllib.error.HTTPError as e:
        status = "warn" if e.code in (401, 403, 429) else "FAIL"
        return Check(
            name,
            status,
            f"{base} answers HTTP {e.code}",
            f"set an API key ({'S2_API_KEY' if 'Scholar' in name else 'OPENALEX_API_KEY' if 'Alex' in name else 'none needed'}) or wait; searches fall back to other sources",
        )
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", e)
        return Check(
            name,
            "warn",
            f"{base} does not answer ({reason})",
            "searches fall back to other sources and the local corpus (references/)",
        )
