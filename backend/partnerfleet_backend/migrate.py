"""Apply the Alembic migrations (serialised across hosts on PostgreSQL)."""

from importlib import resources

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from partnerfleet_backend.db import make_engine
from partnerfleet_backend.settings import Settings

MIGRATION_LOCK_ID = 7_346_011


def alembic_config() -> Config:
    config = Config()
    config.set_main_option(
        "script_location", str(resources.files("partnerfleet_backend") / "migrations")
    )
    return config


def migrate(settings: Settings) -> None:
    """Bring the database to the newest schema."""
    url = settings.resolved_database_url()
    engine = make_engine(url, immediate=False)
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": MIGRATION_LOCK_ID})
                connection.commit()
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            connection.commit()
            if connection.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_unlock(:id)"), {"id": MIGRATION_LOCK_ID}
                )
                connection.commit()
    finally:
        engine.dispose()
