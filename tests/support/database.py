"""Direct writes to the test database, for states no request can reach quickly."""

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
