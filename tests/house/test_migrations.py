"""The migrations build exactly the tables the models describe (on the test's database)."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from partnerfleet_backend.models import Base
from partnerfleet_backend.settings import Settings


def _ours(name: str | None, kind: str, _parent: object) -> bool:
    """Every table but the naive wallet's (`tests/support/naive_wallet.py`, the storm test's
    canary, which makes its own table in the suite's database)."""
    return not (kind == "table" and (name or "").startswith("naive_"))


def test_the_migrated_schema_matches_the_models(settings: Settings) -> None:
    engine = create_engine(settings.resolved_database_url())
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": False, "include_name": _ours}
            )
            differences = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert differences == []
