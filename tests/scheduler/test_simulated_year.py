"""A partner's year on the test clock, checked at every month end against figures computed by
hand from the SPEC (in the comments). Jobs run on the 1st at 00:00 and on the 15th at 10:00.

Prices (SPEC): dns-filter business ProPlus 1.38/seat/month, mail 1.00/mailbox (peak of the
month), api-calls-25k 55.00 and api-calls-50k 110.00 a month. Levels: Silver from 110.00 of
monthly nominal usage, Gold from 385.00.
"""

from datetime import UTC, datetime, timedelta

from partnerfleet_backend.settings import Settings
from tests.support.api import (
    Caller,
    SetClock,
    as_vendor,
    ledger,
    make_customer,
    make_partner,
    product_reports,
    train,
)
from tests.support.database import set_used

START = datetime(2028, 1, 15, 10, 0, tzinfo=UTC)
LICENSE_A = 100 * 138 * 12  # 165,600: business ProPlus, 100 seats, 12 months, paid up front
PACK_25K, PACK_50K = 5_500, 11_000


def month_end(year: int, month: int) -> datetime:
    first_next = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
    return first_next - timedelta(seconds=1)


def test_a_year_of_the_partner_program(
    operator: Caller, settings: Settings, set_clock: SetClock
) -> None:
    def jobs(at: datetime) -> None:
        set_clock(at)
        operator.post("/v1/jobs/run", {}, expect=200)

    # January: a Bronze partner tops up 5,500 EUR (40 % off), gets its first API-call pack from
    # the vendor (unmetered), and assigns a prepaid license and a usage-billed mail license.
    set_clock(START)
    p = make_partner(operator, level="bronze", top_up_cents=550_000)
    train(operator, p, "two_day", "2027-10-14")  # counts for Gold until October 2029
    assert p.read.get("/v1/customers").status_code == 429  # Bronze: no calls without a pack
    operator.post(f"/v1/partners/{p.id}/addons", {"option": "api-calls-25k"}, expect=201)
    customer = make_customer(p, segment="business")
    lic_a = p.write.post(
        "/v1/licenses",
        {
            "customer_id": customer["id"],
            "product": "dns-filter",
            "edition": "proplus",
            "term_months": 12,
            "seats": 100,
        },
        expect=201,
    ).json()
    mail = p.write.post(
        "/v1/licenses",
        {"customer_id": customer["id"], "product": "mail", "edition": "standard"},
        expect=201,
    ).json()
    expected = 550_000 - PACK_25K - LICENSE_A  # 378,900
    fifty_k_bought = False

    for month in range(1, 13):  # 2028
        if month > 1:
            jobs(datetime(2028, month, 1, tzinfo=UTC))
            expected -= 4_000 if month != 7 else 10_000  # last month's mail peak x 1.00
            jobs(datetime(2028, month, 15, 10, 0, tzinfo=UTC))
            expected -= PACK_25K  # the 25k pack renews
            if fifty_k_bought:
                expected -= PACK_50K
        if month == 6:
            # June 15: the quota runs low (a warning at 80 %), then out; the vendor sells a
            # 50k pack; calls work again
            set_used(settings, p.id, "2028-06", 39_999)
            p.read.get("/v1/me", expect=200)  # call 40,000 of 50,000
            set_used(settings, p.id, "2028-06", 50_000)
            refused = p.read.get("/v1/customers")
            assert refused.status_code == 429 and "api-calls" in refused.json()["detail"]
            operator.post(f"/v1/partners/{p.id}/addons", {"option": "api-calls-50k"}, expect=201)
            expected -= PACK_50K
            fifty_k_bought = True
            assert p.read.get("/v1/customers").status_code == 200
        set_clock(datetime(2028, month, 20, tzinfo=UTC))
        peak = 100 if month == 6 else 40  # June: a spike of mailboxes
        product_reports(p.write, mail["license_key"], peak)

        set_clock(month_end(2028, month))
        me = p.read.get("/v1/me").json()
        quota = p.read.get("/v1/quota").json()
        wallet = p.read.get("/v1/wallet").json()
        entries = ledger(p.read)
        # level: A 138.00 + mail's last bill + active packs (set on the 1st)
        #   Feb-Jun: 138 + 40 + 55 = 233 -> Silver; Jul: 138 + 100 + 55 + 110 = 403 -> Gold;
        #   Aug-Dec: 138 + 40 + 55 + 110 = 343 would be Silver, but the orders of the six
        #   months before (the June pack; renewals are not orders) are one: Bronze. January
        #   keeps Bronze (set by hand).
        level = "bronze" if month == 1 or month >= 8 else "gold" if month == 7 else "silver"
        assert me["level"] == level, month
        # quota: level calls + packs: Jan 25k; Feb-May 25k + 25k; Jun 25k + 25k + 50k;
        #   Jul 50k + 75k; Aug-Dec 0 + 75k
        limit = {1: 25_000, 6: 100_000, 7: 125_000}.get(month, 50_000 if month < 6 else 75_000)
        assert quota["limit"] == limit, month
        assert wallet["balance_cents"] == expected == sum(e["amount_cents"] for e in entries)

    # January 2029: reminders came 45 days before the term's end, the credit warning 30 days
    # before expiry. On January 15 at 10:00 the first top-up's 12 months are up: the remaining
    # 1,874.00 EUR expire, so the license's renewal (1,656.00) and both packs cannot be paid.
    jobs(datetime(2029, 1, 1, tzinfo=UTC))
    expected -= 4_000
    assert expected == 187_400
    jobs(START + timedelta(days=366))  # 2029-01-15 10:00 (2028 is a leap year)
    # a Bronze partner whose packs ended has no calls left: the vendor reads for it
    vendor = as_vendor(operator, p)
    assert vendor.get(f"/v1/licenses/{lic_a['id']}").json()["status"] == "lapsed"
    kinds = [
        n["kind"] for n in vendor.get("/v1/notifications", params={"limit": 100}).json()["items"]
    ]
    for kind in (
        "renewal_reminder",
        "customer_reminder",
        "credit_expiring",
        "credit_expired",
        "license_lapsed",
        "addon_ended",
        "level_changed",
        "quota_warning",
    ):
        assert kind in kinds, kind
    expiry = [e for e in ledger(vendor) if e["kind"] == "expiry"]
    assert [e["amount_cents"] for e in expiry] == [-187_400]
    assert vendor.get("/v1/wallet").json()["balance_cents"] == 0
    # February 2029: nothing active is left, the mail bill cannot be paid: back to Bronze
    jobs(datetime(2029, 2, 1, tzinfo=UTC))
    assert operator.get(f"/v1/partners/{p.id}").json()["level"] == "bronze"
