"""One debouncer for the server's file-driven work (preview builds, watcher notifications):
``call(key, fn, *args, delay_s=None)`` runs ``fn(*args)`` once, ``delay_s`` (default: the
debouncer's) after the last call for ``key``;
``stop()`` cancels every pending call and refuses new ones. Thread-safe."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any


class Debouncer:
    def __init__(self, delay_s: float):
        self.delay_s = delay_s
        self._lock = threading.Lock()
        self._timers: dict[Hashable, threading.Timer] = {}
        self._stopped = False

    def call(
        self, key: Hashable, fn: Callable[..., Any], *args: Any, delay_s: float | None = None
    ) -> None:
        with self._lock:
            if self._stopped:
                return
            old = self._timers.pop(key, None)
            if old is not None:
                old.cancel()
            timer = threading.Timer(
                self.delay_s if delay_s is None else delay_s,
                lambda: self._fire(key, timer, fn, args),
            )
            timer.daemon = True
            self._timers[key] = timer
            timer.start()

    def _fire(
        self, key: Hashable, timer: threading.Timer, fn: Callable[..., Any], args: tuple
    ) -> None:
        with self._lock:
            if self._timers.get(key) is timer:
                del self._timers[key]
            if self._stopped:
                return
        fn(*args)

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            timers = list(self._timers.values())
            self._timers.clear()
        for timer in timers:
            timer.cancel()
