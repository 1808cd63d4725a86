"""The migrations build exactly the tables the models describe (on the test's database)."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from partnerfleet_backend.models import Base
from partnerfleet_backend.settings import Settings


def test_the_migrated_schema_matches_the_models(settings: Settings) -> None:
    engine = create_engine(settings.resolved_database_url())
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": False})
            differences = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert differences == []
