"""A license change is written as every versioned object's, by the ORM's flush guarded by the
row version: the changed columns only, the version bumped, a row changed meanwhile refused and
left as the other writer left it."""

import pytest
from sqlalchemy import inspect, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from partnerfleet_backend.db.engines import session_scope
from partnerfleet_backend.license import repository
from partnerfleet_backend.models import License
from partnerfleet_backend.settings import Settings
from tests.conftest import DB_KIND
from tests.support.api import PartnerHandle, license_body, make_customer


def _license(partner: PartnerHandle) -> str:
    customer = make_customer(partner, segment="business")
    body = license_body(customer["id"], edition="pro")
    return str(partner.write.post("/v1/licenses", body, expect=201).json()["id"])


def _held(session: Session, license_id: str) -> License:
    lic = session.get(License, license_id)
    assert lic is not None
    return lic


def test_the_changed_columns_are_written_and_the_row_version_bumped(
    partner: PartnerHandle, settings: Settings
) -> None:
    license_id = _license(partner)
    with session_scope(settings) as session:
        lic = _held(session, license_id)
        before = lic.row_version
        lic.seats_next_term = 7
        repository.save(session, lic)
        assert lic.row_version == before + 1
        assert not session.dirty and not inspect(lic).modified  # nothing left to flush
    with session_scope(settings) as session:
        lic = _held(session, license_id)
        assert (lic.seats_next_term, lic.seats, lic.row_version) == (7, 10, before + 1)
    answer = partner.read.get(f"/v1/licenses/{license_id}", expect=200).json()
    assert answer["seats_next_term"] == 7


@pytest.mark.skipif(DB_KIND != "postgresql", reason="SQLite writes one transaction at a time")
def test_a_row_changed_meanwhile_is_refused_and_left_as_it_was(
    partner: PartnerHandle, settings: Settings
) -> None:
    license_id = _license(partner)
    with session_scope(settings) as session:
        mine = _held(session, license_id)
        with session_scope(settings) as other:  # another writer, committed meanwhile
            other.execute(
                update(License)
                .where(License.id == license_id)
                .values(auto_renew=False, row_version=License.row_version + 1)
            )
        mine.seats_next_term = 3
        with pytest.raises(StaleDataError):
            repository.save(session, mine)
        session.rollback()
    with session_scope(settings) as session:
        row = session.execute(
            select(License.auto_renew, License.seats_next_term).where(License.id == license_id)
        ).one()
        assert tuple(row) == (False, None)  # the other writer's, not mine


def test_nothing_changed_writes_nothing(partner: PartnerHandle, settings: Settings) -> None:
    license_id = _license(partner)
    with session_scope(settings) as session:
        lic = _held(session, license_id)
        before = lic.row_version
        lic.seats = lic.seats  # set to what it was: no change
        repository.save(session, lic)
        assert lic.row_version == before
