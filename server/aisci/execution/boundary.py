"""What a run may use and what it really had: ``Limits`` (a run's resource limits, raised by a
template's aisci.json) and ``Boundary`` (the isolation a run really had, recorded in its state and
stated in papers and reports, never more than was enforced). Values only: the sandbox that
enforces them is sandbox.py, the control groups cgroups.py.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Limits:
    """Resource limits of one run; a template raises them in its aisci.json (``limits``)."""

    processes: int = 256  # processes and threads, beyond those its uid already has
    # Per run where a cgroup bounds it (cgroups.py), else each process's RLIMIT_DATA; also the
    # size of each of the run's private tmpfs (/tmp, /var/tmp, /dev/shm).
    memory_mb: int = 8192
    file_size_mb: int = 2048  # the largest file it may write
    log_mb: int = 10  # each of stdout.log and stderr.log; the rest is cut, and marked

    def rlimits(self, existing_processes: int) -> dict[str, int]:
        return {
            "RLIMIT_NPROC": existing_processes + self.processes,
            "RLIMIT_DATA": self.memory_mb << 20,
            "RLIMIT_FSIZE": self.file_size_mb << 20,
            "RLIMIT_CORE": 0,
        }


@dataclass(frozen=True)
class Boundary:
    """What a run really had: recorded in its state, stated in papers and reports."""

    sandbox: str  # "bwrap" or "none"
    user: str  # who the run's code ran as
    network: str  # "none" or "host"
    writable: tuple[str, ...]  # the only paths it could write (bwrap)
    devices: tuple[str, ...]  # device nodes beyond the minimal /dev
    env: tuple[str, ...]  # the names of its environment variables
    limits: dict = field(default_factory=dict)
    timeout_s: float | None = None
    syscall_filter: str = ""  # "seccomp" or "none"; "" in records made before it was recorded
    user_namespace: str = ""  # "own": a user namespace per run; "" when not recorded

    @classmethod
    def from_dict(cls, data: dict) -> Boundary:
        return cls(
            sandbox=data.get("sandbox", "?"),
            user=data.get("user", "?"),
            network=data.get("network", "?"),
            writable=tuple(data.get("writable", ())),
            devices=tuple(data.get("devices", ())),
            env=tuple(data.get("env", ())),
            limits=dict(data.get("limits") or {}),
            timeout_s=data.get("timeout_s"),
            syscall_filter=str(data.get("syscall_filter") or ""),
            user_namespace=str(data.get("user_namespace") or ""),
        )

    def to_dict(self) -> dict:
        data = asdict(self)
        data["writable"], data["devices"], data["env"] = (
            list(self.writable),
            list(self.devices),
            list(self.env),
        )
        return data

    def describe(self) -> str:
        """One sentence for a paper or a report, saying exactly what was enforced."""
        lim = self.limits
        # A record without a scope predates cgroups: its bound was RLIMIT_DATA, per process.
        per_run = str(lim.get("memory_scope", "")).startswith("per run")
        scope = "per run" if per_run else "per process"
        limits = (
            f"at most {lim.get('memory_mb')} MB of memory {scope}, {lim.get('processes')} processes, "
            f"{lim.get('file_size_mb')} MB per file"
            if lim
            else "no resource limits"
        )
        timeout = f" and a {self.timeout_s:g} s time limit" if self.timeout_s else ""
        if self.sandbox == "none":
            return (
                f"Runs were not isolated (sandbox none): they ran as {self.user} with the host's network and "
                f"file system, with {limits}{timeout}."
            )
        # Only what the record says it had: older records name neither the namespace nor a filter.
        own = " in a user namespace of its own" if self.user_namespace == "own" else ""
        calls = (
            ", behind a seccomp filter denying kernel keyrings, new user namespaces, ptrace, "
            "bpf, perf events and mounts"
            if self.syscall_filter == "seccomp"
            else ""
        )
        user = self.user.split(" in a user namespace")[0] if own else self.user
        return (
            f"Each run executed in a bubblewrap sandbox as {user}{own}, without capabilities or "
            f"network{calls}, seeing the system read-only and writing only its own run folder, "
            f"with {limits}{timeout}."
        )


def describe_boundaries(recorded: list[dict | None]) -> str:
    """One sentence on the boundaries runs recorded: the same for all, or that they differed."""
    if not recorded or any(not b for b in recorded):
        return "How the runs were isolated was not recorded."
    sentences = {Boundary.from_dict(b).describe() for b in recorded if b}
    if len(sentences) == 1:
        return sentences.pop()
    kinds = ", ".join(sorted({str(b.get("sandbox")) for b in recorded if b}))
    return f"Runs had different boundaries ({kinds}); each run's record in state.json says which it had."
