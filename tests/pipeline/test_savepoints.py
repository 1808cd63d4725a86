"""Savepoints (a plan runs each change in one): on PostgreSQL they go to the driver and a
RELEASE waits for the next savepoint step. The work of a released savepoint stays, a rolled
back one's goes, a failed statement rolls back to its savepoint only, and no transaction
inherits a RELEASE of the one before it on the same connection."""

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from partnerfleet_backend.audit import repository as audit
from partnerfleet_backend.db.engines import open_session, session_scope
from partnerfleet_backend.models import AuditEvent
from partnerfleet_backend.settings import Settings
from tests.support.database import audit_event_row


def _stored(settings: Settings, prefix: str) -> set[str]:
    with session_scope(settings) as session:
        found = session.scalars(select(AuditEvent.id).where(AuditEvent.id.startswith(prefix)))
        return set(found)


def _write(session: Session, event_id: str) -> None:
    audit.append(session, audit_event_row(event_id))  # a prepared write, held back
    session.add(AuditEvent(**audit_event_row(f"{event_id}_orm")))  # and one of the ORM's
    session.flush()


def test_released_savepoints_keep_their_work_and_a_rolled_back_one_loses_its_own(
    settings: Settings,
) -> None:
    with session_scope(settings) as session:
        for i in range(3):
            with session.begin_nested():
                _write(session, f"evt_spk_kept{i}")
        nested = session.begin_nested()
        _write(session, "evt_spk_gone")
        with session.begin_nested():  # released, then undone with the one around it
            _write(session, "evt_spk_gone_inner")
        nested.rollback()
        with session.begin_nested():
            with session.begin_nested():
                _write(session, "evt_spk_inner")
            _write(session, "evt_spk_outer")
    kept = {f"evt_spk_kept{i}" for i in range(3)} | {"evt_spk_inner", "evt_spk_outer"}
    assert _stored(settings, "evt_spk_") == kept | {f"{k}_orm" for k in kept}


def test_a_failed_statement_rolls_back_to_its_savepoint_only(settings: Settings) -> None:
    with session_scope(settings) as session:
        with session.begin_nested():
            _write(session, "evt_spf_before")
        with pytest.raises(DBAPIError), session.begin_nested():
            _write(session, "evt_spf_failed")
            session.execute(text("SELECT * FROM no_such_table"))
        _write(session, "evt_spf_after")
    assert _stored(settings, "evt_spf_") == {
        "evt_spf_before",
        "evt_spf_before_orm",
        "evt_spf_after",
        "evt_spf_after_orm",
    }


@pytest.mark.parametrize("end", ["commit", "rollback", "close"])
def test_no_transaction_inherits_a_release_from_the_one_before(
    settings: Settings, end: str
) -> None:
    for i in range(12):  # more than the pool holds: connections are used again
        session = open_session(settings)
        with session.begin_nested():
            _write(session, f"evt_spr_{end}{i}")
        getattr(session, end)()
        session.close()
    expected = 24 if end == "commit" else 0
    assert len(_stored(settings, f"evt_spr_{end}")) == expected
