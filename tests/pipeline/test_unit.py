"""The unit of work and the sessions that only read, on both databases: the rows nobody reads
back are written at one place, right before the commit, in the order that makes every
reference hold; a savepoint drops its own rows with its own changes; a write in a session that
only reads fails loudly; a compiled statement binds every value and fails as Core does."""

from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from psycopg._queries import MAX_CACHED_STATEMENT_LENGTH
from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError

from partnerfleet_backend.db.compiled import Prepared
from partnerfleet_backend.db.context import AUDIT
from partnerfleet_backend.db.engines import run_statements, session_scope, statement_scope
from partnerfleet_backend.db.unit import ReadOnly, unit_of
from partnerfleet_backend.models import AuditEvent, LedgerEntry, LotConsumption
from partnerfleet_backend.quota import repository as quota_repository
from partnerfleet_backend.quota import service as quota_service
from partnerfleet_backend.settings import Settings
from tests.support.api import PartnerHandle, make_partner, school_license
from tests.support.database import audit_event_row, set_used

SECRET = "lk_not-logged-42"
LEDGER = cast(Table, LedgerEntry.__table__)
CONSUMPTIONS = cast(Table, LotConsumption.__table__)


def _exists(settings: Settings, event_id: str) -> bool:
    with session_scope(settings, write=False) as session:
        return session.scalar(select(AuditEvent.id).where(AuditEvent.id == event_id)) is not None


def test_rows_are_written_right_before_the_commit_references_first(
    settings: Settings, partner: PartnerHandle
) -> None:
    lot_id = partner.read.get("/v1/wallet").json()["lots"][0]["id"]
    entry = {
        "id": "led_unit_test_1",
        "partner_id": partner.id,
        "kind": "adjustment",
        "amount_cents": 0,
        "net_cents": 0,
        "description": "a test of the unit",
        "object_type": None,
        "object_id": None,
        "refunds_entry_id": None,
        "request_id": None,
        "created_at": datetime.now(UTC),
    }
    with session_scope(settings) as session:
        unit = unit_of(session)
        # appended in the wrong order on purpose: the consumption names the entry
        unit.add(CONSUMPTIONS, {"entry_id": entry["id"], "lot_id": lot_id, "amount_cents": 0})
        unit.add(AUDIT, audit_event_row("evt_unit_1"))
        unit.add(LEDGER, entry)
        assert not _exists(settings, "evt_unit_1")  # nothing written before the commit
    assert _exists(settings, "evt_unit_1")
    with session_scope(settings, write=False) as session:
        assert session.get(LedgerEntry, "led_unit_test_1") is not None


def test_a_failed_savepoint_drops_its_own_rows_and_keeps_the_others(settings: Settings) -> None:
    with session_scope(settings) as session:
        unit = unit_of(session)
        unit.add(AUDIT, audit_event_row("evt_kept_1"))
        with pytest.raises(IntegrityError), unit.savepoint(session):
            unit.add(AUDIT, audit_event_row("evt_dropped_1"))
            session.execute(insert(AuditEvent), [audit_event_row("evt_twice_1")] * 2)
        with unit.savepoint(session):  # the transaction goes on: the failure was the change's
            unit.add(AUDIT, audit_event_row("evt_kept_2"))
    assert _exists(settings, "evt_kept_1") and _exists(settings, "evt_kept_2")
    assert not _exists(settings, "evt_dropped_1") and not _exists(settings, "evt_twice_1")


@pytest.mark.parametrize("scope", ["statements", "read transaction"])
def test_a_write_in_a_session_that_only_reads_fails_loudly(settings: Settings, scope: str) -> None:
    def session_of() -> Any:
        if scope == "statements":
            return statement_scope(settings, read_only=True)
        return session_scope(settings, write=False)

    with pytest.raises(ReadOnly), session_of() as session:
        unit_of(session).add(AUDIT, audit_event_row("evt_never_1"))
    with pytest.raises(ReadOnly), session_of() as session:
        session.add(AuditEvent(**audit_event_row("evt_never_2")))
        session.flush()
    with pytest.raises(ReadOnly), session_of() as session:
        session.execute(insert(AuditEvent), [audit_event_row("evt_never_3")])
    with pytest.raises(ReadOnly), session_of() as session:
        session.execute(update(AuditEvent).where(AuditEvent.id == "x").values(action="y"))
    for n in (1, 2, 3):
        assert not _exists(settings, f"evt_never_{n}")
    assert (
        run_statements(lambda s: s.scalar(select(AuditEvent.id).limit(1)), settings, read_only=True)
        is not None
    )


def test_a_compiled_statement_binds_every_value(settings: Settings) -> None:
    """No value is written into a compiled statement's text, its own constants neither: a
    string that would close a quoted literal (with `standard_conforming_strings` off a
    backslash escapes a quote) matches nothing."""
    trick = "\\' OR 1=1 --"
    statement = Prepared(select(AuditEvent.id).where(AuditEvent.action == trick))
    with session_scope(settings) as session:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(select(1))  # the session's connection
            session.connection().exec_driver_sql("SET standard_conforming_strings = off")
        assert statement.all(session, {}) == []
        compiled = statement._compiled.get(session.get_bind().dialect.name)
        if compiled is not None:
            assert trick not in compiled.sql and "OR 1=1" not in compiled.sql


def test_the_counting_statements_stay_in_psycopg_s_cache_of_parsed_statements(
    settings: Settings,
) -> None:
    """The statements every request runs fit psycopg's cache of parsed statements, once their
    IN lists are expanded: a longer text is parsed anew on every request (it was, for the
    key's read with the count: 4 % of a read's worker time). The limit's numbers are written
    into the text (integers only); the level and option names stay bound."""
    with session_scope(settings, write=False) as session:
        levels, packs = quota_service._calls(session)
    statements: list[tuple[Prepared, dict[str, object]]] = [
        (quota_repository._key_and_count(levels, packs, True), {"digest": b"", "period": ""}),
        (
            quota_repository._counting("postgresql", levels, packs, True),
            {"partner_id": "", "period": ""},
        ),
    ]
    for prepared, params in statements:
        statement: Any = prepared.statement
        compiled = statement.compile(dialect=postgresql.dialect())  # type: ignore[no-untyped-call]
        text = compiled.construct_expanded_state({**params, "now": None}).statement
        assert len(text.encode()) <= MAX_CACHED_STATEMENT_LENGTH, len(text)
        assert "'" not in text  # no string in the text: the names are parameters
        assert "25000" in text  # the numbers are not


def test_a_violated_constraint_is_an_integrity_error_without_its_values(
    settings: Settings,
) -> None:
    append = Prepared(
        insert(AuditEvent).values({c.name: bindparam(c.name) for c in AuditEvent.__table__.columns})
    )
    event = audit_event_row("evt_same", action=SECRET, after={"license_key": SECRET})
    with pytest.raises(IntegrityError) as raised, session_scope(settings) as session:
        append.first(session, event)
        append.first(session, event)  # the same primary key again
    assert "audit_events" in str(raised.value)
    assert SECRET not in str(raised.value)


def test_a_call_is_counted_when_its_key_is_read_and_refused_at_the_limit(
    operator: Any, settings: Settings
) -> None:
    """Every call is counted once, before its work: a license found or not, a failing one;
    at the limit the answer is 429 (it outranks the 404) and counts nothing."""
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
    p.write.patch(f"/v1/licenses/{lic['id']}", {"seats": 6}, expect=429)
    assert p.read.get("/v1/quota", expect=200).json()["used"] == quota["limit"] + 1
