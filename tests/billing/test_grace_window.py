"""The grace window (issue 27): a purchase undone within 168 hours is given back exactly, to
the lots it came from; after the window, today's rules. Through the API, the calendar and the
plan; the races are in tests/billing/test_undo_races.py."""

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.support.api import (
    Caller,
    PartnerHandle,
    SetClock,
    all_items,
    as_vendor,
    extend_credit,
    keep_level,
    ledger,
    license_body,
    make_customer,
    make_partner,
    run_jobs,
)
from tests.support.plan import apply, plan

T0 = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)  # a 12-month term ends 2027-12-05: 365 days
WITHIN = T0 + timedelta(hours=167)
AFTER = T0 + timedelta(hours=169)


def lots(p: PartnerHandle) -> dict[str, tuple[int, int, str]]:
    """Each open lot: (remaining, discount, expiry)."""
    return {
        lot["id"]: (lot["remaining_cents"], lot["discount_bp"], lot["expires_at"])
        for lot in p.read.get("/v1/wallet").json()["lots"]
    }


def two_lots(operator: Caller, set_clock: SetClock) -> PartnerHandle:
    """A partner whose credit is in two lots of different discounts (a charge of more than the
    first draws from both)."""
    set_clock(T0 - timedelta(days=30))
    p = make_partner(operator, top_up_cents=55_000)  # 10 % off
    set_clock(T0 - timedelta(days=20))
    operator.post(f"/v1/partners/{p.id}/top-ups", {"amount_cents": 550_000}, expect=201)  # 40 %
    return p


def charges(p: PartnerHandle) -> list[dict[str, Any]]:
    return [e for e in ledger(p.read) if e["kind"] == "charge"]


def refunds(p: PartnerHandle) -> list[dict[str, Any]]:
    return [e for e in ledger(p.read) if e["kind"] == "refund"]


def big_license(p: PartnerHandle, seats: int = 1_800) -> dict[str, Any]:
    """dns-filter ProPlus for a school: 0.28 EUR a seat and month, 12 months."""
    org = make_customer(p)
    created: dict[str, Any] = p.write.post(
        "/v1/licenses", license_body(org["id"], seats=seats), expect=201
    ).json()
    return created


def paying_customer(operator: Caller, p: PartnerHandle) -> dict[str, Any]:
    """A customer of `p` that pays for itself (invoiced, the partner earns cashback)."""
    org = make_customer(p)
    grant = f"/v1/partners/{p.id}/customers/{org['id']}/grant"
    operator.patch(grant, {"payer": "customer"}, expect=200)
    return org


def raised(operator: Caller, set_clock: SetClock) -> tuple[PartnerHandle, str]:
    """A partner whose 100-seat license, bought 100 days before T0, is raised to 120 seats at
    T0 (within the window: the increase; long before it: the term)."""
    p = two_lots(operator, set_clock)
    set_clock(T0 - timedelta(days=100))
    lic = big_license(p, seats=100)
    set_clock(T0)
    path = f"/v1/licenses/{lic['id']}"
    p.write.patch(path, {"seats": 120}, expect=200)
    return p, path


class TestCancelWithinTheWindow:
    def test_a_new_license_cancelled_within_168_hours_is_given_back_to_its_lots(
        self, operator: Caller, set_clock: SetClock
    ) -> None:
        p = two_lots(operator, set_clock)
        before = lots(p)
        set_clock(T0)
        lic = big_license(p)  # 1,800 x 0.28 x 12 = 6,048 EUR: the first lot and most of the other
        (charge,) = charges(p)
        assert -charge["amount_cents"] == 604_800
        assert len([r for r in lots(p).values() if r[0]]) == 1  # the first lot is used up
        shown = p.read.get(f"/v1/licenses/{lic['id']}/undo").json()
        assert [(u["amount_cents"], u["undo_by"], u["entry_id"]) for u in shown] == [
            (604_800, "cancel", charge["id"])
        ]
        assert shown[0]["until"].startswith("2026-12-12T09:00:00")
        set_clock(WITHIN)
        cancelled = p.write.delete(f"/v1/licenses/{lic['id']}", expect=200).json()
        assert cancelled["status"] == "cancelled"
        (refund,) = refunds(p)
        assert refund["refunds_entry_id"] == charge["id"]
        assert (refund["amount_cents"], refund["net_cents"]) == (
            -charge["amount_cents"],
            -charge["net_cents"],
        )
        assert refund["description"].startswith("undoes the purchase of 2026-12-05")
        assert lots(p) == before  # each part back in its lot, with its discount and expiry
        # the order is withdrawn: it does not count for the level
        assert as_vendor(operator, p).get("/v1/level").json()["orders_last_6_months"] == 0
        events = all_items(p.read, "/v1/audit-events", object_id=lic["id"])
        (gone,) = [e for e in events if e["action"] == "license.cancelled"]
        assert gone["after"]["undone"][0].startswith("undoes the purchase of 2026-12-05")
        # a second cancel changes nothing: a refund can never exceed what was charged
        p.write.delete(f"/v1/licenses/{lic['id']}", expect=200)
        assert len(refunds(p)) == 1

    def test_after_the_window_a_cancel_gives_nothing_back(
        self, operator: Caller, set_clock: SetClock
    ) -> None:
        p = two_lots(operator, set_clock)
        set_clock(T0)
        lic = big_license(p, seats=10)
        set_clock(AFTER)
        assert p.read.get(f"/v1/licenses/{lic['id']}/undo").json() == []
        p.write.delete(f"/v1/licenses/{lic['id']}", expect=200)
        assert refunds(p) == []

    def test_a_renewal_cancelled_within_the_window_gives_back_that_term_only(
        self, operator: Caller, set_clock: SetClock
    ) -> None:
        p = two_lots(operator, set_clock)
        set_clock(T0)
        lic = big_license(p, seats=10)
        extend_credit(operator, p, set_clock, datetime(2027, 11, 1, tzinfo=UTC))
        set_clock(datetime(2027, 12, 5, 10, 0, tzinfo=UTC))
        run_jobs(operator)  # renewed: charged again
        keep_level(operator, p)  # (the monthly run found no orders of late: Bronze, no calls)
        _, renewal = charges(p)
        assert renewal["description"].startswith("renewal:")
        set_clock(datetime(2027, 12, 8, 10, 0, tzinfo=UTC))
        p.write.delete(f"/v1/licenses/{lic['id']}", expect=200)
        (refund,) = refunds(p)
        assert refund["refunds_entry_id"] == renewal["id"]


class TestSetBackWithinTheWindow:
    def test_seats_set_back_undo_the_increase_now(
        self, operator: Caller, set_clock: SetClock
    ) -> None:
        p, path = raised(operator, set_clock)
        increase = charges(p)[-1]
        wallet = p.read.get("/v1/wallet").json()["balance_cents"]
        shown = p.read.get(f"{path}/undo").json()
        assert [(u["seats_before"], u["edition_before"]) for u in shown] == [(100, "proplus")]
        set_clock(WITHIN)
        back = p.write.patch(path, {"seats": 100}, expect=200).json()
        assert (back["seats"], back["seats_next_term"]) == (100, None)  # now, not at renewal
        (refund,) = refunds(p)
        assert refund["refunds_entry_id"] == increase["id"]
        assert refund["amount_cents"] == -increase["amount_cents"]
        assert p.read.get("/v1/wallet").json()["balance_cents"] == wallet - increase["amount_cents"]
        assert back["monthly_nominal_cents"] == 100 * 28  # as before the increase
        # lower than before the increase: today's rule (at the renewal), nothing given back
        lower = p.write.patch(path, {"seats": 80}, expect=200).json()
        assert (lower["seats"], lower["seats_next_term"]) == (100, 80)
        assert len(refunds(p)) == 1
        # the license's own term was bought 100 days ago: a cancel gives nothing back
        p.write.delete(path, expect=200)
        assert len(refunds(p)) == 1

    def test_two_increases_set_back_one_at_a_time_or_both(
        self, operator: Caller, set_clock: SetClock
    ) -> None:
        p, path = raised(operator, set_clock)
        set_clock(T0 + timedelta(days=1))
        p.write.patch(path, {"seats": 150}, expect=200)
        first, second = charges(p)[-2:]
        set_clock(T0 + timedelta(days=2))
        assert p.write.patch(path, {"seats": 120}, expect=200).json()["seats"] == 120
        assert [r["refunds_entry_id"] for r in refunds(p)] == [second["id"]]
        p.write.patch(path, {"seats": 150}, expect=200)  # bought again
        again = charges(p)[-1]
        assert p.write.patch(path, {"seats": 100}, expect=200).json()["seats"] == 100
        undone = [r["refunds_entry_id"] for r in refunds(p)]
        assert undone == [second["id"], again["id"], first["id"]]

    def test_an_edition_upgrade_set_back(self, operator: Caller, set_clock: SetClock) -> None:
        p = two_lots(operator, set_clock)
        set_clock(T0 - timedelta(days=100))
        org = make_customer(p, segment="business")
        body = license_body(org["id"], edition="pro", seats=10)
        lic = p.write.post("/v1/licenses", body, expect=201).json()
        path = f"/v1/licenses/{lic['id']}"
        set_clock(T0)
        p.write.patch(path, {"edition": "proplus"}, expect=200)
        upgrade = charges(p)[-1]
        set_clock(WITHIN)
        back = p.write.patch(path, {"edition": "pro"}, expect=200).json()
        assert (back["edition"], back["edition_next_term"]) == ("pro", None)
        assert [r["refunds_entry_id"] for r in refunds(p)] == [upgrade["id"]]

    def test_after_the_window_seats_lower_at_the_renewal(
        self, operator: Caller, set_clock: SetClock
    ) -> None:
        p, path = raised(operator, set_clock)
        set_clock(AFTER)
        later = p.write.patch(path, {"seats": 100}, expect=200).json()
        assert (later["seats"], later["seats_next_term"]) == (120, 100)
        assert refunds(p) == []


class TestCustomersAndAddOns:
    def test_an_invoice_to_the_customer_is_voided_and_its_cashback_taken_back(
        self, operator: Caller, set_clock: SetClock
    ) -> None:
        set_clock(T0)
        p = make_partner(operator, top_up_cents=55_000)
        org = paying_customer(operator, p)
        lic = p.write.post("/v1/licenses", license_body(org["id"]), expect=201).json()
        (invoice,) = operator.get("/v1/invoices", params={"customer_id": org["id"]}).json()["items"]
        operator.post(f"/v1/invoices/{invoice['id']}/payment", {}, expect=200)
        balance = p.read.get("/v1/wallet").json()["balance_cents"]
        shown = p.read.get(f"/v1/licenses/{lic['id']}/undo").json()
        assert [(u["payer"], u["invoice_id"]) for u in shown] == [("customer", invoice["id"])]
        set_clock(WITHIN)
        p.write.delete(f"/v1/licenses/{lic['id']}", expect=200)
        voided = operator.get(f"/v1/invoices/{invoice['id']}").json()
        assert voided["status"] == "void"
        reversal = [e for e in ledger(p.read) if e["kind"] == "cashback_reversal"]
        assert [-e["amount_cents"] for e in reversal] == [invoice["cashback_cents"]]
        assert p.read.get("/v1/wallet").json()["balance_cents"] == (
            balance - invoice["cashback_cents"]
        )

    def test_an_add_on_cancelled_within_the_window_ends_now_and_is_given_back(
        self, operator: Caller, set_clock: SetClock
    ) -> None:
        p = two_lots(operator, set_clock)
        before = lots(p)
        set_clock(T0)
        addon = p.write.post("/v1/addons", {"option": "white-label"}, expect=201).json()
        set_clock(WITHIN)
        cancelled = p.write.delete(f"/v1/addons/{addon['id']}", expect=200).json()
        assert cancelled["status"] == "ended"
        (refund,) = refunds(p)
        assert refund["amount_cents"] == addon["price_cents"]
        assert lots(p) == before


class TestThePlanSaysIt:
    def test_the_plan_shows_the_refund_and_the_up_records_it(
        self, operator: Caller, set_clock: SetClock
    ) -> None:
        p = two_lots(operator, set_clock)
        set_clock(T0 - timedelta(days=100))
        kept = big_license(p, seats=100)
        set_clock(T0)
        fresh = big_license(p, seats=50)
        p.write.patch(f"/v1/licenses/{kept['id']}", {"seats": 700}, expect=200)
        increase = charges(p)[-1]
        bought = next(c for c in charges(p) if c["object_id"] == fresh["id"])
        set_clock(WITHIN)
        changes = [
            {
                "key": "kept",
                "action": "update",
                "type": "license",
                "id": kept["id"],
                "inputs": {"seats": 100},
            },
            {"key": "fresh", "action": "delete", "type": "license", "id": fresh["id"]},
        ]
        result = plan(p, changes)
        back, gone = result["changes"]
        assert back["refund_cents"] == -increase["amount_cents"]
        assert back["refund_net_cents"] == -increase["net_cents"]
        assert back["notes"] == [
            "seats 700 -> 100 now, within the grace window; term to 2027-08-27",
            f"refund {-increase['amount_cents'] / 100:,.2f} EUR: undoes the purchase of "
            f"2026-12-05 (within 168 hours): {increase['description']}",
        ]
        assert (gone["refund_cents"], gone["forfeit_cents"]) == (-bought["amount_cents"], 0)
        assert result["totals"]["refund_cents"] == back["refund_cents"] + gone["refund_cents"]
        wallet = result["wallet"]
        assert (
            wallet["balance_after_cents"]
            == wallet["balance_before_cents"] + (result["totals"]["refund_cents"])
        )
        for change in changes:
            apply(p, change, {}).raise_for_status()
        given = {r["refunds_entry_id"]: r for r in refunds(p)}
        assert set(given) == {increase["id"], bought["id"]}
        assert sum(r["amount_cents"] for r in given.values()) == result["totals"]["refund_cents"]
        assert sum(r["net_cents"] for r in given.values()) == result["totals"]["refund_net_cents"]
        assert p.read.get("/v1/wallet").json()["balance_cents"] == wallet["balance_after_cents"]
