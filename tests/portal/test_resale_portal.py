"""Billing its customers, in the portal: the month's lines and the CSV for a PSA."""

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from partnerfleet_backend.settings import Settings
from tests.support.api import Caller, SetClock, license_body, make_customer, make_partner
from tests.support.portal import browser, make_user


def test_the_months_lines_and_their_csv(
    client: TestClient, operator: Caller, settings: Settings, set_clock: SetClock
) -> None:
    set_clock(datetime(2027, 3, 15, 9, 0, tzinfo=UTC))
    p = make_partner(operator, top_up_cents=550_000)
    org = make_customer(p, reference="GYM-7")
    p.write.post("/v1/licenses", license_body(org["id"], seats=100), expect=201)
    p.write.put("/v1/resale-prices/dns-filter/*", {"price_cents": 50}, expect=200)
    api = p.read.get("/v1/resale/lines", params={"month": "2027-04"}).json()["items"][0]
    person = browser(client.app)
    person.sign_in(make_user(settings, "partner", "read_only", partner_id=p.id))
    page = person.get(f"/portal/p/{p.id}/resale", params={"month": "2027-04"})
    assert page.status_code == 200
    assert "GYM-7" in page.text and "100.00" in page.text and "50.00 EUR" in page.text
    assert "0.50 EUR a seat and month" in page.text
    assert f"{api['cost_net_cents'] // 100:,}." in page.text  # the API's figures
    exported = person.get(f"/portal/p/{p.id}/resale/2027-04.csv")
    assert exported.status_code == 200 and "GYM-7" in exported.text
    stranger = browser(client.app)
    stranger.sign_in(make_user(settings, "partner", "admin", partner_id=make_partner(operator).id))
    assert stranger.get(f"/portal/p/{p.id}/resale").status_code == 404
