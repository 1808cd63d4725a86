"""Each rule that is used in two places is written once; these tests show its two uses agree,
on the database the suite runs on (SQLite and PostgreSQL), so neither can drift from the other:

- the monthly run-rate (`License.run_rate_cents`, `AddOn.run_rate_at`): one hybrid rule, read
  in SQL by the level, the overview and the plan's totals, in Python by the plan's lines;
- the quota limit (`quota.repository.limit_of`): the statement that counts a call (the
  RateLimit headers) and the reads that show the quota (`GET /v1/quota`);
- the order lots are drawn in (`wallet.repository.OLDEST_FIRST`): a single charge's lots and
  a calendar run's;
- the ledger row (`wallet.service.ledger_row`): a charge of a request and a charge of the
  calendar leave the same kind of entry, lot consumptions and audit event.

The plan's lines adding up to its totals, and the totals to the run-rate after the up, is
checked in `tests/plan/test_plan_is_the_bill.py`."""

from datetime import UTC, datetime, timedelta
from itertools import product

from sqlalchemy import select, update

from partnerfleet_backend.db.engines import session_scope
from partnerfleet_backend.level.repository import monthly_usage
from partnerfleet_backend.models import AddOn, AddOnStatus, CreditLot, License, LicenseStatus
from partnerfleet_backend.settings import Settings
from partnerfleet_backend.wallet import repository as wallets
from tests.support.api import (
    Caller,
    PartnerHandle,
    SetClock,
    extend_credit,
    keep_level,
    ledger,
    make_partner,
    run_jobs,
    school_license,
)
from tests.support.database import query

T0 = datetime(2031, 2, 3, 8, 0, tzinfo=UTC)


def test_the_run_rate_in_sql_is_the_run_rate_in_python(
    settings: Settings, operator: Caller, set_clock: SetClock
) -> None:
    set_clock(T0)
    p = make_partner(operator, top_up_cents=110_000)
    lic = school_license(p, seats=40)
    addon = p.write.post("/v1/addons", {"option": "white-label"}, expect=201).json()
    with session_scope(settings) as session:
        row = session.get(License, lic["id"])
        bought = session.get(AddOn, addon["id"])
        assert row is not None and bought is not None
        seen = set()
        for status, managed in product(LicenseStatus, (True, False)):
            row.status, row.managed = status, managed
            session.flush()
            in_sql = session.scalar(select(License.run_rate_cents).where(License.id == row.id))
            assert in_sql == row.run_rate_cents, (status, managed)
            seen.add(in_sql)
        end = bought.period_end
        moments = (end - timedelta(days=1), end, end + timedelta(days=1))
        for option_status, now in product(AddOnStatus, moments):
            bought.status = option_status
            session.flush()
            in_sql = session.scalar(select(AddOn.run_rate_at(now)).where(AddOn.id == bought.id))
            assert in_sql == bought.run_rate_at(now), (option_status, now)
            seen.add(in_sql)
        assert seen == {0, row.monthly_nominal_cents, bought.price_cents}  # both forms vary
        row.status, row.managed, bought.status = LicenseStatus.ACTIVE, True, AddOnStatus.ACTIVE
        session.flush()
        level = monthly_usage(session, [p.id], T0)[p.id]
        assert level == row.run_rate_cents + bought.run_rate_at(T0) > 0
        session.rollback()


def _limits(p: PartnerHandle) -> tuple[int, int]:
    """(the limit the call's count gave its headers, the limit the quota's read shows)."""
    response = p.read.get("/v1/quota", expect=200)
    return int(response.headers["ratelimit-limit"]), int(response.json()["limit"])


def test_the_limit_a_call_is_counted_against_is_the_limit_shown(
    operator: Caller, set_clock: SetClock
) -> None:
    set_clock(T0)
    p = make_partner(operator, top_up_cents=110_000)
    counted, shown = _limits(p)
    assert counted == shown > 0
    pack = p.write.post("/v1/addons", {"option": "api-calls-50k"}, expect=201).json()
    with_pack = _limits(p)
    assert with_pack[0] == with_pack[1] == shown + 50_000
    set_clock(datetime.fromisoformat(pack["period_end"]) + timedelta(hours=1))  # not renewed
    assert _limits(p) == (shown, shown)


def test_a_single_charge_and_a_calendar_run_draw_lots_in_one_order(
    settings: Settings, operator: Caller, set_clock: SetClock
) -> None:
    set_clock(T0)
    p = make_partner(operator, top_up_cents=55_000)
    for cents in (200_000, 60_000, 70_000):
        operator.post(f"/v1/partners/{p.id}/top-ups", {"amount_cents": cents}, expect=201)
    lots = sorted(lot["id"] for lot in p.read.get("/v1/wallet").json()["lots"])
    # created the other way round from their ids, two at the same moment (then by id)
    with session_scope(settings) as session:
        for lot_id, minutes in zip(lots, (10, 20, 30, 30), strict=True):
            session.execute(
                update(CreditLot)
                .where(CreditLot.id == lot_id)
                .values(created_at=T0 - timedelta(minutes=minutes))
            )
    expected = [lots[2], lots[3], lots[1], lots[0]]
    with session_scope(settings, write=False) as session:
        single = [lot.id for lot in wallets.lots_with_credit(session, p.id)]
        drawn = [row[0] for row in wallets._LOTS_TO_DRAW.all(session, {"partner_id": p.id})]
        batch = [lot for _, lot, _, _ in wallets.open_lot_rows(session, [p.id], T0)]
    assert single == drawn == batch == expected


def _entry_rows(settings: Settings, partner_id: str) -> list[dict[str, object]]:
    return query(
        settings,
        "SELECT e.id, e.kind, e.amount_cents, e.net_cents, e.description, e.object_type,"
        " e.object_id, (SELECT SUM(c.amount_cents) FROM lot_consumptions c"
        "  WHERE c.entry_id = e.id) AS drawn,"
        " (SELECT COUNT(*) FROM audit_events a WHERE a.object_id = e.id"
        "  AND a.object_type = 'ledger_entry' AND a.action = 'wallet.charge') AS events"
        " FROM ledger_entries e WHERE e.partner_id = :p AND e.kind = 'charge'",
        p=partner_id,
    )


def test_a_request_s_charge_and_the_calendar_s_leave_the_same_ledger_row(
    settings: Settings, operator: Caller, set_clock: SetClock
) -> None:
    set_clock(T0)
    p = make_partner(operator, top_up_cents=110_000)
    lic = school_license(p, seats=50)  # charged by the request
    extend_credit(operator, p, set_clock, T0 + timedelta(days=300))
    set_clock(T0 + timedelta(days=366))
    run_jobs(operator)  # renewed: charged by the calendar
    keep_level(operator, p)
    rows = _entry_rows(settings, p.id)
    assert len(rows) == 2
    for row in rows:
        amount = row["amount_cents"]
        assert isinstance(amount, int) and amount < 0, row
        assert row["drawn"] == -amount and row["events"] == 1, row
        assert (row["object_type"], row["object_id"]) == ("license", lic["id"]), row
        assert isinstance(row["net_cents"], int) and amount <= row["net_cents"] <= 0, row
        assert row["description"], row
    shown = [e for e in ledger(p.read) if e["kind"] == "charge"]
    assert {tuple(sorted(e)) for e in shown} == {tuple(sorted(shown[0]))}
