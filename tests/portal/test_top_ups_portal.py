"""A partner's top-ups in the portal: the numbered invoices as PDFs, the rule, the request
waiting for its payment; nobody else's."""

import re

from fastapi.testclient import TestClient

from partnerfleet_backend.settings import Settings
from tests.support.api import Caller, make_partner
from tests.support.portal import browser, make_user, set_up_second_factor


def test_the_invoices_of_top_ups_the_rule_and_a_waiting_request(
    client: TestClient, operator: Caller, settings: Settings
) -> None:
    p = make_partner(operator, top_up_cents=55_000)
    operator.post(f"/v1/partners/{p.id}/top-ups", {"amount_cents": 110_000}, expect=201)
    p.write.put("/v1/me/top-up-rule", {"amount_cents": 55_000}, expect=200)
    p.write.post("/v1/top-up-requests", {"amount_cents": 55_000}, expect=201)
    person = browser(client.app)
    person.sign_in(make_user(settings, "partner", "billing", partner_id=p.id))
    page = person.get(f"/portal/p/{p.id}/top-ups")
    assert page.status_code == 200
    assert "before renewals of the next 7 days the credit cannot pay" in page.text
    assert "Waiting for its payment: a top-up of 550.00 EUR" in page.text
    links = re.findall(r'href="(/portal/p/[^"]+/invoice\.pdf)">(TU-\d{4}-\d{6})<', page.text)
    assert len(links) == 2
    pdf = person.get(links[1][0])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert links[1][1] in pdf.headers["content-disposition"]
    stranger = browser(client.app)
    other = make_partner(operator)
    stranger.sign_in(make_user(settings, "partner", "admin", partner_id=other.id))
    assert stranger.get(links[1][0]).status_code == 404
    assert stranger.get(f"/portal/p/{p.id}/top-ups").status_code == 404


def test_the_operator_settles_a_waiting_top_up_once(
    client: TestClient, operator: Caller, settings: Settings
) -> None:
    p = make_partner(operator, top_up_cents=55_000)
    asked = p.write.post("/v1/top-up-requests", {"amount_cents": 110_000}, expect=201).json()
    vendor = browser(client.app)
    vendor.sign_in(make_user(settings, "operator", "admin"))
    set_up_second_factor(vendor)  # the operator's people always need it
    listing = vendor.get("/portal/top-up-requests")
    assert f'id="request-{asked["id"]}"' in listing.text and "1,100.00 EUR" in listing.text
    settle = f"/portal/top-up-requests/{p.id}/{asked['id']}"
    done = vendor.post_from("/portal/top-up-requests", settle, {})
    assert done.status_code == 200 and f'id="request-{asked["id"]}"' not in done.text
    again = vendor.post_from("/portal/top-up-requests", settle, {})
    assert again.status_code == 409
    amounts = [e["amount_cents"] for e in p.read.get("/v1/wallet/ledger").json()["items"]]
    assert amounts == [55_000, 110_000]
    partner_person = browser(client.app)
    partner_person.sign_in(make_user(settings, "partner", "admin", partner_id=p.id))
    assert partner_person.get("/portal/top-up-requests").status_code == 404
    assert partner_person.post_from(f"/portal/p/{p.id}/top-ups", settle, {}).status_code == 404
