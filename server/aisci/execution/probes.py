"""Measure the run boundary instead of claiming it: ``aisci doctor`` runs these probes.

A probe run is a real run through ``run_script`` with the settings every run gets (the same
sandbox, limits, environment). Its code tries what hostile code would try and reports what
happened; aisci then checks, from outside, what changed. Each property is reported as
enforced or not, with what was seen.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from aisci.errors import AisciError
from aisci.execution import host_keys, safefs
from aisci.execution import sandbox as sandboxes
from aisci.execution.memory_probe import probe_memory
from aisci.execution.runner import read_final_info, run_script

_PROBE = r"""
import json, os, resource, socket, stat, subprocess, sys
out, spec = sys.argv[1], json.loads(sys.argv[2])
res = {}
def attempt(fn):
    try:
        fn(); return "allowed"
    except Exception as e:
        return type(e).__name__
s = socket.socket(); s.settimeout(2)
res["net_connect"] = attempt(lambda: s.connect(("127.0.0.1", spec["port"])))
res["interfaces"] = [name for _, name in socket.if_nameindex()]
res["write_folder"] = attempt(lambda: open("probe-escape.txt", "w").write("x"))
res["write_outside"] = attempt(lambda: open(spec["outside"], "w").write("x"))
res["write_run"] = attempt(lambda: open(os.path.join(out, "ok.txt"), "w").write("x"))
status = open("/proc/self/status").read()
res["cap_eff"] = [l.split()[1] for l in status.splitlines() if l.startswith("CapEff")][0]
res["uid"] = os.getuid()
res["block_devices"] = sorted(n for n in os.listdir("/dev") if stat.S_ISBLK(os.lstat("/dev/" + n).st_mode))
res["dev"] = sorted(os.listdir("/dev"))
res["run_visible"] = os.path.exists("/run") or os.path.exists("/var/run")
u = socket.socket(socket.AF_UNIX)
res["unix_socket"] = attempt(lambda: u.connect(spec["socket"]))
a = socket.socket(socket.AF_UNIX)
res["abstract_socket"] = attempt(lambda: a.connect("\0" + spec["abstract"]))
res["env"] = sorted(os.environ)
res["canary"] = os.environ.get(spec["canary"])
res["limits"] = {n: resource.getrlimit(getattr(resource, n))[0] for n in ("RLIMIT_NPROC", "RLIMIT_DATA", "RLIMIT_FSIZE")}
try:
    res["sys_net"] = sorted(os.listdir("/sys/class/net"))
except OSError:
    res["sys_net"] = []
res["userns"] = os.readlink("/proc/self/ns/user")
res["seccomp"] = [l.split()[1] for l in status.splitlines() if l.startswith("Seccomp:")][0]
import ctypes, errno
libc = ctypes.CDLL(None, use_errno=True)
NR = {"x86_64": dict(add_key=248, keyctl=250, bpf=321, perf_event_open=298, userfaultfd=323, clone3=435),
      "aarch64": dict(add_key=217, keyctl=219, bpf=280, perf_event_open=241, userfaultfd=282, clone3=435)}.get(os.uname().machine, {})
def answer(rc):
    return "allowed" if rc >= 0 else errno.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno()))
def call(name, *a):
    return answer(libc.syscall(NR[name], *a)) if name in NR else "not tried"
C = ctypes.c_int
calls = res["calls"] = {}
calls["add_key"] = call("add_key", b"user", spec["run_key"].encode(), b"x", ctypes.c_size_t(1), C(-4))
res["host_key"] = call("keyctl", C(10), C(-4), b"user", spec["host_key"].encode(), C(0))
calls["keyctl"] = call("keyctl", C(0), C(-4), C(0))
pid = os.fork()  # in a child: where it works, the namespace must not change this process
if pid == 0:
    os._exit(0 if libc.unshare(C(0x10000000)) == 0 else ctypes.get_errno())
code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
calls["unshare(CLONE_NEWUSER)"] = "allowed" if code == 0 else errno.errorcode.get(code, str(code))
calls["clone3"] = call("clone3", None, ctypes.c_size_t(0))
sibling = subprocess.Popen(["sleep", "30"])
calls["ptrace"] = answer(libc.ptrace(C(16), C(sibling.pid), None, None))
sibling.kill(); sibling.wait()
calls["bpf"] = call("bpf", C(0), None, C(0))
calls["perf_event_open"] = call("perf_event_open", None, C(0), C(-1), C(-1), C(0))
calls["userfaultfd"] = call("userfaultfd", C(0))
# a file system type that does not exist: where mount is allowed it fails later (ENODEV)
calls["mount"] = answer(libc.mount(b"none", out.encode(), b"aisci-none", ctypes.c_ulong(0), None))
subprocess.Popen(["sleep", "300", spec["token"]], start_new_session=True)
os.symlink(spec["secret"], os.path.join(out, "final_info.json"))
print(json.dumps(res))
"""


@dataclass(frozen=True)
class Property:
    name: str
    enforced: bool
    detail: str


def _alive(token: str) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    if token.encode() in f.read():
                        found.append(int(entry))
            except OSError:
                continue
    return found


def probe_boundary(sandbox: str = "auto", python: str | None = None) -> list[Property]:
    """Run the probe in the sandbox ``sandbox`` resolves to; every property, measured."""
    with tempfile.TemporaryDirectory(prefix="aisci-probe-") as scratch:
        root = Path(scratch)
        folder, run = root / "idea", root / "idea" / "run_1"
        run.mkdir(parents=True)
        (folder / "probe.py").write_text(_PROBE, encoding="utf-8")
        secret = root / "secret.txt"
        secret.write_text('{"d": {"means": {"leak": 1}}}', encoding="utf-8")
        outside = root / "outside.txt"
        listener = socket.socket(socket.AF_UNIX)
        listener.bind(str(root / "host.sock"))
        listener.listen(1)
        abstract_name = f"aisci-probe-{uuid.uuid4().hex}"
        abstract = socket.socket(socket.AF_UNIX)
        abstract.bind("\0" + abstract_name)
        abstract.listen(1)
        tcp = socket.socket()
        tcp.bind(
            ("127.0.0.1", 0)
        )  # the host's loopback: a run with its own network cannot reach it
        tcp.listen(1)
        canary = "AISCI_PROBE_TOKEN"
        token = f"aisci-probe-{uuid.uuid4().hex}"
        # The uid a run has on the host: its keyring must hold nothing from the run, and the
        # run must find nothing of it (host_keys.py).
        drop = os.geteuid() == 0 and sandboxes.resolve(sandbox) == "bwrap"
        host_key = f"aisci-host-{uuid.uuid4().hex}"
        host_serial = host_keys.add(host_key, drop) if host_keys.supported() else -1
        spec = {
            "port": tcp.getsockname()[1],
            "outside": str(outside),
            "socket": str(root / "host.sock"),
            "abstract": abstract_name,
            "canary": canary,
            "token": token,
            "secret": str(secret),
            "host_key": host_key,
            "run_key": f"aisci-run-{uuid.uuid4().hex}",
        }
        os.environ[canary] = "probe-secret-value"
        try:
            outcome = run_script(
                folder,
                [python or sys.executable, "probe.py", "run_1", json.dumps(spec)],
                log_dir=run,
                timeout_s=60,
                sandbox=sandbox,
                writable=(run,),
            )
        finally:
            if host_serial > 0:
                host_keys.remove(host_serial, drop)
            os.environ.pop(canary, None)
            listener.close()
            abstract.close()
            tcp.close()
        text = (
            safefs.read_text(run / "stdout.log", root=folder, errors="replace").strip().splitlines()
        )
        if outcome.exit_code != 0 or not text:
            err = safefs.read_tail(run / "stderr.log", 400, root=folder)
            raise AisciError(
                f"The boundary probe did not run (exit {outcome.exit_code}): {err.strip()}",
                "Run aisci doctor --debug and report the output.",
            )
        seen = json.loads(text[-1])
        try:
            read_final_info(folder, "run_1")
            link_refused, link_detail = False, "a link planted as final_info.json was followed"
        except safefs.UnsafePathError:
            link_refused, link_detail = (
                True,
                "a link planted as final_info.json was refused by name",
            )
        survivors = _alive(token)
        for pid in survivors:
            with contextlib.suppress(OSError):
                os.kill(pid, 9)
        b = outcome.boundary
        memory_per_run, memory_seen = probe_memory(sandbox, python)
        lim = seen["limits"]
        run_key_on_host = host_keys.find(spec["run_key"], drop) if host_keys.supported() else -1
        if run_key_on_host > 0:
            host_keys.remove(run_key_on_host, drop)
        owner = os.stat(run / "ok.txt").st_uid if (run / "ok.txt").exists() else None
        own_ns = seen["userns"] != os.readlink("/proc/self/ns/user")
        calls = seen["calls"]
        host_names = [n for n in seen["sys_net"] if n != "lo"]
        finite = all(v not in (-1, None) and v < 2**62 for v in lim.values())
        return [
            Property("sandbox", b.sandbox == "bwrap", f"{b.sandbox}, runs as {b.user}"),
            Property(
                "network",
                seen["net_connect"] != "allowed"
                and seen["interfaces"] == ["lo"]
                and not host_names,
                f"connect to the host's 127.0.0.1: {seen['net_connect']}; interfaces: "
                f"{', '.join(seen['interfaces'])}; /sys/class/net lists: "
                f"{', '.join(seen['sys_net']) or 'nothing'}",
            ),
            Property(
                "namespace",
                own_ns and owner not in (None, 0),
                f"{'its own' if own_ns else 'the host one'} ({seen['userns']}); "
                f"a file it wrote belongs to uid {owner} on the host",
            ),
            Property(
                "keyring",
                calls["add_key"] != "allowed"
                and seen["host_key"] != "allowed"
                and run_key_on_host <= 0,
                f"adding a key in the run: {calls['add_key']}; a key of the run's host uid, found "
                f"from the run: {seen['host_key']}; the run's key, found from the host as that "
                f"uid: {'yes' if run_key_on_host > 0 else 'no'}",
            ),
            Property(
                "syscalls",
                seen["seccomp"] == "2"
                and all(v not in ("allowed", "not tried") for v in calls.values()),
                f"seccomp mode {seen['seccomp']}; "
                + ", ".join(f"{name} {result}" for name, result in calls.items()),
            ),
            Property(
                "writes",
                seen["write_folder"] != "allowed"
                and not outside.exists()
                and seen["write_run"] == "allowed",
                f"run folder: {seen['write_run']}; its parent folder: {seen['write_folder']}; outside: "
                + (
                    "landed on the host"
                    if outside.exists()
                    else "did not reach the host"
                    + (
                        f" ({seen['write_outside']})"
                        if seen["write_outside"] != "allowed"
                        else " (it went to the sandbox's private /tmp)"
                    )
                ),
            ),
            Property("links", link_refused, link_detail),
            Property(
                "capabilities",
                seen["cap_eff"].strip("0") == "" and seen["uid"] != 0,
                f"effective capabilities {seen['cap_eff']}, uid {seen['uid']}",
            ),
            Property(
                "devices",
                not seen["block_devices"],
                (
                    f"/dev holds {', '.join(seen['dev'])}"
                    if len(seen["dev"]) <= 20
                    else f"/dev holds {len(seen['dev'])} entries"
                )
                + (
                    f"; block devices: {', '.join(seen['block_devices'])}"
                    if seen["block_devices"]
                    else ""
                ),
            ),
            Property(
                "sockets",
                seen["unix_socket"] != "allowed"
                and seen["abstract_socket"] != "allowed"
                and not seen["run_visible"],
                f"host socket: {seen['unix_socket']}; abstract socket: {seen['abstract_socket']}; "
                f"/run visible: {seen['run_visible']}",
            ),
            Property(
                "environment",
                seen["canary"] is None,
                f"{len(seen['env'])} variables: {', '.join(seen['env'])}",
            ),
            Property("limits", finite, ", ".join(f"{k[7:].lower()} {v}" for k, v in lim.items())),
            Property("memory", memory_per_run, memory_seen),
            Property(
                "leftovers",
                not survivors,
                "a setsid child was ended with the run"
                if not survivors
                else f"{len(survivors)} process(es) outlived the run",
            ),
        ]
