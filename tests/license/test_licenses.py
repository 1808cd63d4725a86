"""Licenses through the API: assignment, proration, next-term changes, cancel, keys, usage."""

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from tests.support.api import (
    Caller,
    PartnerHandle,
    SetClock,
    all_items,
    ledger,
    make_customer,
    make_partner,
    product_reports,
    school_license,
)

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)  # a 12-month term ends 2027-03-01: 365 days


def charges(p: PartnerHandle) -> list[int]:
    return [-e["amount_cents"] for e in ledger(p.read) if e["kind"] == "charge"]


class TestAssignment:
    def test_a_prepaid_term_is_charged_in_full(
        self, partner: PartnerHandle, set_clock: SetClock
    ) -> None:
        set_clock(START)
        lic = school_license(partner, seats=100, term=12)
        assert charges(partner) == [100 * 28 * 12]
        assert lic["status"] == "active"
        assert lic["monthly_nominal_cents"] == 2_800
        assert lic["starts_at"].startswith("2026-03-01T09:00:00")
        assert lic["ends_at"].startswith("2027-03-01T09:00:00")
        assert lic["license_key"].startswith("PF-")

    @pytest.mark.parametrize("term", [24, 36, 48, 60])
    def test_longer_terms_cost_the_yearly_monthly_rate(
        self, partner: PartnerHandle, term: int
    ) -> None:
        school_license(partner, seats=10, term=term)
        assert charges(partner) == [10 * 28 * term]

    def test_a_monthly_term_costs_twenty_percent_more(self, partner: PartnerHandle) -> None:
        customer = make_customer(partner, segment="business")
        partner.write.post(
            "/v1/licenses",
            {
                "customer_id": customer["id"],
                "product": "dns-filter",
                "edition": "proplus",
                "term_months": 1,
                "seats": 10,
            },
            expect=201,
        )
        assert charges(partner) == [10 * 166]

    def test_a_term_starting_on_the_31st_ends_on_the_last_day_of_a_short_month(
        self, partner: PartnerHandle, set_clock: SetClock
    ) -> None:
        set_clock(datetime(2027, 1, 31, 8, 0, tzinfo=UTC))
        customer = make_customer(partner, segment="business")
        lic = partner.write.post(
            "/v1/licenses",
            {
                "customer_id": customer["id"],
                "product": "dns-filter",
                "edition": "pro",
                "term_months": 1,
                "seats": 1,
            },
            expect=201,
        ).json()
        assert lic["ends_at"].startswith("2027-02-28T08:00:00")

    def test_bad_edition_names_the_field_and_the_choices(self, partner: PartnerHandle) -> None:
        customer = make_customer(partner)
        r = partner.write.post(
            "/v1/licenses",
            {
                "customer_id": customer["id"],
                "product": "dns-filter",
                "edition": "pro-plus",
                "term_months": 12,
                "seats": 1,
            },
        )
        assert r.status_code == 422
        assert r.json()["code"] == "validation_failed"
        assert "edition" in r.json()["detail"] and "proplus" in r.json()["detail"]

    def test_seats_below_one_are_refused(self, partner: PartnerHandle) -> None:
        customer = make_customer(partner)
        r = partner.write.post(
            "/v1/licenses",
            {
                "customer_id": customer["id"],
                "product": "dns-filter",
                "edition": "pro",
                "term_months": 12,
                "seats": 0,
            },
        )
        assert r.status_code == 422
        assert r.json()["errors"][0]["field"] == "seats"

    def test_usage_billed_products_take_no_term_and_charge_nothing_up_front(
        self, partner: PartnerHandle
    ) -> None:
        customer = make_customer(partner, segment="business")
        lic = partner.write.post(
            "/v1/licenses",
            {"customer_id": customer["id"], "product": "mail", "edition": "standard"},
            expect=201,
        ).json()
        assert (lic["term_months"], lic["ends_at"], lic["seats"]) == (None, None, None)
        assert charges(partner) == []
        r = partner.write.post(
            "/v1/licenses",
            {
                "customer_id": customer["id"],
                "product": "mail",
                "edition": "standard",
                "term_months": 12,
            },
        )
        assert r.status_code == 422 and "term_months" in r.json()["detail"]

    def test_a_trial_is_free_for_fourteen_days_once_per_customer_and_product(
        self, partner: PartnerHandle, set_clock: SetClock
    ) -> None:
        set_clock(START)
        customer = make_customer(partner, segment="business")
        body = {
            "customer_id": customer["id"],
            "product": "dns-filter",
            "edition": "pro",
            "term_months": 12,
            "seats": 50,
            "trial": True,
        }
        lic = partner.write.post("/v1/licenses", body, expect=201).json()
        assert (lic["status"], lic["ends_at"][:10]) == ("trial", "2026-03-15")
        assert charges(partner) == []
        r = partner.write.post("/v1/licenses", body)
        assert (r.status_code, r.json()["code"]) == (409, "trial_already_used")

    def test_reference_is_unique_and_the_conflict_names_the_existing_license(
        self, partner: PartnerHandle
    ) -> None:
        lic = school_license(partner, seats=1, reference="crm-4711")
        customer = make_customer(partner)
        r = partner.write.post(
            "/v1/licenses",
            {
                "customer_id": customer["id"],
                "product": "dns-filter",
                "edition": "pro",
                "term_months": 12,
                "seats": 1,
                "reference": "crm-4711",
            },
        )
        assert (r.status_code, r.json()["code"], r.json()["existing_id"]) == (
            409,
            "reference_exists",
            lic["id"],
        )
        found = partner.read.get("/v1/licenses", params={"reference": "crm-4711"}).json()
        assert [item["id"] for item in found["items"]] == [lic["id"]]


class TestSeatChanges:
    def test_seat_increase_is_prorated_as_in_the_spec(
        self, partner: PartnerHandle, set_clock: SetClock
    ) -> None:
        set_clock(START)
        lic = school_license(partner, seats=100)
        set_clock(START + timedelta(days=182))  # 183 of 365 days left
        updated = partner.write.patch(
            f"/v1/licenses/{lic['id']}", {"seats": 150}, expect=200
        ).json()
        assert charges(partner) == [100 * 28 * 12, 8_423]
        assert (updated["seats"], updated["seats_next_term"]) == (150, None)
        assert updated["monthly_nominal_cents"] == 150 * 28

    def test_seat_decrease_mid_term_takes_effect_at_renewal_without_refund(
        self, partner: PartnerHandle, set_clock: SetClock
    ) -> None:
        set_clock(START)
        lic = school_license(partner, seats=100)
        set_clock(START + timedelta(days=8))  # after the grace window (within it: corrected)
        updated = partner.write.patch(f"/v1/licenses/{lic['id']}", {"seats": 80}, expect=200).json()
        assert (updated["seats"], updated["seats_next_term"]) == (100, 80)
        assert charges(partner) == [100 * 28 * 12]
        assert [e["kind"] for e in ledger(partner.read)].count("refund") == 0

    def test_edition_upgrade_is_prorated_and_downgrade_waits_for_renewal(
        self, partner: PartnerHandle, set_clock: SetClock
    ) -> None:
        set_clock(START)
        customer = make_customer(partner, segment="business")
        lic = partner.write.post(
            "/v1/licenses",
            {
                "customer_id": customer["id"],
                "product": "dns-filter",
                "edition": "pro",
                "term_months": 12,
                "seats": 10,
            },
            expect=201,
        ).json()
        set_clock(START + timedelta(days=182))
        up = partner.write.patch(
            f"/v1/licenses/{lic['id']}", {"edition": "proplus"}, expect=200
        ).json()
        # 10 x (1.38 - 0.92) x 12 x 183 / 365 = 2,767.56... -> 2,768 cents
        assert charges(partner)[-1] == 2_768
        assert (up["edition"], up["edition_next_term"]) == ("proplus", None)
        set_clock(START + timedelta(days=182 + 8))  # past the grace window (an undo within it)
        down = partner.write.patch(
            f"/v1/licenses/{lic['id']}", {"edition": "pro"}, expect=200
        ).json()
        assert (down["edition"], down["edition_next_term"]) == ("proplus", "pro")
        assert len(charges(partner)) == 2

    def test_monthly_licenses_change_at_the_next_monthly_renewal(
        self, partner: PartnerHandle
    ) -> None:
        customer = make_customer(partner, segment="business")
        lic = partner.write.post(
            "/v1/licenses",
            {
                "customer_id": customer["id"],
                "product": "dns-filter",
                "edition": "pro",
                "term_months": 1,
                "seats": 10,
            },
            expect=201,
        ).json()
        updated = partner.write.patch(f"/v1/licenses/{lic['id']}", {"seats": 20}, expect=200).json()
        assert (updated["seats"], updated["seats_next_term"]) == (10, 20)
        assert len(charges(partner)) == 1

    def test_an_increase_the_wallet_cannot_pay_changes_nothing(
        self, operator: Caller, set_clock: SetClock
    ) -> None:
        set_clock(START)
        p = make_partner(operator, top_up_cents=55_000)
        lic = school_license(p, seats=100)  # 336 EUR of 550
        r = p.write.patch(f"/v1/licenses/{lic['id']}", {"seats": 5_000})
        assert r.status_code == 402
        assert p.read.get(f"/v1/licenses/{lic['id']}").json()["seats"] == 100


class TestCancelAndKeys:
    def test_cancel_does_not_refund_and_the_key_stops_validating(
        self, partner: PartnerHandle, client: TestClient, set_clock: SetClock
    ) -> None:
        set_clock(START)
        lic = school_license(partner, seats=5)
        set_clock(START + timedelta(hours=169))  # past the grace window (tests/billing)
        key = partner.read.get(f"/v1/licenses/{lic['id']}").json()["license_key"]
        valid = client.get(f"/v1/license-keys/{key}/validate").json()
        assert valid == {
            "valid": True,
            "product": "dns-filter",
            "edition": "proplus",
            "seats": 5,
            "expires_at": valid["expires_at"],
        }
        cancelled = partner.write.delete(f"/v1/licenses/{lic['id']}", expect=200).json()
        assert cancelled["status"] == "cancelled"
        assert [e["kind"] for e in ledger(partner.read)].count("refund") == 0
        assert client.get(f"/v1/license-keys/{key}/validate").json() == {
            "valid": False,
            "product": None,
            "edition": None,
            "seats": None,
            "expires_at": None,
        }

    def test_an_unknown_key_reveals_nothing(self, client: TestClient) -> None:
        assert client.get("/v1/license-keys/PF-NOPE/validate").json()["valid"] is False

    def test_license_keys_are_unique(self, partner: PartnerHandle) -> None:
        keys = {school_license(partner, seats=1)["license_key"] for _ in range(20)}
        assert len(keys) == 20


class TestUsage:
    def test_usage_reports_set_the_seats_in_use(self, partner: PartnerHandle) -> None:
        lic = school_license(partner, seats=5)
        product_reports(partner.write, lic["license_key"], 7)
        assert partner.read.get(f"/v1/licenses/{lic['id']}").json()["used_seats"] == 7

    def test_the_product_reports_with_its_license_key_and_the_partner_only_reads(
        self, partner: PartnerHandle
    ) -> None:
        lic = school_license(partner, seats=5)
        used = partner.read.get("/v1/quota").json()["used"]
        product_reports(partner.write, lic["license_key"], 4)
        product_reports(partner.write, lic["license_key"], 6)
        assert partner.read.get("/v1/quota").json()["used"] == used + 1  # only that read
        r = partner.write.post(f"/v1/licenses/{lic['id']}/usage", {"used": 1})
        assert (r.status_code, r.json()["code"]) == (403, "usage_is_reported_by_the_product")
        assert "/v1/license-keys/{license_key}/usage" in r.json()["detail"]
        reports = partner.read.get(f"/v1/licenses/{lic['id']}/usage").json()["items"]
        assert [x["used"] for x in reports] == [4, 6]
        events = all_items(partner.read, "/v1/audit-events", object_id=lic["id"])
        reported = [e for e in events if e["action"] == "usage.reported"]
        assert [e["after"]["used"] for e in reported] == [4, 6]
        assert all(e["actor_key_id"] == "product" for e in reported)  # not a key: the product
        assert all(lic["license_key"] not in str(e) for e in reported)
        product_reports(partner.write, "PF-NOT-A-KEY", 3, expect=404)
        partner.write.delete(f"/v1/licenses/{lic['id']}", expect=200)
        product_reports(partner.write, lic["license_key"], 3, expect=409)

    def test_a_report_cannot_be_backdated_past_what_may_still_arrive(
        self, operator: Caller, set_clock: SetClock
    ) -> None:
        now = datetime(2031, 5, 20, 12, 0, tzinfo=UTC)
        set_clock(now - timedelta(days=10))
        partner = make_partner(operator, top_up_cents=110_000)
        lic = school_license(partner, seats=5)
        set_clock(now)
        for at in ("2020-01-01T00:00:00Z", (now - timedelta(hours=49)).isoformat()):
            refused = product_reports(partner.write, lic["license_key"], 3, at=at, expect=422)
            assert refused.json()["field"] == "at"
        product_reports(
            partner.write, lic["license_key"], 3, at=(now - timedelta(hours=47)).isoformat()
        )


class TestPendingChanges:
    def test_asking_for_the_current_seats_again_withdraws_a_pending_decrease(
        self, partner: PartnerHandle, set_clock: SetClock
    ) -> None:
        set_clock(START)
        lic = school_license(partner, seats=100)
        set_clock(START + timedelta(days=8))  # after the grace window
        partner.write.patch(f"/v1/licenses/{lic['id']}", {"seats": 80}, expect=200)
        back = partner.write.patch(f"/v1/licenses/{lic['id']}", {"seats": 100}, expect=200).json()
        assert (back["seats"], back["seats_next_term"]) == (100, None)
        assert len(charges(partner)) == 1
