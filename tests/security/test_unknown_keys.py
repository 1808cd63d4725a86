"""An unknown key costs a read, never a write, and an address that keeps sending them is
slowed down; a real key from the same address still gets through."""

import sqlite3
import time
from collections.abc import Iterator

import pytest

from partnerfleet_backend.pipeline import caller as caller_module
from partnerfleet_backend.settings import Settings, get_settings
from tests.conftest import DB_KIND
from tests.support.api import Caller, PartnerHandle

BOGUS = "pfk_" + "x" * 43


@pytest.fixture
def fresh_failures() -> Iterator[None]:
    caller_module.failures.hits.clear()
    yield
    caller_module.failures.hits.clear()


@pytest.mark.skipif(DB_KIND != "sqlite", reason="SQLite's write lock is what a write would wait on")
def test_an_unknown_key_is_refused_while_a_writer_holds_the_database(
    operator: Caller, settings: Settings, fresh_failures: None
) -> None:
    path = settings.resolved_database_url().removeprefix("sqlite:///")
    holder = sqlite3.connect(path, timeout=1)
    holder.execute("BEGIN IMMEDIATE")  # a long write elsewhere
    try:
        started = time.monotonic()
        answer = Caller(operator.http, operator.base, BOGUS).get("/v1/me")
        took = time.monotonic() - started
    finally:
        holder.rollback()
        holder.close()
    assert answer.status_code == 401, answer.text
    assert took < 1.0, took  # no write transaction: nothing to wait for


def test_repeated_unknown_keys_are_slowed_down(
    operator: Caller,
    partner: PartnerHandle,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    fresh_failures: None,
) -> None:
    monkeypatch.setattr(get_settings(), "auth_failures_per_minute", 5)
    bogus = Caller(operator.http, operator.base, BOGUS)
    statuses = [bogus.get("/v1/me").status_code for _ in range(7)]
    assert statuses == [401] * 5 + [429] * 2
    refused = bogus.get("/v1/me")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    partner.read.get("/v1/me", expect=200)  # the real key is not slowed down
