"""Writes held back by `Prepared.send` and counts held by `Prepared.hold` (on PostgreSQL they
ride with a later statement; elsewhere they run at once): whatever follows sees them, a
rollback drops them, a savepoint keeps its own, and a held row is read back exactly."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from partnerfleet_backend.audit import repository as audit
from partnerfleet_backend.db.engines import open_session, session_scope
from partnerfleet_backend.kit.timeutil import period_of
from partnerfleet_backend.license import repository as licenses
from partnerfleet_backend.models import AuditEvent
from partnerfleet_backend.quota import repository as quota_rows
from partnerfleet_backend.quota import service as quota
from partnerfleet_backend.settings import Settings
from partnerfleet_backend.wallet import repository as wallets
from tests.support.api import Caller, make_partner, school_license
from tests.support.database import audit_event_row


def _stored(settings: Settings, *event_ids: str) -> set[str]:
    with session_scope(settings) as session:
        found = session.scalars(select(AuditEvent.id).where(AuditEvent.id.in_(event_ids)))
        return set(found)


def test_what_follows_a_held_write_sees_it(settings: Settings) -> None:
    with session_scope(settings) as session:
        audit.append(session, audit_event_row("evt_held_seen"))
        assert session.get(AuditEvent, "evt_held_seen") is not None  # an ORM read after it
        page, _ = audit.events_page(session, "ptn_none", 10, None, None)  # a query after it
        assert page == []
    assert _stored(settings, "evt_held_seen") == {"evt_held_seen"}


def test_a_rollback_drops_held_writes_and_the_connection_starts_clean(
    settings: Settings,
) -> None:
    session = open_session(settings)
    audit.append(session, audit_event_row("evt_held_dropped"))
    session.rollback()
    session.close()
    for _ in range(3):  # the pooled connection, used again
        with session_scope(settings) as again:
            audit.append(again, audit_event_row(f"evt_after_drop_{_}"))
    assert _stored(settings, "evt_held_dropped") == set()
    assert len(_stored(settings, "evt_after_drop_0", "evt_after_drop_1", "evt_after_drop_2")) == 3


def test_a_savepoint_keeps_what_was_held_before_it_and_drops_its_own(settings: Settings) -> None:
    with session_scope(settings) as session:
        audit.append(session, audit_event_row("evt_before_savepoint"))
        nested = session.begin_nested()
        audit.append(session, audit_event_row("evt_in_savepoint"))
        nested.rollback()
        audit.append(session, audit_event_row("evt_after_savepoint"))
    assert _stored(settings, "evt_before_savepoint", "evt_in_savepoint", "evt_after_savepoint") == {
        "evt_before_savepoint",
        "evt_after_savepoint",
    }


def _counted(settings: Settings, partner_id: str, now: datetime) -> int:
    with session_scope(settings) as session:
        return quota_rows.used(session, partner_id, period_of(now)) or 0


def test_a_held_count_rides_with_a_charge_and_is_read_back(
    operator: Caller, settings: Settings
) -> None:
    partner = make_partner(operator, top_up_cents=55_000, level="gold")
    now = datetime.now(UTC)
    before = _counted(settings, partner.id, now)
    session = open_session(settings)
    try:
        held = quota.hold_count(session, partner.id, now)
        assert wallets.debit(session, partner.id, 300)  # the change that carries it
        state = quota.consume(session, partner.id, now, held=held)
        assert (state.used, state.limit) == (before + 1, 50_000)
        assert wallets.balance(session, partner.id) == 54_700
        assert quota_rows.used(session, partner.id, period_of(now)) == before + 1
    finally:
        session.rollback()  # a debit without its ledger row and lot draw must not stay
        session.close()


def test_a_held_count_whose_carrier_shows_no_row_is_never_taken_as_counted(
    operator: Caller, settings: Settings
) -> None:
    partner = make_partner(operator, top_up_cents=55_000, level="gold")
    now = datetime.now(UTC)
    with session_scope(settings) as session:
        held = quota.hold_count(session, partner.id, now)
        paid = wallets.debit(session, partner.id, 60_000)  # refused: it changes no row
        assert not paid
        if session.get_bind().dialect.name == "postgresql":
            with pytest.raises(RuntimeError, match="lost"):
                held.first(session)  # rode with the refused debit: its row is unknown
        else:
            assert held.first(session) is not None  # run at once where nothing is held
        session.rollback()  # as a refused request does: counted again on its own


def test_a_held_count_goes_on_its_own_when_asked_for(operator: Caller, settings: Settings) -> None:
    partner = make_partner(operator, level="gold")
    now = datetime.now(UTC)
    before = _counted(settings, partner.id, now)
    with session_scope(settings) as session:
        held = quota.hold_count(session, partner.id, now)
        audit.append(session, audit_event_row(f"evt_wc_{partner.id[-12:]}"))  # no change shows rows
        row = held.first(session)
        assert row is not None and row[0] == before + 1
    assert _counted(settings, partner.id, now) == before + 1
    assert _stored(settings, f"evt_wc_{partner.id[-12:]}")


def test_an_early_count_rides_with_a_read_of_one_row_found_or_not(
    operator: Caller, settings: Settings
) -> None:
    partner = make_partner(operator, top_up_cents=55_000, level="gold")
    lic = school_license(partner, seats=5)
    now = datetime.now(UTC)
    before = _counted(settings, partner.id, now)
    on_postgres = settings.resolved_database_url().startswith("postgresql")
    session = open_session(settings, statements=True)  # as a GET runs
    try:
        held = quota.hold_count(session, partner.id, now, early=True)
        assert licenses.view(session, "lic_missing") is None  # carries it, found or not
        assert held.state == "done"
        assert held.first(session) == (before + 1, 50_000)
        held = quota.hold_count(session, partner.id, now, early=True)
        found = licenses.view(session, lic["id"])
        assert found is not None and (found["id"], found["seats"]) == (lic["id"], 5)
        assert held.state == "done"
        assert held.first(session) == (before + 2, 50_000)
        held = quota.hold_count(session, partner.id, now)  # not early: waits for a change
        assert licenses.view(session, lic["id"]) is not None
        assert held.state == ("held" if on_postgres else "done")
        assert held.first(session) == (before + 3, 50_000)
        session.commit()  # (elsewhere the session is one transaction)
    finally:
        session.close()
    assert _counted(settings, partner.id, now) == before + 3
