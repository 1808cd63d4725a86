"""The program over time: renewals, lapses, trials, add-ons, reminders, levels, usage."""

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from partnerfleet_backend.settings import get_settings
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
    product_reports,
    run_jobs,
    school_license,
    train,
)
from tests.support.database import query

T0 = datetime(2028, 3, 10, 9, 0, tzinfo=UTC)


def notifications(p: PartnerHandle, *, levels: bool = False) -> list[tuple[str, str]]:
    items = p.read.get("/v1/notifications", params={"limit": 100}).json()["items"]
    return [
        (n["kind"], (n["data"] or {}).get("license_id", ""))
        for n in items
        if levels or n["kind"] != "level_changed"
    ]


def runners_at_once(operator: Caller, n: int) -> list[int]:
    """`n` calendar runs started together (on PostgreSQL really concurrent): their statuses."""
    statuses: list[int] = []

    def run() -> None:
        statuses.append(operator.post("/v1/jobs/run", {}).status_code)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses


class TestRenewals:
    def test_renewal_charges_the_next_terms_seats_once(
        self, operator: Caller, set_clock: SetClock
    ) -> None:
        set_clock(T0)
        p = make_partner(operator, top_up_cents=110_000)
        lic = school_license(p, seats=100)
        set_clock(T0 + timedelta(days=8))  # after the grace window: waits for the renewal
        p.write.patch(f"/v1/licenses/{lic['id']}", {"seats": 80}, expect=200)
        extend_credit(operator, p, set_clock, T0 + timedelta(days=300))
        set_clock(T0 + timedelta(days=365))
        run_jobs(operator)
        run_jobs(operator)  # the same day again: nothing more
        keep_level(operator, p)
        renewed = p.read.get(f"/v1/licenses/{lic['id']}").json()
        assert (renewed["seats"], renewed["seats_next_term"], renewed["status"]) == (
            80,
            None,
            "active",
        )
        assert renewed["starts_at"].startswith("2029-03-10") and renewed["ends_at"].startswith(
            "2030-03-10"
        )
        assert [-e["amount_cents"] for e in ledger(p.read) if e["kind"] == "charge"] == [
            100 * 28 * 12,
            80 * 28 * 12,
        ]
        assert ("license_renewed", lic["id"]) in notifications(p)

    def test_without_enough_credit_the_license_lapses_and_the_partner_is_told(
        self, operator: Caller, set_clock: SetClock
    ) -> None:
        set_clock(T0)
        p = make_partner(operator, top_up_cents=55_000)
        lic = school_license(p, seats=100)  # 336 EUR of 550: the renewal cannot be paid
        extend_credit(operator, p, set_clock, T0 + timedelta(days=300))
        set_clock(T0 + timedelta(days=366))
        run_jobs(operator)
        keep_level(operator, p)
        assert p.read.get(f"/v1/licenses/{lic['id']}").json()["status"] == "lapsed"
        assert ("license_lapsed", lic["id"]) in notifications(p)
        assert [e["kind"] for e in ledger(p.read)] == ["top_up", "charge", "top_up"]

    def test_two_job_runners_at_once_renew_once(
        self, operator: Caller, client: TestClient, set_clock: SetClock
    ) -> None:
        set_clock(T0)
        p = make_partner(operator, top_up_cents=110_000)
        lic = school_license(p, seats=10)
        extend_credit(operator, p, set_clock, T0 + timedelta(days=300))
        set_clock(T0 + timedelta(days=365))
        assert runners_at_once(operator, 4) == [200] * 4
        keep_level(operator, p)
        charges = [e for e in ledger(p.read) if e["kind"] == "charge"]
        assert len(charges) == 2
        assert [k for k, i in notifications(p) if i == lic["id"]].count("license_renewed") == 1

    def test_four_runners_at_once_convert_renew_and_bill_each_item_once(
        self, operator: Caller, set_clock: SetClock
    ) -> None:
        """Trials, add-ons and usage bills due at the same moment, four runners at once (on
        PostgreSQL really concurrent): each is charged and announced once."""
        set_clock(datetime(2028, 5, 3, tzinfo=UTC))
        p = make_partner(operator, top_up_cents=110_000)
        trial = school_license(p, seats=10, trial=True)
        pack = p.write.post("/v1/addons", {"option": "api-calls-25k"}, expect=201).json()
        customer = make_customer(p, segment="business")
        body = {"customer_id": customer["id"], "product": "mail", "edition": "standard"}
        mail = p.write.post("/v1/licenses", body, expect=201).json()
        set_clock(datetime(2028, 5, 10, tzinfo=UTC))
        product_reports(p.write, mail["license_key"], 12)
        set_clock(datetime(2028, 6, 3, 0, 5, tzinfo=UTC))  # all three due
        assert runners_at_once(operator, 4) == [200] * 4
        keep_level(operator, p)
        charges = [e for e in ledger(p.read) if e["kind"] == "charge"]
        by_object = [c["object_id"] for c in charges]
        assert by_object.count(trial["id"]) == 1  # its conversion
        assert by_object.count(pack["id"]) == 2  # bought, then renewed once
        assert by_object.count(mail["id"]) == 1  # May's bill
        kinds = [k for k, _ in notifications(p)]
        assert kinds.count("trial_converted") == 1
        wallet = p.read.get("/v1/wallet").json()
        assert wallet["balance_cents"] == sum(e["amount_cents"] for e in ledger(p.read))

    def test_a_trial_becomes_paid_after_fourteen_days(
        self, operator: Caller, set_clock: SetClock
    ) -> None:
        set_clock(T0)
        p = make_partner(operator, top_up_cents=110_000)
        lic = school_license(p, seats=10, trial=True)
        set_clock(T0 + timedelta(days=14))
        run_jobs(operator)
        converted = p.read.get(f"/v1/licenses/{lic['id']}").json()
        assert converted["status"] == "active" and converted["ends_at"].startswith("2029-03-24")
        assert [-e["amount_cents"] for e in ledger(p.read) if e["kind"] == "charge"] == [
            10 * 28 * 12
        ]

    def test_trials_that_cannot_be_paid_or_do_not_renew_lapse_and_the_partner_is_told(
        self, operator: Caller, set_clock: SetClock
    ) -> None:
        set_clock(T0)
        p = make_partner(operator, top_up_cents=55_000)
        paid = school_license(p, seats=10, trial=True)  # 33.60 EUR: converts
        too_big = school_license(p, seats=1_000, trial=True)  # 3,360 EUR: cannot be paid
        ended = school_license(p, seats=10, trial=True, auto_renew=False)
        set_clock(T0 + timedelta(days=14))
        run_jobs(operator)
        status = {
            x["id"]: p.read.get(f"/v1/licenses/{x['id']}").json()["status"]
            for x in (paid, too_big, ended)
        }
        assert status == {paid["id"]: "active", too_big["id"]: "lapsed", ended["id"]: "lapsed"}
        assert [-e["amount_cents"] for e in ledger(p.read) if e["kind"] == "charge"] == [3_360]
        told = p.read.get("/v1/notifications", params={"limit": 100}).json()["items"]
        lapsed = {n["data"]["license_id"]: n for n in told if n["kind"] == "license_lapsed"}
        assert set(lapsed) == {too_big["id"], ended["id"]}
        assert lapsed[too_big["id"]]["data"]["needed_cents"] == 336_000
        assert lapsed[too_big["id"]]["data"]["available_cents"] == 55_000 - 3_360
        assert "not enough credit" in lapsed[too_big["id"]]["message"]
        assert "the trial ended" in lapsed[ended["id"]]["message"]
        assert ("trial_converted", paid["id"]) in notifications(p)
        trail = p.read.get("/v1/audit-events", params={"limit": 100}).json()["items"]
        actions = {(e["action"], e["object_id"]) for e in trail}
        assert ("license.trial_converted", paid["id"]) in actions
        assert {("license.lapsed", too_big["id"]), ("license.lapsed", ended["id"])} <= actions

    def test_an_add_on_whose_renewal_cannot_be_paid_ends_and_the_partner_is_told(
        self, operator: Caller, set_clock: SetClock
    ) -> None:
        set_clock(T0)
        p = make_partner(operator, top_up_cents=55_000)
        addon = p.write.post("/v1/addons", {"option": "white-label"}, expect=201).json()
        school_license(p, seats=145)  # 487.20 EUR: too little is left for another month
        left = p.read.get("/v1/wallet").json()["available_cents"]
        assert left < addon["price_cents"]
        set_clock(T0 + timedelta(days=31))
        run_jobs(operator)
        keep_level(operator, p)
        assert p.read.get(f"/v1/addons/{addon['id']}").json()["status"] == "ended"
        told = p.read.get("/v1/notifications", params={"limit": 100}).json()["items"]
        ended = [n for n in told if n["kind"] == "addon_ended"]
        assert len(ended) == 1 and ended[0]["data"]["addon_id"] == addon["id"]
        assert ended[0]["data"]["needed_cents"] == addon["price_cents"]
        assert ended[0]["data"]["available_cents"] == left
        assert [e["kind"] for e in ledger(p.read)] == ["top_up", "charge", "charge"]
        assert p.read.get("/v1/wallet").json()["available_cents"] == left

    def test_add_ons_renew_monthly_and_cancelled_ones_end(
        self, operator: Caller, set_clock: SetClock
    ) -> None:
        set_clock(T0)
        p = make_partner(operator, top_up_cents=110_000)
        keep = p.write.post("/v1/addons", {"option": "api-calls-50k"}, expect=201).json()
        drop = p.write.post("/v1/addons", {"option": "white-label"}, expect=201).json()
        p.write.delete(f"/v1/addons/{drop['id']}", expect=200)
        set_clock(T0 + timedelta(days=31))
        run_jobs(operator)
        keep_level(operator, p)
        assert p.read.get(f"/v1/addons/{keep['id']}").json()["period_end"].startswith("2028-05-10")
        assert p.read.get(f"/v1/addons/{drop['id']}").json()["status"] == "ended"
        assert [-e["amount_cents"] for e in ledger(p.read) if e["kind"] == "charge"] == [
            11_000,
            5_500,
            11_000,
        ]


class TestReminders:
    def test_45_days_before_the_end_the_customer_and_the_partner_are_reminded_once(
        self, operator: Caller, set_clock: SetClock
    ) -> None:
        set_clock(T0)
        p = make_partner(operator, top_up_cents=110_000)
        lic = school_license(p, seats=10)
        set_clock(T0 + timedelta(days=365 - 46))
        run_jobs(operator)
        keep_level(operator, p)
        assert notifications(p) == []
        set_clock(T0 + timedelta(days=365 - 45))
        run_jobs(operator)
        run_jobs(operator)
        keep_level(operator, p)
        assert sorted(notifications(p)) == [
            ("customer_reminder", lic["id"]),
            ("renewal_reminder", lic["id"]),
        ]

    def test_credit_is_announced_30_days_before_it_expires(
        self, operator: Caller, set_clock: SetClock
    ) -> None:
        set_clock(T0)
        p = make_partner(operator, top_up_cents=55_000)
        set_clock(T0 + timedelta(days=366 - 30))
        run_jobs(operator)
        keep_level(operator, p)
        assert [k for k, _ in notifications(p)] == ["credit_expiring"]


def audit_events(operator: Caller, p: PartnerHandle) -> list[dict[str, Any]]:
    return all_items(as_vendor(operator, p), "/v1/audit-events")


class TestLevels:
    """SPEC: Partner level; Levels by purchase behaviour and training (docs/levels.md)."""

    def gold_run_rate(self, p: PartnerHandle) -> dict[str, Any]:
        """300 x 1.38 = 414.00 EUR a month: Gold's run-rate (from 385), one order."""
        customer = make_customer(p, segment="business")
        body = license_body(customer["id"], seats=300)
        lic: dict[str, Any] = p.write.post("/v1/licenses", body, expect=201).json()
        return lic

    def test_the_level_follows_the_monthly_nominal_usage_at_the_start_of_a_month(
        self, operator: Caller, set_clock: SetClock
    ) -> None:
        set_clock(T0)
        p = make_partner(operator, top_up_cents=1_100_000)
        train(operator, p, "two_day", "2027-05-04")
        lic = self.gold_run_rate(p)
        p.write.patch(f"/v1/licenses/{lic['id']}", {"seats": 301}, expect=200)  # order two
        operator.patch(f"/v1/partners/{p.id}", {"billing_email": "levels@msp.example"})
        set_clock(datetime(2028, 4, 1, 0, 0, tzinfo=UTC))
        run_jobs(operator)
        (mailed,) = query(
            get_settings(),
            "SELECT subject, body FROM outbox WHERE kind = 'level_changed' AND to_address = :to",
            to="levels@msp.example",
        )
        assert "gold" in mailed["body"] and "+49 30 5557 3000" in mailed["body"]
        me = p.read.get("/v1/me").json()
        assert (me["level"], me["support_level"]) == ("gold", "premium")
        assert me["benefits"]["api_calls_per_month"] == 50_000
        assert me["benefits"]["support_phone"] == "+49 30 5557 3000"
        assert ("level_changed", "") in notifications(p, levels=True)

    def test_one_order_in_six_months_is_bronze_whatever_the_run_rate(
        self, operator: Caller, set_clock: SetClock
    ) -> None:
        set_clock(T0)
        p = make_partner(operator, top_up_cents=1_100_000)
        train(operator, p, "two_day", "2027-05-04")
        self.gold_run_rate(p)
        said = p.read.get("/v1/level").json()
        assert (said["run_rate_makes_it"], said["orders_last_6_months"]) == ("gold", 1)
        assert said["next_month"] == "bronze"
        assert said["next_month_reasons"] == [
            "run-rate makes it gold; 1 order in the last 6 months (2 needed) makes it bronze"
        ]
        set_clock(datetime(2028, 4, 1, 0, 0, tzinfo=UTC))
        run_jobs(operator)
        # Bronze has no API calls included: what the partner is told, the operator reads
        said = as_vendor(operator, p).get("/v1/level").json()
        assert said["current"] == "bronze"
        (changed,) = [
            e for e in audit_events(operator, p) if e["action"] == "partner.level_changed"
        ]
        assert changed["after"]["reasons"] == said["next_month_reasons"]
        # renewals are not orders: a year later, the renewal did not help
        set_clock(datetime(2029, 3, 12, tzinfo=UTC))
        run_jobs(operator)
        set_clock(datetime(2029, 4, 1, 0, 0, tzinfo=UTC))
        run_jobs(operator)
        said = as_vendor(operator, p).get("/v1/level").json()
        assert (said["current"], said["orders_last_6_months"]) == ("bronze", 0)

    def test_a_gold_run_rate_without_the_two_day_training_is_silver(
        self, operator: Caller, set_clock: SetClock
    ) -> None:
        set_clock(T0)
        p = make_partner(operator, top_up_cents=1_100_000)
        lic = self.gold_run_rate(p)
        p.write.patch(f"/v1/licenses/{lic['id']}", {"seats": 301}, expect=200)
        assert p.read.get("/v1/level").json()["next_month"] == "bronze"  # no training at all
        half = train(operator, p, "half_day", "2026-05-04")  # valid until 2028-05-04
        assert half["expires_on"] == "2028-05-04"
        said = p.read.get("/v1/level").json()
        assert (said["next_month"], said["trainings"]) == ("silver", ["half_day"])
        assert said["next_month_reasons"] == ["run-rate makes it gold; needs the two-day training"]
        set_clock(datetime(2028, 4, 1, 0, 0, tzinfo=UTC))
        run_jobs(operator)
        assert p.read.get("/v1/me").json()["level"] == "silver"
        # the training counts 24 months: at the June run it no longer does
        set_clock(datetime(2028, 6, 1, 0, 0, tzinfo=UTC))
        p.write.patch(f"/v1/licenses/{lic['id']}", {"seats": 302}, expect=200)
        run_jobs(operator)
        assert as_vendor(operator, p).get("/v1/level").json()["current"] == "bronze"
        # the operator's records: listed, a mistaken one taken back (audited)
        (listed,) = operator.get(f"/v1/partners/{p.id}/trainings").json()
        assert listed["id"] == half["id"]
        operator.delete(f"/v1/partners/{p.id}/trainings/{half['id']}", expect=200)
        assert operator.get(f"/v1/partners/{p.id}/trainings").json() == []
        actions = {e["action"] for e in audit_events(operator, p)}
        assert {"partner.training_recorded", "partner.training_removed"} <= actions

    def test_a_training_is_recorded_once_taken_and_only_by_the_operator(
        self, operator: Caller, set_clock: SetClock
    ) -> None:
        set_clock(T0)
        p = make_partner(operator)
        future = {"kind": "two_day", "taken_on": "2028-03-11"}
        refused = operator.post(f"/v1/partners/{p.id}/trainings", future, expect=422).json()
        assert "taken_on" in str(refused)
        bad = operator.post(
            f"/v1/partners/{p.id}/trainings", {"kind": "one_hour", "taken_on": "2028-01-01"}
        )
        assert bad.status_code == 422 and "kind" in bad.text
        body = {"kind": "two_day", "taken_on": "2028-01-01"}
        assert p.write.post(f"/v1/partners/{p.id}/trainings", body).status_code == 403


class TestUsage:
    def test_usage_billed_licenses_are_billed_on_the_first_for_last_months_peak(
        self, operator: Caller, set_clock: SetClock
    ) -> None:
        set_clock(datetime(2028, 5, 3, tzinfo=UTC))
        p = make_partner(operator, top_up_cents=110_000)
        customer = make_customer(p, segment="business")
        lic = p.write.post(
            "/v1/licenses",
            {"customer_id": customer["id"], "product": "mail", "edition": "standard"},
            expect=201,
        ).json()
        for day, used in ((4, 30), (10, 42), (20, 35)):
            set_clock(datetime(2028, 5, day, tzinfo=UTC))
            product_reports(p.write, lic["license_key"], used)
        set_clock(datetime(2028, 6, 1, 0, 5, tzinfo=UTC))
        run_jobs(operator)
        run_jobs(operator)
        keep_level(operator, p)
        charges = [e for e in ledger(p.read) if e["kind"] == "charge"]
        assert [-c["amount_cents"] for c in charges] == [42 * 100]
        assert p.read.get(f"/v1/licenses/{lic['id']}").json()["monthly_nominal_cents"] == 4_200

    def test_a_usage_bill_that_cannot_be_paid_lapses_the_license_and_the_partner_is_told(
        self, operator: Caller, set_clock: SetClock
    ) -> None:
        set_clock(datetime(2028, 5, 3, tzinfo=UTC))
        short = make_partner(operator, top_up_cents=55_000)
        rich = make_partner(operator, top_up_cents=55_000)

        def mail(p: PartnerHandle, used: int) -> dict[str, Any]:
            customer = make_customer(p, segment="business")
            body = {"customer_id": customer["id"], "product": "mail", "edition": "standard"}
            lic: dict[str, Any] = p.write.post("/v1/licenses", body, expect=201).json()
            set_clock(datetime(2028, 5, 10, tzinfo=UTC))
            product_reports(p.write, lic["license_key"], used)
            return lic

        big = mail(short, 1_000)  # 1,000.00 EUR of 550.00
        small = mail(rich, 10)
        set_clock(datetime(2028, 6, 1, 0, 5, tzinfo=UTC))
        run_jobs(operator)
        run_jobs(operator)  # billed once
        for p in (short, rich):
            keep_level(operator, p)
        assert short.read.get(f"/v1/licenses/{big['id']}").json()["status"] == "lapsed"
        assert [e["kind"] for e in ledger(short.read)] == ["top_up"]
        told = short.read.get("/v1/notifications", params={"limit": 100}).json()["items"]
        lapsed = [n for n in told if n["kind"] == "license_lapsed"]
        assert len(lapsed) == 1 and lapsed[0]["data"]["license_id"] == big["id"]
        assert (lapsed[0]["data"]["needed_cents"], lapsed[0]["data"]["available_cents"]) == (
            100_000,
            55_000,
        )
        assert "2028-05" in lapsed[0]["message"]
        trail = short.read.get("/v1/audit-events", params={"limit": 100}).json()["items"]
        assert [e["after"] for e in trail if e["action"] == "license.lapsed"] == [
            {"status": "lapsed", "unpaid_usage_bill": "2028-05"}
        ]
        assert [-e["amount_cents"] for e in ledger(rich.read) if e["kind"] == "charge"] == [1_000]
        assert rich.read.get(f"/v1/licenses/{small['id']}").json()["status"] == "active"

    def test_over_the_seats_on_3_days_flags_on_10_suspends_and_raising_seats_heals(
        self, operator: Caller, set_clock: SetClock
    ) -> None:
        set_clock(T0)
        p = make_partner(operator, top_up_cents=110_000)
        lic = school_license(p, seats=10)
        for day in range(1, 11):
            set_clock(T0 + timedelta(days=day))
            product_reports(p.write, lic["license_key"], 12)
            run_jobs(operator)
            status = p.read.get(f"/v1/licenses/{lic['id']}").json()["status"]
            expected = "suspended" if day >= 10 else "over_limit" if day >= 3 else "active"
            assert status == expected, day
        assert ("license_over_limit", lic["id"]) in notifications(p)
        assert ("license_suspended", lic["id"]) in notifications(p)
        p.write.patch(f"/v1/licenses/{lic['id']}", {"seats": 12}, expect=200)
        run_jobs(operator)
        assert p.read.get(f"/v1/licenses/{lic['id']}").json()["status"] == "active"


class TestCalendar:
    def test_monthly_terms_from_the_31st_keep_their_day_through_short_months(
        self, operator: Caller, set_clock: SetClock
    ) -> None:
        set_clock(datetime(2028, 1, 31, 12, 0, tzinfo=UTC))
        p = make_partner(operator, top_up_cents=110_000)
        customer = make_customer(p, segment="business")
        lic = p.write.post(
            "/v1/licenses",
            {
                "customer_id": customer["id"],
                "product": "dns-filter",
                "edition": "pro",
                "term_months": 1,
                "seats": 5,
            },
            expect=201,
        ).json()
        assert lic["ends_at"].startswith("2028-02-29T12:00:00")  # a leap year
        set_clock(datetime(2028, 2, 29, 12, 0, tzinfo=UTC))
        run_jobs(operator)
        keep_level(operator, p)
        renewed = p.read.get(f"/v1/licenses/{lic['id']}").json()
        assert renewed["ends_at"].startswith("2028-03-31T12:00:00")  # back on the 31st

    def test_a_yearly_term_from_february_29_ends_on_february_28(
        self, operator: Caller, set_clock: SetClock
    ) -> None:
        set_clock(datetime(2028, 2, 29, 8, 0, tzinfo=UTC))
        p = make_partner(operator, top_up_cents=110_000)
        lic = school_license(p, seats=5)
        assert lic["ends_at"].startswith("2029-02-28T08:00:00")

    def test_the_last_second_of_a_month_and_the_first_of_the_next_are_different_periods(
        self, operator: Caller, set_clock: SetClock
    ) -> None:
        set_clock(datetime(2028, 4, 30, 23, 59, 59, 999_000, tzinfo=UTC))
        p = make_partner(operator)
        before = p.read.get("/v1/quota")
        assert before.json()["resets_at"].startswith("2028-05-01T00:00:00")
        assert before.headers["ratelimit-reset"] == "1"
        used = before.json()["used"]
        set_clock(datetime(2028, 5, 1, 0, 0, 0, tzinfo=UTC))
        after = p.read.get("/v1/quota").json()
        assert used >= 1 and after["used"] == 1
        assert after["resets_at"].startswith("2028-06-01T00:00:00")
