"""Lists fetched once per provider process and shared by every read of a refresh: a refresh of
N objects costs N/100 list calls instead of N reads."""

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

TTL_SECONDS = 60.0


class BulkCache:
    """Objects of a collection by id, loaded with one paginated list, kept for a minute."""

    def __init__(self, ttl_seconds: float = TTL_SECONDS) -> None:
        self.ttl_seconds = ttl_seconds
        self._lock = threading.Lock()
        self._loaded: dict[str, tuple[float, dict[str, dict[str, Any]]]] = {}

    def get(
        self, collection: str, fetch: Callable[[], Iterator[dict[str, Any]]], object_id: str
    ) -> dict[str, Any] | None:
        """The object `object_id` of `collection`, loading the whole list when it is stale."""
        with self._lock:
            entry = self._loaded.get(collection)
            if entry is None or time.monotonic() - entry[0] > self.ttl_seconds:
                entry = (time.monotonic(), {item["id"]: item for item in fetch()})
                self._loaded[collection] = entry
            return entry[1].get(object_id)

    def put(self, collection: str, obj: dict[str, Any]) -> None:
        """Keep a loaded list current after a create or update."""
        with self._lock:
            if collection in self._loaded:
                self._loaded[collection][1][obj["id"]] = obj

    def forget(self, collection: str, object_id: str) -> None:
        with self._lock:
            if collection in self._loaded:
                self._loaded[collection][1].pop(object_id, None)

    def reset(self) -> None:
        """Drop everything loaded (the next read lists afresh)."""
        with self._lock:
            self._loaded.clear()


BULK = BulkCache()
