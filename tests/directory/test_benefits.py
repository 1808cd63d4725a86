"""The level's benefits that were labels do something a partner sees: "priority" (requests for
quotes reach partners whose level has it at once, the others a day later, told by the
calendar) and "personal manager" (assigned by the operator, shown to a Platinum partner)."""

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from partnerfleet_backend.settings import Settings
from tests.directory.test_tenders import mails
from tests.support.api import (
    Caller,
    SetClock,
    as_vendor,
    make_partner,
    run_jobs,
)
from tests.support.tenders import list_partner, published

T0 = datetime(2027, 10, 4, 9, 0, tzinfo=UTC)
LATER = "later@bronze.example"


def told_later(settings: Settings) -> int:
    return len([m for m in mails(settings, "tender_received") if m["to_address"] == LATER])


def test_priority_partners_get_a_request_a_day_before_the_others(
    operator: Caller, settings: Settings, set_clock: SetClock
) -> None:
    set_clock(T0)
    silver = make_partner(operator, level="silver")
    bronze = make_partner(operator, level="bronze", top_up_cents=55_000)
    operator.post(f"/v1/partners/{bronze.id}/addons", {"option": "api-calls-25k"}, expect=201)
    operator.patch(f"/v1/partners/{bronze.id}", {"billing_email": LATER})
    for p in (silver, bronze):
        list_partner(operator, p, receives_tenders=True, tender_countries=["LU"])
    published(operator, settings, email="lux@commune.example", title="Firewall", country="LU")
    assert len(silver.read.get("/v1/tenders").json()) == 1
    assert as_vendor(operator, bronze).get("/v1/tenders").json() == []
    assert not [
        m for m in mails(settings, "tender_received") if m["to_address"] == "later@bronze.example"
    ]
    said = silver.read.get("/v1/me").json()["benefits"]
    assert "24 hours later" in said["what_they_mean"]["priority"] and said["priority"] is True

    set_clock(T0 + timedelta(hours=23))
    run_jobs(operator)
    assert as_vendor(operator, bronze).get("/v1/tenders").json() == []
    set_clock(T0 + timedelta(hours=24, minutes=1))
    run_jobs(operator)
    (seen,) = as_vendor(operator, bronze).get("/v1/tenders").json()
    assert seen["email"] == "lux@commune.example"
    told = [
        m for m in mails(settings, "tender_received") if m["to_address"] == "later@bronze.example"
    ]
    assert len(told) == 1
    run_jobs(operator)  # told once
    told = [
        m for m in mails(settings, "tender_received") if m["to_address"] == "later@bronze.example"
    ]
    assert len(told) == 1


def test_a_platinum_partner_sees_its_personal_manager(operator: Caller) -> None:
    manager = {
        "name": "Lena Vogt",
        "email": "lena.vogt@vendor.example",
        "phone": "+49 30 5557 4711",
    }
    platinum = make_partner(operator, level="platinum")
    silver = make_partner(operator)
    for p in (platinum, silver):
        operator.patch(f"/v1/partners/{p.id}", {"manager": manager}, expect=200)
    assert platinum.read.get("/v1/me").json()["manager"] == manager
    assert platinum.read.get("/v1/overview").json()["manager"] == manager
    assert silver.read.get("/v1/me").json()["manager"] is None  # not a Silver benefit
    assert silver.read.get("/v1/me").json()["benefits"]["support_phone"] == "+49 30 5557 2000"
    refused = operator.patch(
        f"/v1/partners/{platinum.id}", {"manager": {"name": "X", "email": "nope"}}
    )
    assert refused.status_code == 422 and "email" in refused.text


def test_the_portal_says_the_level_the_reason_the_line_and_the_manager(
    client: TestClient, operator: Caller, settings: Settings, set_clock: SetClock
) -> None:
    """The front page: the support line, why next month's level is lower, the manager."""
    from tests.portal.test_portal import signed_in
    from tests.support.portal import make_user

    set_clock(T0)
    p = make_partner(operator, level="platinum", top_up_cents=1_100_000)
    manager = {"name": "Lena Vogt", "email": "lena@vendor.example"}
    operator.patch(f"/v1/partners/{p.id}", {"manager": manager}, expect=200)
    customer = p.write.post(
        "/v1/customers",
        {
            "name": "Amt Nord",
            "segment": "business",
            "country": "DE",
            "contact_email": "a@n.example",
        },
        expect=201,
    ).json()
    body = {"customer_id": customer["id"], "product": "dns-filter", "edition": "proplus"}
    p.write.post("/v1/licenses", {**body, "term_months": 12, "seats": 300}, expect=201)
    admin = signed_in(client, make_user(settings, "partner", "admin", partner_id=p.id))
    page = admin.get(f"/portal/p/{p.id}").text
    assert "+49 30 5557 4000" in page  # the Platinum line
    assert "Lena Vogt, lena@vendor.example" in page
    assert "run-rate makes it gold; 1 order in the last 6 months (2 needed) makes it bronze" in page
