"""Savepoints (`db.dialect` on PostgreSQL: a RELEASE waits to go with the next savepoint step):
a released savepoint keeps its work, a rolled back one loses its own only, a failed statement
undoes its savepoint only, and no transaction inherits a waiting RELEASE from the one before
on the same connection. On SQLite the stock savepoints give the same answers."""

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from partnerfleet_backend.db.engines import session_scope
from partnerfleet_backend.models import AuditEvent
from partnerfleet_backend.settings import Settings
from tests.support.database import audit_event_row


def _ids(settings: Settings, prefix: str) -> set[str]:
    with session_scope(settings, write=False) as session:
        rows = session.scalars(select(AuditEvent.id).where(AuditEvent.id.like(f"{prefix}%")))
        return set(rows)


def _add(session: object, event_id: str) -> None:
    session.execute(insert(AuditEvent), [audit_event_row(event_id)])  # type: ignore[attr-defined]


def test_released_savepoints_keep_their_work_and_a_rolled_back_one_loses_its_own(
    settings: Settings,
) -> None:
    with session_scope(settings) as session:
        for n in range(3):
            with session.begin_nested():
                _add(session, f"evt_sp1_{n}")
        nested = session.begin_nested()
        _add(session, "evt_sp1_gone")
        nested.rollback()
        with session.begin_nested(), session.begin_nested():
            _add(session, "evt_sp1_deep")
    assert _ids(settings, "evt_sp1_") == {"evt_sp1_0", "evt_sp1_1", "evt_sp1_2", "evt_sp1_deep"}


def test_a_failed_statement_rolls_back_to_its_savepoint_only(settings: Settings) -> None:
    with session_scope(settings) as session:
        _add(session, "evt_sp2_before")
        with pytest.raises(IntegrityError), session.begin_nested():
            _add(session, "evt_sp2_twice")
            _add(session, "evt_sp2_twice")
        _add(session, "evt_sp2_after")
    assert _ids(settings, "evt_sp2_") == {"evt_sp2_before", "evt_sp2_after"}


def test_no_transaction_inherits_a_release_from_the_one_before(settings: Settings) -> None:
    for n in range(5):  # the pool hands the same connection back: a waiting RELEASE is gone
        with session_scope(settings) as session, session.begin_nested():
            _add(session, f"evt_sp3_{n}")
        # a first savepoint, with nothing to release
        with session_scope(settings) as session, session.begin_nested():
            _add(session, f"evt_sp3_next_{n}")
    assert len(_ids(settings, "evt_sp3_")) == 10
