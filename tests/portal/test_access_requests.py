"""A partner asks for access; the customer's admins grant what they choose or decline, in the
portal; a pending request is resent at most once an hour, or withdrawn. The partner's key
never grants or widens access itself."""

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from partnerfleet_backend.settings import Settings
from tests.portal.test_portal import signed_in
from tests.support.api import Caller, PartnerHandle, SetClock, make_customer
from tests.support.database import query
from tests.support.portal import make_user

T0 = datetime(2027, 4, 1, 8, 0, tzinfo=UTC)


def _limited(operator: Caller, p: PartnerHandle, org: dict[str, Any], *products: str) -> None:
    grant = {"access": "limited", "access_products": list(products)}
    operator.patch(f"/v1/partners/{p.id}/customers/{org['id']}/grant", grant, expect=200)


def test_the_customer_grants_other_access_than_asked(
    client: TestClient,
    operator: Caller,
    partner: PartnerHandle,
    settings: Settings,
    set_clock: SetClock,
) -> None:
    set_clock(T0)
    org = make_customer(partner, name="Kreisarchiv", contact_email="it@archiv.example")
    _limited(operator, partner, org, "mail")
    requests_ = f"/v1/customers/{org['id']}/access-requests"
    asked = {"access": "full", "note": "for the yearly audit"}
    made = partner.write.post(requests_, asked, expect=201).json()
    assert (made["status"], made["access"]) == ("pending", "full")
    again = partner.write.post(requests_, asked, expect=409).json()
    assert again["code"] == "access_request_pending"
    mails = query(
        settings, "SELECT to_address, subject, body FROM outbox WHERE kind = 'access_request'"
    )
    mine = [m for m in mails if m["to_address"] == "it@archiv.example"]
    assert len(mine) == 1 and f"/portal/c/{org['id']}/access" in mine[0]["body"]
    assert "for the yearly audit" in mine[0]["body"]
    # resent at most once an hour
    resend = f"{requests_}/{made['id']}/resend"
    assert partner.write.post(resend, {}).status_code == 429
    set_clock(T0 + timedelta(minutes=61))
    assert partner.write.post(resend, {}, expect=200).json()["sends"] == 2

    admin = signed_in(client, make_user(settings, "customer", "admin", customer_id=org["id"]))
    guest = signed_in(client, make_user(settings, "customer", "guest", customer_id=org["id"]))
    assert "Answer the request" in admin.get(f"/portal/c/{org['id']}").text
    page = f"/portal/c/{org['id']}/access"
    assert "asks for full access" in admin.get(page).text
    answer = {"decision": "grant", "access": "limited", "access_products": "mail, dns-filter"}
    assert guest.submit(page, answer).status_code == 403
    done = admin.submit(page, answer)
    assert done.status_code == 200 and "Request granted" in done.text
    (req,) = partner.read.get(requests_).json()["items"]
    assert (req["status"], req["granted_access"], sorted(req["granted_products"])) == (
        "granted",
        "limited",
        ["dns-filter", "mail"],
    )
    customer = partner.read.get(f"/v1/customers/{org['id']}").json()
    assert sorted(customer["access_products"]) == ["dns-filter", "mail"]
    told = partner.read.get("/v1/notifications").json()["items"]
    assert any(n["kind"] == "customer.access_granted" for n in told)
    # settled: no more resend or withdrawal
    assert partner.write.delete(f"{requests_}/{made['id']}").status_code == 409


def test_declined_and_withdrawn_requests_change_nothing(
    client: TestClient, operator: Caller, partner: PartnerHandle, settings: Settings
) -> None:
    org = make_customer(partner)
    _limited(operator, partner, org, "mail")
    requests_ = f"/v1/customers/{org['id']}/access-requests"
    first = partner.write.post(requests_, {"access": "full"}, expect=201).json()
    withdrawn = partner.write.delete(f"{requests_}/{first['id']}", expect=200).json()
    assert withdrawn["status"] == "withdrawn"
    second = partner.write.post(requests_, {"access": "full"}, expect=201).json()
    admin = signed_in(client, make_user(settings, "customer", "admin", customer_id=org["id"]))
    done = admin.submit(f"/portal/c/{org['id']}/access", {"decision": "decline"})
    assert done.status_code == 200 and "Request declined" in done.text
    statuses = [r["status"] for r in partner.read.get(requests_).json()["items"]]
    assert statuses == ["declined", "withdrawn"]
    assert partner.read.get(f"/v1/customers/{org['id']}").json()["access"] == "limited"
    assert second["id"] != first["id"]
    # nothing to answer now; bad input is named
    assert "No request waits" in admin.get(f"/portal/c/{org['id']}/access").text
    bad = partner.write.post(requests_, {"access": "limited", "access_products": ["nope"]})
    assert bad.status_code == 422
    same = partner.write.post(requests_, {"access": "limited", "access_products": ["mail"]})
    assert same.status_code == 422 and same.json()["field"] == "access"
