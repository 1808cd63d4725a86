"""Object-level authorization, walked over every route of the served OpenAPI document."""

from typing import Any

import pytest

from partnerfleet_backend.settings import Settings
from tests.support.api import Caller, PartnerHandle, ledger, make_customer, make_partner
from tests.support.tenders import list_partner, published

# Every route the service serves, by how a partner's key must be treated there.
OPERATOR_ONLY = {
    ("POST", "/v1/partners"),
    ("GET", "/v1/partners"),
    ("GET", "/v1/partners/{partner_id}"),
    ("PATCH", "/v1/partners/{partner_id}"),
    ("DELETE", "/v1/partners/{partner_id}"),
    ("POST", "/v1/partners/{partner_id}/api-keys"),
    ("DELETE", "/v1/partners/{partner_id}/api-keys/{key_id}"),
    ("GET", "/v1/partners/{partner_id}/api-keys"),
    ("POST", "/v1/partners/{partner_id}/licenses/{license_id}/suspension"),
    ("DELETE", "/v1/partners/{partner_id}/licenses/{license_id}/suspension"),
    ("POST", "/v1/partners/{partner_id}/top-ups"),
    ("POST", "/v1/partners/{partner_id}/addons"),
    ("POST", "/v1/partners/{partner_id}/adjustments"),
    ("POST", "/v1/partners/{partner_id}/refunds"),
    ("PUT", "/v1/clock"),
    ("POST", "/v1/jobs/run"),
    ("GET", "/v1/jobs/failures"),
    ("PATCH", "/v1/partners/{partner_id}/customers/{customer_id}/grant"),
    ("GET", "/v1/invoices"),
    ("GET", "/v1/invoices/{invoice_id}"),
    ("POST", "/v1/invoices/{invoice_id}/payment"),
    ("POST", "/v1/invoices/{invoice_id}/void"),
    ("GET", "/v1/partners/{partner_id}/trainings"),
    ("POST", "/v1/partners/{partner_id}/trainings"),
    ("DELETE", "/v1/partners/{partner_id}/trainings/{training_id}"),
    ("PUT", "/v1/partners/{partner_id}/directory/approval"),
    ("DELETE", "/v1/partners/{partner_id}/directory"),
    ("GET", "/v1/tender-requests"),
    ("DELETE", "/v1/tender-requests/{tender_id}"),
    ("GET", "/v1/partners/{partner_id}/top-up-requests"),
    ("POST", "/v1/partners/{partner_id}/top-up-requests/{top_up_id}/settlement"),
}
OWN_OBJECT = {  # a foreign id must answer 404, exactly like a missing one
    ("GET", "/v1/customers/{customer_id}"),
    ("PATCH", "/v1/customers/{customer_id}"),
    ("DELETE", "/v1/customers/{customer_id}"),
    ("GET", "/v1/licenses/{license_id}"),
    ("PATCH", "/v1/licenses/{license_id}"),
    ("DELETE", "/v1/licenses/{license_id}"),
    ("POST", "/v1/licenses/{license_id}/usage"),
    ("GET", "/v1/licenses/{license_id}/usage"),
    ("GET", "/v1/licenses/{license_id}/undo"),
    ("GET", "/v1/addons/{addon_id}"),
    ("PATCH", "/v1/addons/{addon_id}"),
    ("DELETE", "/v1/addons/{addon_id}"),
    ("DELETE", "/v1/me/api-keys/{key_id}"),
    ("GET", "/v1/customers/{customer_id}/report"),
    ("POST", "/v1/customers/{customer_id}/access-requests"),
    ("GET", "/v1/customers/{customer_id}/access-requests"),
    ("POST", "/v1/customers/{customer_id}/access-requests/{request_id}/resend"),
    ("DELETE", "/v1/customers/{customer_id}/access-requests/{request_id}"),
    ("GET", "/v1/tenders/{tender_id}"),
    ("POST", "/v1/tenders/{tender_id}/offers"),
    ("DELETE", "/v1/top-up-requests/{top_up_id}"),
    ("GET", "/v1/wallet/top-ups/{lot_id}/invoice.pdf"),
}
LISTS = {
    ("GET", "/v1/customers"),
    ("GET", "/v1/licenses"),
    ("GET", "/v1/addons"),
    ("GET", "/v1/wallet/ledger"),
    ("GET", "/v1/notifications"),
    ("GET", "/v1/audit-events"),
    ("GET", "/v1/top-up-requests"),
    ("GET", "/v1/wallet/top-ups"),
}
SELF_ONLY = {  # act only on the caller's own account
    ("GET", "/v1/me"),
    ("GET", "/v1/quota"),
    ("GET", "/v1/level"),
    ("GET", "/v1/me/directory"),
    ("PUT", "/v1/me/directory"),
    ("GET", "/v1/tenders"),
    ("PATCH", "/v1/me"),
    ("GET", "/v1/wallet"),
    ("GET", "/v1/support"),
    ("PUT", "/v1/support"),
    ("POST", "/v1/customers"),
    ("POST", "/v1/licenses"),
    ("POST", "/v1/addons"),
    ("GET", "/v1/catalog"),
    ("POST", "/v1/plans"),
    ("POST", "/v1/me/webhook-secret"),
    ("GET", "/v1/me/api-keys"),
    ("GET", "/v1/overview"),
    ("GET", "/v1/exports/ledger.csv"),
    ("GET", "/v1/statements/{month}"),
    ("PUT", "/v1/me/logo"),
    ("POST", "/v1/me/api-keys"),
    ("GET", "/v1/me/top-up-rule"),
    ("PUT", "/v1/me/top-up-rule"),
    ("DELETE", "/v1/me/top-up-rule"),
    ("POST", "/v1/top-up-requests"),
    ("GET", "/v1/resale-prices"),
    ("PUT", "/v1/resale-prices/{product}/{edition}"),
    ("DELETE", "/v1/resale-prices/{product}/{edition}"),
    ("GET", "/v1/resale/lines"),  # needs a month: its own isolation test in tests/resale
    ("GET", "/v1/resale/lines.csv"),
}
PUBLIC = {  # the license key in the path is the product's credential
    ("GET", "/v1/license-keys/{license_key}/validate"),
    ("POST", "/v1/license-keys/{license_key}/usage"),
    ("GET", "/v1/directory"),  # what anyone may read: nothing private (tests/directory)
    ("GET", "/v1/directory/{partner_id}"),
    ("POST", "/v1/tender-requests"),  # the tokens of a request are its credential
    ("POST", "/v1/tender-requests/confirmation"),
    ("POST", "/v1/tender-requests/cancellation"),
}

BODIES: dict[str, Any] = {
    "/v1/customers/{customer_id}": {"name": "taken over"},
    "/v1/licenses/{license_id}": {"seats": 500},
    "/v1/licenses/{license_id}/usage": {"used": 3},
    "/v1/addons/{addon_id}": {"auto_renew": False},
    "/v1/customers/{customer_id}/access-requests": {"access": "full"},
    "/v1/tenders/{tender_id}/offers": {"text": "an offer of partner B", "price_cents": 1},
    "/v1/me/top-up-rule": {"amount_cents": 55_000},
    "/v1/top-up-requests": {"amount_cents": 55_000},
    "/v1/resale-prices/{product}/{edition}": {"markup_bp": 1_000},
}


@pytest.fixture
def owner(operator: Caller, settings: Settings) -> tuple[PartnerHandle, dict[str, str]]:
    a = make_partner(operator, top_up_cents=110_000)
    customer = make_customer(a, reference="iso-ref")
    lic = a.write.post(
        "/v1/licenses",
        {
            "customer_id": customer["id"],
            "product": "dns-filter",
            "edition": "pro",
            "term_months": 12,
            "seats": 3,
        },
        expect=201,
    ).json()
    addon = a.write.post("/v1/addons", {"option": "api-calls-25k"}, expect=201).json()
    list_partner(operator, a, receives_tenders=True)
    tender_id, _ = published(operator, settings, email="iso@tender.example", title="Isolation")
    asked = {"access": "limited", "access_products": ["mail"]}
    request = a.write.post(
        f"/v1/customers/{customer['id']}/access-requests", asked, expect=201
    ).json()
    top_up = a.write.post("/v1/top-up-requests", {"amount_cents": 55_000}, expect=201).json()
    ids = {
        "request_id": request["id"],
        "customer_id": customer["id"],
        "license_id": lic["id"],
        "addon_id": addon["id"],
        "partner_id": a.id,
        "key_id": a.read.get("/v1/me/api-keys", expect=200).json()[0]["id"],
        "license_key": lic["license_key"],
        "month": "2026-01",
        "invoice_id": "inv_of_partner_a",  # operator-only routes: any id is refused first
        "training_id": "trn_of_partner_a",
        "tender_id": tender_id,
        "top_up_id": top_up["id"],
        "lot_id": a.read.get("/v1/wallet").json()["lots"][0]["id"],
        "product": "dns-filter",
        "edition": "pro",
    }
    return a, ids


def state_of(a: PartnerHandle, ids: dict[str, str]) -> Any:
    return (
        a.read.get(f"/v1/customers/{ids['customer_id']}").json(),
        a.read.get(f"/v1/licenses/{ids['license_id']}").json(),
        a.read.get(f"/v1/addons/{ids['addon_id']}").json(),
        ledger(a.read),
        a.read.get("/v1/me/api-keys").json(),
    )


def routes(client: Any) -> set[tuple[str, str]]:
    spec = client.get("/openapi.json").json()
    return {(m.upper(), path) for path, item in spec["paths"].items() for m in item}


def test_every_served_route_is_classified(client: Any) -> None:
    known = OPERATOR_ONLY | OWN_OBJECT | LISTS | SELF_ONLY | PUBLIC
    unclassified = routes(client) - known
    assert not unclassified, f"new routes need an isolation rule here: {sorted(unclassified)}"
    assert not known - routes(client), "routes listed here that the service no longer serves"


def test_partner_b_cannot_reach_partner_a(
    client: Any, operator: Caller, owner: tuple[PartnerHandle, dict[str, str]]
) -> None:
    a, ids = owner
    b = make_partner(operator, top_up_cents=55_000)
    before = state_of(a, ids)
    for method, path in sorted(routes(client)):
        url = path.format(**ids)
        body = BODIES.get(path)
        if (method, path) in OPERATOR_ONLY:
            for caller in (b.write, b.read):
                r = caller.call(method, url, body or {})
                assert r.status_code == 403, (method, path, r.status_code)
        elif (method, path) in OWN_OBJECT:
            r = b.write.call(method, url, body)
            assert (r.status_code, r.json()["code"]) == (404, "not_found"), (method, path)
            missing = b.write.call(method, path.format(**{k: "zz_missing" for k in ids}), body)
            assert missing.json()["detail"].split(" ")[0] == r.json()["detail"].split(" ")[0]
            r = b.read.call(method, url, body)
            assert r.status_code == (404 if method == "GET" else 403), (method, path)
        elif (method, path) in LISTS:
            # an operator's header means nothing on a partner's key
            r = b.read.get(url, params={"limit": 100}, headers={"PartnerFleet-Partner-Id": a.id})
            assert r.status_code == 200
            assert not set(ids.values()) & {
                str(v) for item in r.json()["items"] for v in item.values()
            }, (method, path)
    leaked = b.read.get("/v1/customers", params={"reference": "iso-ref"}).json()["items"]
    assert leaked == []
    foreign = b.write.post(
        "/v1/licenses",
        {
            "customer_id": ids["customer_id"],
            "product": "dns-filter",
            "edition": "pro",
            "term_months": 12,
            "seats": 1,
        },
    )
    assert foreign.status_code == 404
    assert state_of(a, ids) == before
