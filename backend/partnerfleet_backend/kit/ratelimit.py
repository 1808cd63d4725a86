"""Rate limits per caller: a window per worker (cheap, for slowing down failures) and a window
in the database that every worker and host shares (for limits that must hold)."""

import threading
import time
from collections import defaultdict, deque

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from partnerfleet_backend.models import RateCounter


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

    def count(self, client: str) -> int:
        """Requests of `client` in the last minute (without counting one)."""
        now = time.monotonic()
        with self.lock:
            return sum(1 for t in self.hits.get(client, ()) if t > now - 60)


def take_shared(session: Session, bucket: str, per_minute: int) -> tuple[bool, int]:
    """Count one request of `bucket` in this minute's window, shared through the database
    (one atomic upsert): (allowed, seconds until the window ends)."""
    now = time.time()
    minute = int(now // 60)
    dialect = session.get_bind().dialect.name
    upsert = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(RateCounter)
    statement = upsert.values(bucket=bucket[:120], minute=minute, count=1).on_conflict_do_update(
        index_elements=[RateCounter.bucket, RateCounter.minute],
        set_={"count": RateCounter.count + 1},
        where=RateCounter.count < per_minute,
    )
    counted = session.scalar(statement.returning(RateCounter.count))
    return counted is not None, int((minute + 1) * 60 - now) + 1


def purge_shared(session: Session) -> int:
    """Drop the windows that ended (run by the calendar)."""
    minute = int(time.time() // 60)
    result = session.execute(delete(RateCounter).where(RateCounter.minute < minute - 1))
    return int(getattr(result, "rowcount", 0) or 0)
