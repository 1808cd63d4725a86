"""What the benchmarks share: a backend of their own on a throwaway database, migrated, with an
operator key, served the way production serves it (gunicorn with uvicorn workers)."""

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

SECRET_KEY = "bench-secret-0123456789abcdef0123456789abcdef"  # noqa: S105 (a throwaway)


def backend_env(database_url: str, data_dir: str) -> dict[str, str]:
    """The service's settings for a benchmark (the calendar kept out of the way)."""
    return {
        "PARTNERFLEET_DATABASE_URL": database_url,
        "PARTNERFLEET_DATA_DIR": data_dir,
        "PARTNERFLEET_SECRET_KEY": SECRET_KEY,
        "PARTNERFLEET_JOBS_INTERVAL_SECONDS": "3600",
    }


@contextmanager
def on_postgres() -> Iterator[dict[str, str]]:
    """A throwaway PostgreSQL server and data directory: their settings."""
    from tests.support.postgres import running_postgres

    with running_postgres() as url, tempfile.TemporaryDirectory() as data_dir:
        yield backend_env(url, data_dir)


@contextmanager
def served(env: dict[str, str], workers: int) -> Iterator[tuple[str, str]]:
    """The database of `env` migrated and served: (base URL, an operator key)."""
    from partnerfleet_backend.cli import create_operator_key
    from partnerfleet_backend.db.engines import dispose_engines, migrate
    from partnerfleet_backend.settings import get_settings
    from tests.support.server import running_service

    os.environ.update(env)
    get_settings.cache_clear()
    dispose_engines()
    settings = get_settings()
    migrate(settings)
    operator_key = create_operator_key(settings)
    with running_service(env, workers=workers, test_clock=False) as base:
        yield base, operator_key
