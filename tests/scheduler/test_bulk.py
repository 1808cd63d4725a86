"""Rows written in bulk (COPY on PostgreSQL, executemany elsewhere) read back exactly like rows
written through the ORM, and a renewal run over hundreds of licenses charges each one once."""

from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from typing import cast

import pytest
from sqlalchemy import Table, select

from partnerfleet_backend.db import bulk
from partnerfleet_backend.db.engines import session_scope
from partnerfleet_backend.kit.ids import new_id
from partnerfleet_backend.models import Notification
from partnerfleet_backend.settings import Settings
from tests.support.api import (
    Caller,
    PartnerHandle,
    SetClock,
    all_items,
    extend_credit,
    keep_level,
    ledger,
    license_body,
    make_customer,
    make_partner,
    run_jobs,
)

NOTIFICATIONS = cast(Table, Notification.__table__)
T0 = datetime(2031, 1, 20, 8, 0, tzinfo=UTC)


def test_bulk_rows_read_back_like_orm_rows(settings: Settings) -> None:
    """Values go through the columns' types (UTC, JSON), scalar defaults are filled in."""
    at = datetime(2031, 5, 1, 2, 30, tzinfo=timezone(timedelta(hours=2)))  # 00:30 UTC
    tag = new_id("t")
    rows = [
        {
            "id": new_id("ntf"),
            "partner_id": "ptn_bulk",
            "kind": "bulk_test",
            "message": f"row {i}",
            "data": {"i": i, "nested": {"tag": tag}},
            "dedupe_key": f"{tag}:{i}",
            "created_at": at,
        }
        for i in range(bulk.COPY_FROM_ROWS + 50)  # the COPY path on PostgreSQL
    ]
    with session_scope(settings) as session:
        session.add(Notification(**{**rows[0], "id": new_id("ntf"), "dedupe_key": f"{tag}:orm"}))
        bulk.insert_rows(session, NOTIFICATIONS, rows)
    with session_scope(settings) as session:
        stored = session.scalars(
            select(Notification).where(Notification.dedupe_key.like(f"{tag}:%"))
        ).all()
        by_key = {n.dedupe_key: n for n in stored}
        assert len(stored) == len(rows) + 1
        for row in rows:
            n = by_key[str(row["dedupe_key"])]
            assert (n.message, n.data, n.delivery, n.attempts, n.next_attempt_at) == (
                row["message"],
                row["data"],
                "pending",  # the model's default, as the ORM row got it
                0,
                None,
            )
            assert n.created_at == at and n.created_at.tzinfo == UTC
        orm = by_key[f"{tag}:orm"]
        assert (orm.delivery, orm.attempts, orm.created_at) == ("pending", 0, at)

        retry_at = datetime(2031, 5, 2, tzinfo=UTC)
        bulk.update_rows(
            session,
            NOTIFICATIONS,
            [
                {"id": row["id"], "attempts": i, "next_attempt_at": retry_at + timedelta(hours=i)}
                for i, row in enumerate(rows)
            ],
        )
    with session_scope(settings) as session:
        for i, row in enumerate(rows):
            found = session.get(Notification, row["id"])
            assert found is not None
            n = found
            assert (n.attempts, n.next_attempt_at, n.message) == (
                i,
                retry_at + timedelta(hours=i),
                row["message"],  # columns not named stay as they were
            )


def test_rows_of_one_batch_must_have_the_same_columns(settings: Settings) -> None:
    rows = [{"id": f"x{i}", "partner_id": "p", "kind": "k", "message": "m"} for i in range(300)]
    rows[150] = {"id": "y", "partner_id": "p", "kind": "k"}
    with pytest.raises(ValueError, match="same columns"):
        bulk._with_defaults(NOTIFICATIONS, rows)


def _licenses(p: PartnerHandle, count: int) -> list[str]:
    body = license_body(make_customer(p, segment="school")["id"], seats=1)
    return [p.write.post("/v1/licenses", body, expect=201).json()["id"] for _ in range(count)]


def test_a_renewal_run_over_hundreds_of_licenses_charges_each_once(
    operator: Caller,
    set_clock: SetClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two partners, 120 one-seat school licenses each (dns-filter proplus, 28 cents a seat
    and month, 336 cents a 12-month term, SPEC price table). Every write of the run goes the
    bulk way (COPY on PostgreSQL) however small.

    rich: top-up 100,000; terms bought 120 x 336 = 40,320; +100 at day 300 -> 59,780 left;
          renewals 40,320 -> all 120 renewed, 19,460 left.
    poor: top-up 55,000 - 40,320 + 100 = 14,780 left; 14,780 // 336 = 43 renewals
          (14,448), 332 left; the other 77 lapse.
    """
    monkeypatch.setattr(bulk, "COPY_FROM_ROWS", 1)
    set_clock(T0)
    rich = make_partner(operator, top_up_cents=100_000)
    poor = make_partner(operator, top_up_cents=55_000)
    ids = {p.id: _licenses(p, 120) for p in (rich, poor)}
    for p in (rich, poor):
        extend_credit(operator, p, set_clock, T0 + timedelta(days=300))
    set_clock(T0 + timedelta(days=365))
    assert run_jobs(operator)["licenses"]["renewed"] >= 163  # other tests' licenses too
    run_jobs(operator)  # the same day again: nothing more (checked below)

    for p, renewed, left in ((rich, 120, 19_460), (poor, 43, 332)):
        keep_level(operator, p)
        licenses = {
            lic["id"]: lic for lic in all_items(p.read, "/v1/licenses") if lic["id"] in ids[p.id]
        }
        statuses = Counter(lic["status"] for lic in licenses.values())
        assert statuses == Counter({"active": renewed, "lapsed": 120 - renewed})
        for lic in licenses.values():
            if lic["status"] == "active":
                assert lic["starts_at"].startswith("2032-01-20")
                assert lic["ends_at"].startswith("2033-01-20")
                assert lic["monthly_nominal_cents"] == 28
            else:
                assert lic["ends_at"].startswith("2032-01-20")  # lapsed where it ended
        renewals = [
            e
            for e in ledger(p.read)
            if e["kind"] == "charge" and e["description"].startswith("renewal")
        ]
        assert sorted(e["object_id"] for e in renewals) == sorted(
            i for i, lic in licenses.items() if lic["status"] == "active"
        )
        assert {e["amount_cents"] for e in renewals} == {-336}
        wallet = p.read.get("/v1/wallet", expect=200).json()
        assert wallet["balance_cents"] == wallet["available_cents"] == left
        assert wallet["balance_cents"] == sum(e["amount_cents"] for e in ledger(p.read))
        kinds = Counter(
            (n["kind"], n["data"]["license_id"])
            for n in all_items(p.read, "/v1/notifications")
            if n["kind"] in ("license_renewed", "license_lapsed")
        )
        assert all(count == 1 for count in kinds.values())  # told once each
        assert {lid for _, lid in kinds} == set(licenses)
