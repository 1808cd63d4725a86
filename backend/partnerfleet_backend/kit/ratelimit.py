"""A sliding one-minute window of requests per caller."""

import threading
import time
from collections import defaultdict, deque


class RateWindow:
    """Requests per caller (an address, a license key) in the last minute, per worker process."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.hits: dict[str, deque[float]] = defaultdict(deque)

    def allow(self, client: str, per_minute: int) -> tuple[bool, int]:
        now = time.monotonic()
        with self.lock:
            hits = self.hits[client]
            while hits and hits[0] <= now - 60:
                hits.popleft()
            if len(hits) >= per_minute:
                return False, int(hits[0] + 60 - now) + 1
            hits.append(now)
            if len(self.hits) > 10_000:
                self.hits = defaultdict(deque, {client: hits})
            return True, 0
