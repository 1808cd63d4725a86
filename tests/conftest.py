"""Fixtures: a real database (SQLite file, or PostgreSQL with PARTNERFLEET_TEST_DB=postgresql),
the app in-process over HTTP semantics, and the real service in worker processes."""

import os
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
import requests
from fastapi.testclient import TestClient

from partnerfleet_backend.app import create_app
from partnerfleet_backend.cli import create_operator_key
from partnerfleet_backend.db.engines import dispose_engines, migrate
from partnerfleet_backend.settings import Settings, get_settings
from tests.support.api import Caller, PartnerHandle, make_partner
from tests.support.postgres import running_postgres
from tests.support.server import running_service

DB_KIND = os.environ.get("PARTNERFLEET_TEST_DB", "sqlite")


def pytest_report_header() -> str:
    return f"partnerfleet test database: {DB_KIND}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if DB_KIND == "postgresql":
        with running_postgres() as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'partnerfleet.db'}"


@pytest.fixture(scope="session")
def service_env(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    """Environment shared by the in-process app and the served processes."""
    env = {
        "PARTNERFLEET_DATABASE_URL": database_url,
        "PARTNERFLEET_DATA_DIR": str(tmp_path_factory.mktemp("data")),
        "PARTNERFLEET_SECRET_KEY": "test-secret-0123456789abcdef0123456789abcdef",
        "PARTNERFLEET_TEST_CLOCK": "true",
        "PARTNERFLEET_JOBS_INTERVAL_SECONDS": "3600",  # tests run the jobs when they want
        # webhook receivers of the tests listen on this host, over http
        "PARTNERFLEET_WEBHOOK_ALLOW_HTTP": "true",
        "PARTNERFLEET_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.1/32",
        # the suites send invalid keys on purpose; tests/security sets the real limit
        "PARTNERFLEET_AUTH_FAILURES_PER_MINUTE": "100000",
        "PARTNERFLEET_SIGN_INS_PER_MINUTE": "100000",
        # the portal over http on the loopback (tests/portal checks Secure when it is on)
        "PARTNERFLEET_PORTAL_SECURE_COOKIES": "false",
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    get_settings.cache_clear()
    dispose_engines()
    migrate(get_settings())
    yield env
    dispose_engines()
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def settings(service_env: dict[str, str]) -> Settings:
    return get_settings()


@pytest.fixture(scope="session")
def client(service_env: dict[str, str]) -> Iterator[TestClient]:
    with TestClient(create_app(), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def operator_key(settings: Settings) -> str:
    return create_operator_key(settings)


@pytest.fixture
def operator(client: TestClient, operator_key: str) -> Caller:
    return Caller(client, "", operator_key)


@pytest.fixture
def set_clock(operator: Caller) -> Callable[[datetime], None]:
    """Move the service's test clock."""

    def move(now: datetime) -> None:
        operator.put("/v1/clock", {"now": now.isoformat()}, expect=200)

    return move


@pytest.fixture
def partner(operator: Caller) -> PartnerHandle:
    """A partner with 1,100 EUR of credit (30 % off)."""
    return make_partner(operator, top_up_cents=110_000)


@pytest.fixture(scope="session")
def live_service(
    service_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The real service: gunicorn with 4 uvicorn workers on the test database."""
    log = Path(tmp_path_factory.mktemp("live")) / "service.log"
    with running_service(service_env, workers=4, log=log) as base:
        yield base


@pytest.fixture
def live_operator(live_service: str, operator_key: str) -> Iterator[Caller]:
    with requests.Session() as session:
        yield Caller(session, live_service, operator_key)


@pytest.fixture
def settings_fixture(settings: Settings) -> Settings:
    return settings
