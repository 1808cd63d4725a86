"""A partner's top-ups in the portal: the numbered invoices as PDFs, the rule, the request
waiting for its payment; nobody else's."""

import re

from fastapi.testclient import TestClient

from partnerfleet_backend.settings import Settings
from tests.support.api import Caller, make_partner
from tests.support.portal import browser, make_user


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
