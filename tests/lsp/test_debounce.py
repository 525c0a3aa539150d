"""The debouncer behind the live preview and the results watcher."""

import threading

from aisci.lsp.debounce import Debouncer


def test_calls_for_one_key_coalesce_into_the_last():
    done = threading.Event()
    seen = []
    debounce = Debouncer(0.05)
    for i in range(5):
        debounce.call("tex", lambda n: (seen.append(n), done.set()), i)
    assert done.wait(5)
    debounce.stop()
    assert seen == [4]


def test_stop_cancels_pending_calls_and_refuses_new_ones():
    ran = threading.Event()
    debounce = Debouncer(0.2)
    debounce.call("a", ran.set)
    debounce.stop()
    debounce.call("b", ran.set)
    assert not ran.wait(0.5)
