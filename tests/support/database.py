"""Direct writes to the test database, for states no request can reach quickly."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import create_engine, text

from partnerfleet_backend.settings import Settings


def set_used(settings: Settings, partner_id: str, period: str, used: int) -> None:
    """Jump a partner's counter (only to reach the limit without sending 25,000 requests)."""
    engine = create_engine(settings.resolved_database_url())
    with engine.begin() as c:
        c.execute(
            text("DELETE FROM quota_counters WHERE partner_id = :p AND period = :m"),
            {"p": partner_id, "m": period},
        )
        c.execute(
            text("INSERT INTO quota_counters (partner_id, period, used) VALUES (:p, :m, :u)"),
            {"p": partner_id, "m": period, "u": used},
        )
    engine.dispose()


def audit_event_row(event_id: str, **overrides: Any) -> dict[str, Any]:
    """An audit event's every column, for writing one straight through the repository."""
    return {
        "id": event_id,
        "partner_id": None,
        "actor_key_id": None,
        "request_id": None,
        "client_request_id": None,
        "action": "test.written",
        "object_type": "license",
        "object_id": "lic_x",
        "before": None,
        "after": None,
        "created_at": datetime.now(UTC),
        **overrides,
    }


def execute(settings: Settings, sql: str, **params: Any) -> None:
    """One statement straight to the test database: a state no request may make (an older
    release's data, a catalog that changed under a license)."""
    engine = create_engine(settings.resolved_database_url())
    try:
        with engine.begin() as c:
            c.execute(text(sql), params)
    finally:
        engine.dispose()


def query(settings: Settings, sql: str, **params: Any) -> list[dict[str, Any]]:
    """The rows of one statement on the test database (to look at what no route shows)."""
    engine = create_engine(settings.resolved_database_url())
    try:
        with engine.connect() as c:
            return [dict(row) for row in c.execute(text(sql), params).mappings()]
    finally:
        engine.dispose()
