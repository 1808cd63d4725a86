"""On PostgreSQL a GET runs statement by statement (autocommit: no BEGIN and COMMIT round
trips; under READ COMMITTED each statement reads its own snapshot anyway), while its call is
still counted; work that writes always runs in one transaction, even behind a GET."""

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from starlette.requests import Request

from partnerfleet_backend.audit import repository as audit
from partnerfleet_backend.db.engines import in_one_transaction, open_session, session_scope
from partnerfleet_backend.models import AuditEvent
from partnerfleet_backend.pipeline.caller import Caller
from partnerfleet_backend.settings import Settings
from tests.conftest import DB_KIND
from tests.support.api import PartnerHandle, make_partner, school_license
from tests.support.database import audit_event_row, set_used

pytestmark = pytest.mark.skipif(
    DB_KIND != "postgresql", reason="SQLite reads in a deferred transaction of its own"
)


def _exists(settings: Settings, event_id: str) -> bool:
    with session_scope(settings) as session:
        return session.scalar(select(AuditEvent.id).where(AuditEvent.id == event_id)) is not None


def test_a_statement_by_statement_session_writes_at_once(settings: Settings) -> None:
    session = open_session(settings, statements=True)
    try:
        assert not in_one_transaction(session)
        session.add(AuditEvent(**audit_event_row("evt_at_once")))
        session.flush()
        assert _exists(settings, "evt_at_once")  # seen by others before any commit
    finally:
        session.close()
    held = open_session(settings)
    try:
        assert in_one_transaction(held)
        held.add(AuditEvent(**audit_event_row("evt_held")))
        held.flush()
        assert not _exists(settings, "evt_held")
    finally:
        held.close()


def test_a_get_is_counted(partner: PartnerHandle) -> None:
    used = partner.read.get("/v1/quota", expect=200).json()["used"]
    partner.read.get("/v1/licenses", expect=200)
    partner.read.get("/v1/licenses/lic_missing", expect=404)
    assert partner.read.get("/v1/quota", expect=200).json()["used"] == used + 3


def _caller(settings: Settings, key: str, method: str) -> Caller:
    scope = {
        "type": "http",
        "method": method,
        "path": "/v1/test",
        "headers": [],
        "query_string": b"",
        "client": ("127.0.0.1", 1),
    }
    return Caller(Request(scope), settings, f"Bearer {key}", way_out=False)


def test_work_that_writes_behind_a_get_is_one_transaction(
    partner: PartnerHandle, settings: Settings
) -> None:
    caller = _caller(settings, partner.write.key, "GET")
    caller.identify()

    def half_done(session: Any) -> None:
        audit.append(session, audit_event_row("evt_half_done"))
        raise RuntimeError("the work fails after its first write")

    with pytest.raises(RuntimeError):
        caller.run(half_done, write=True)
    assert not _exists(settings, "evt_half_done")  # rolled back with the work

    caller = _caller(settings, partner.write.key, "GET")
    caller.identify()
    caller.run(lambda session: audit.append(session, audit_event_row("evt_done")), write=True)
    assert _exists(settings, "evt_done")


def test_a_read_of_one_license_counts_its_call_once_and_is_refused_at_the_limit(
    operator: Any, settings: Settings
) -> None:
    """The count rides with the license's read (one statement): a license found or not is
    counted once, and at the limit the answer is 429 (it outranks the 404), counting nothing."""
    p = make_partner(operator, top_up_cents=55_000)
    lic = school_license(p, seats=5)
    quota = p.read.get("/v1/quota", expect=200).json()
    period = (datetime.fromisoformat(quota["resets_at"]) - timedelta(days=1)).strftime("%Y-%m")
    set_used(settings, p.id, period, quota["limit"] - 3)
    p.read.get(f"/v1/licenses/{lic['id']}", expect=200)
    p.read.get("/v1/licenses/lic_missing", expect=404)
    assert p.read.get("/v1/quota", expect=200).json()["used"] == quota["limit"]
    set_used(settings, p.id, period, quota["limit"] - 1)
    assert p.read.get(f"/v1/licenses/{lic['id']}", expect=200).json()["id"] == lic["id"]
    p.read.get(f"/v1/licenses/{lic['id']}", expect=429)
    p.read.get("/v1/licenses/lic_missing", expect=429)
    assert p.read.get("/v1/quota", expect=200).json()["used"] == quota["limit"] + 1
