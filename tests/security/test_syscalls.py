"""The seccomp filter: what a run may not ask the kernel for, from experiment.py (issue 22).

Each call is made for real by the hostile experiment and its answer recorded. Where the kernel
itself would refuse too (an unprivileged process), the test asks for the filter's own answer:
clone3 is ENOSYS only under the filter, TIOCSTI on /dev/null is EPERM only under the filter
(ENOTTY otherwise), and /proc/self/status says that a filter is installed.
"""

from __future__ import annotations

import json

from tests.security.conftest import hostile_template, needs_bwrap

pytestmark = needs_bwrap

CALLS = (
    "import ctypes, errno, subprocess\n"
    "libc = ctypes.CDLL(None, use_errno=True)\n"
    "NR = {'x86_64': dict(bpf=321, perf_event_open=298, userfaultfd=323, clone3=435),\n"
    "      'aarch64': dict(bpf=280, perf_event_open=241, userfaultfd=282, clone3=435)}[os.uname().machine]\n"
    "C = ctypes.c_int\n"
    "def answer(rc):\n"
    "    return 'allowed' if rc >= 0 else errno.errorcode[ctypes.get_errno()]\n"
    "res = {}\n"
    "pid = os.fork()\n"  # where unshare works it must not change the process that reports
    "if pid == 0:\n"
    "    os._exit(0 if libc.unshare(C(0x10000000)) == 0 else ctypes.get_errno())\n"
    "code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])\n"
    "res['unshare_user'] = 'allowed' if code == 0 else errno.errorcode[code]\n"
    "res['clone3'] = answer(libc.syscall(NR['clone3'], None, ctypes.c_size_t(0)))\n"
    "sibling = subprocess.Popen(['sleep', '30'])\n"  # also: spawning still works (clone fallback)
    "res['ptrace'] = answer(libc.ptrace(C(16), C(sibling.pid), None, None))\n"  # PTRACE_ATTACH
    "sibling.kill(); sibling.wait()\n"
    "res['bpf'] = answer(libc.syscall(NR['bpf'], C(0), None, C(0)))\n"
    "res['perf_event_open'] = answer(libc.syscall(NR['perf_event_open'], None, C(0), C(-1), C(-1), C(0)))\n"
    "res['userfaultfd'] = answer(libc.syscall(NR['userfaultfd'], C(0)))\n"
    "res['mount'] = answer(libc.mount(b'none', out.encode(), b'tmpfs', ctypes.c_ulong(0), None))\n"
    "res['tiocsti'] = answer(libc.ioctl(C(0), ctypes.c_ulong(0x5412), ctypes.c_char_p(b'x')))\n"
    "res['personality_no_aslr'] = answer(libc.personality(ctypes.c_ulong(0x0040000)))\n"
    "res['personality_query'] = answer(libc.personality(ctypes.c_ulong(0xFFFFFFFF)))\n"
    "res['seccomp'] = [l.split()[1] for l in open('/proc/self/status') if l.startswith('Seccomp:')][0]\n"
    "res['child'] = subprocess.run(['sh', '-c', 'echo ok'], capture_output=True, text=True).stdout.strip()\n"
    "json.dump(res, open(os.path.join(out, 'calls.json'), 'w')); results()\n"
)


def test_experiment_code_cannot_make_the_denied_calls(runner):
    template = hostile_template(runner, "syscalls", CALLS)
    done = runner.baseline(template)
    assert done.returncode == 0, done.stderr
    seen = json.loads((runner.folder(template) / "run_0" / "calls.json").read_text())
    assert seen["seccomp"] == "2"  # SECCOMP_MODE_FILTER
    for name in ("unshare_user", "ptrace", "bpf", "perf_event_open", "userfaultfd", "mount"):
        assert seen[name] == "EPERM", (name, seen)
    assert seen["clone3"] == "ENOSYS"  # as Flatpak: glibc then falls back to clone
    assert seen["tiocsti"] == "EPERM"  # without the filter, /dev/null answers ENOTTY
    assert seen["personality_no_aslr"] == "EPERM"
    assert seen["personality_query"] == "allowed"  # asking for the persona stays possible
    assert seen["child"] == "ok"  # ordinary processes still start
    boundary = runner.state(template)["steps"]["run_0"]["boundary"]
    assert boundary["syscall_filter"] == "seccomp"
