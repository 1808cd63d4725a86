"""A wrong digit corrected within the grace window: fewer seats than a purchase of the last
168 hours made undo it (and every purchase after it) and buy it again with the lower count,
priced as on its day, in its own window (never a longer one). Through the API and the plan;
the race is in tests/billing/test_undo_races.py."""

from datetime import timedelta
from typing import Any

from partnerfleet_backend.settings import Settings
from tests.billing.test_grace_window import (
    AFTER,
    T0,
    big_license,
    charges,
    lots,
    paying_customer,
    raised,
    refunds,
    two_lots,
)
from tests.support.api import Caller, PartnerHandle, SetClock, ledger, license_body
from tests.support.database import query
from tests.support.plan import apply, plan

TERM = 28 * 12  # cents a seat for the 12-month term (dns-filter ProPlus, a school)


def balance(p: PartnerHandle) -> int:
    return int(p.read.get("/v1/wallet").json()["balance_cents"])


def covers(settings: Settings, entry: dict[str, Any]) -> tuple[object, ...]:
    """What a charge pays for (the time, the seats), as the ledger keeps it for resale."""
    (row,) = query(
        settings,
        "SELECT covers_from, covers_to, units FROM ledger_entries WHERE id = :i",
        i=entry["id"],
    )
    return row["covers_from"], row["covers_to"], row["units"]


class TestANewLicense:
    def test_a_wrong_seat_count_is_bought_again_with_the_right_one_in_the_same_window(
        self, operator: Caller, set_clock: SetClock, settings: Settings
    ) -> None:
        p = two_lots(operator, set_clock)
        start = balance(p)
        set_clock(T0)
        lic = big_license(p, seats=1_800)  # meant: 180
        path = f"/v1/licenses/{lic['id']}"
        (wrong,) = charges(p)
        set_clock(T0 + timedelta(days=3))
        fixed = p.write.patch(path, {"seats": 180}, expect=200).json()
        assert (fixed["seats"], fixed["seats_next_term"]) == (180, None)
        assert fixed["monthly_nominal_cents"] == 180 * 28
        (refund,) = refunds(p)
        assert (refund["refunds_entry_id"], refund["amount_cents"]) == (wrong["id"], 1_800 * TERM)
        right = charges(p)[-1]
        assert right["amount_cents"] == -180 * TERM
        assert right["description"].endswith("corrects the purchase of 2026-12-05")
        assert covers(settings, right) == (*covers(settings, wrong)[:2], 180)
        assert balance(p) == start - 180 * TERM  # as if 180 had been bought
        # its window is the one of the purchase it corrects
        (shown,) = p.read.get(f"{path}/undo").json()
        assert shown["made_at"].startswith("2026-12-05T09:00") and shown["until"].startswith(
            "2026-12-12T09:00"
        )
        # one order for the level, on the day it was made
        orders = query(
            settings, "SELECT ordered_at FROM partner_orders WHERE object_id = :i", i=lic["id"]
        )
        assert [str(o["ordered_at"])[:16] for o in orders] == ["2026-12-05 09:00"]
        # after that window a cancel gives nothing back, however late the correction was
        set_clock(AFTER)
        p.write.delete(path, expect=200)
        assert len(refunds(p)) == 1 and balance(p) == start - 180 * TERM

    def test_within_the_window_a_cancel_gives_the_corrected_purchase_back(
        self, operator: Caller, set_clock: SetClock
    ) -> None:
        p = two_lots(operator, set_clock)
        before = lots(p)
        set_clock(T0)
        lic = big_license(p, seats=900)
        set_clock(T0 + timedelta(days=1))
        p.write.patch(f"/v1/licenses/{lic['id']}", {"seats": 90}, expect=200)
        set_clock(T0 + timedelta(days=2))
        p.write.delete(f"/v1/licenses/{lic['id']}", expect=200)
        assert lots(p) == before  # every cent back to the lot it came from


class TestAnIncrease:
    def test_a_wrong_digit_is_priced_as_the_right_one_on_its_day(
        self, operator: Caller, set_clock: SetClock, settings: Settings
    ) -> None:
        p, wrong_path = raised(operator, set_clock)  # 100 -> 120 seats at T0
        set_clock(T0 - timedelta(days=100))
        twin = big_license(p, seats=100)
        set_clock(T0)
        twin_path = f"/v1/licenses/{twin['id']}"
        p.write.patch(twin_path, {"seats": 110}, expect=200)  # what was meant, on that day
        meant = charges(p)[-1]
        wrong = next(c for c in charges(p) if c["description"].startswith("dns-filter: 100"))
        set_clock(T0 + timedelta(days=5))  # fewer days left now: priced as on its day all the same
        fixed = p.write.patch(wrong_path, {"seats": 110}, expect=200).json()
        assert (fixed["seats"], fixed["seats_next_term"]) == (110, None)
        assert [r["refunds_entry_id"] for r in refunds(p)] == [wrong["id"]]
        right = charges(p)[-1]
        assert right["amount_cents"] == meant["amount_cents"]
        assert covers(settings, right) == covers(settings, meant)
        # the corrected increase is an increase still: set back to 100, it is undone too
        (shown,) = p.read.get(f"{wrong_path}/undo").json()
        assert (shown["seats_before"], shown["made_at"][:10]) == (100, "2026-12-05")
        back = p.write.patch(wrong_path, {"seats": 100}, expect=200).json()
        assert back["seats"] == 100
        assert [r["refunds_entry_id"] for r in refunds(p)] == [wrong["id"], right["id"]]

    def test_an_edition_lowered_or_seats_below_the_window_wait_for_the_renewal(
        self, operator: Caller, set_clock: SetClock
    ) -> None:
        p, path = raised(operator, set_clock)  # 100 -> 120 at T0; the term 100 days before
        set_clock(T0 + timedelta(days=1))
        below = p.write.patch(path, {"seats": 90}, expect=200).json()  # below what it started at
        assert (below["seats"], below["seats_next_term"]) == (120, 90)
        lower_edition = p.write.patch(path, {"seats": 110, "edition": "pro"}, expect=200).json()
        assert (lower_edition["seats"], lower_edition["edition"]) == (120, "proplus")
        assert refunds(p) == []


class TestACustomerPaying:
    def test_the_invoice_is_voided_and_the_right_one_issued_in_the_same_window(
        self, operator: Caller, set_clock: SetClock
    ) -> None:
        p = two_lots(operator, set_clock)
        org = paying_customer(operator, p)
        set_clock(T0)
        body = license_body(org["id"], seats=1_000)
        lic = p.write.post("/v1/licenses", body, expect=201).json()
        set_clock(T0 + timedelta(days=2))
        p.write.patch(f"/v1/licenses/{lic['id']}", {"seats": 100}, expect=200)
        invoices = operator.get("/v1/invoices", params={"customer_id": org["id"]}).json()["items"]
        by_status = {i["status"]: i for i in invoices}
        assert by_status["void"]["amount_cents"] == 1_000 * TERM
        assert by_status["open"]["amount_cents"] == 100 * TERM
        (shown,) = p.read.get(f"/v1/licenses/{lic['id']}/undo").json()
        assert (shown["invoice_id"], shown["made_at"][:10]) == (
            by_status["open"]["id"],
            "2026-12-05",
        )


class TestThePlan:
    def test_the_plan_prices_the_correction_and_the_up_records_it(
        self, operator: Caller, set_clock: SetClock
    ) -> None:
        p = two_lots(operator, set_clock)
        set_clock(T0)
        lic = big_license(p, seats=1_500)
        (wrong,) = charges(p)
        set_clock(T0 + timedelta(days=4))
        change: dict[str, Any] = {
            "key": "fixed",
            "action": "update",
            "type": "license",
            "id": lic["id"],
            "inputs": {"seats": 150},
        }
        result = plan(p, [change])
        (planned,) = result["changes"]
        assert planned["refund_cents"] == -wrong["amount_cents"]
        assert planned["charge_now_cents"] == 150 * TERM and planned["effective"] == "now"
        assert (
            planned["notes"][0]
            == "seats 1500 -> 150 now, within the grace window; term to 2027-12-05"
        )
        apply(p, change, {}).raise_for_status()
        entries = ledger(p.read)
        assert [e["kind"] for e in entries[-2:]] == ["refund", "charge"]
        assert -entries[-1]["amount_cents"] == planned["charge_now_cents"]
        assert -entries[-1]["net_cents"] == planned["charge_now_net_cents"]
        assert entries[-2]["net_cents"] == planned["refund_net_cents"]
        assert balance(p) == result["wallet"]["balance_after_cents"]
