"""Statements run on the driver (`kit.prepared`) fail the way Core statements do: the error
names the statement, never the values bound to it."""

import pytest
from sqlalchemy.exc import IntegrityError

from partnerfleet_backend.audit import repository as audit
from partnerfleet_backend.db.engines import session_scope
from partnerfleet_backend.settings import Settings
from tests.support.database import audit_event_row

SECRET = "lk_not-logged-42"


def _secret_event(event_id: str) -> dict[str, object]:
    # the action is shown whole if values were shown (long ones are cut)
    return audit_event_row(event_id, action=SECRET, after={"license_key": SECRET})


def test_a_violated_constraint_is_an_integrity_error_without_its_values(
    settings: Settings,
) -> None:
    with pytest.raises(IntegrityError) as raised, session_scope(settings) as session:
        audit.append(session, _secret_event("evt_same"))
        audit.append(session, _secret_event("evt_same"))  # the same primary key again
    assert "audit_events" in str(raised.value)
    assert SECRET not in str(raised.value)
