"""Bounded concurrency in a worker process: at most `size` of a kind of work at once, per key
(a partner, an API key) or for everyone. Work that finds no free slot waits a little, then is
refused with the error its caller chose, so that one caller's many slow requests never take
every thread of a worker."""

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from partnerfleet_backend.kit.errors import ServiceError


class Slots:
    def __init__(self, size: int, refuse: Callable[[], ServiceError]) -> None:
        self.size = size
        self.refuse = refuse
        self._busy: dict[str, int] = {}
        self._freed = threading.Condition()

    @contextmanager
    def taken(self, key: str = "", *, wait: float = 0.0) -> Iterator[None]:
        """Hold one slot of `key` while the block runs (waiting up to `wait` seconds)."""
        self.take(key, wait=wait)
        try:
            yield
        finally:
            self.give(key)

    def take(self, key: str = "", *, wait: float = 0.0) -> None:
        """Take one slot of `key` (waiting up to `wait` seconds); `give` it back when done."""
        deadline = time.monotonic() + wait
        with self._freed:
            while self._busy.get(key, 0) >= self.size:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise self.refuse()
                self._freed.wait(left)
            self._busy[key] = self._busy.get(key, 0) + 1

    def give(self, key: str = "") -> None:
        with self._freed:
            self._busy[key] -= 1
            if not self._busy[key]:
                del self._busy[key]
            self._freed.notify_all()

    def busy(self, key: str = "") -> int:
        with self._freed:
            return self._busy.get(key, 0)
