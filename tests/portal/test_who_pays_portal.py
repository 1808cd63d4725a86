"""The customer's side of who pays, in the portal: its admin chooses the payer, sees the
invoices and downloads each as a PDF; its partner's people and its guests never see them."""

from typing import Any

from fastapi.testclient import TestClient

from partnerfleet_backend.portal.web import eur
from partnerfleet_backend.settings import Settings
from tests.portal.test_portal import signed_in
from tests.support.api import Caller, PartnerHandle, license_body, make_customer
from tests.support.database import query
from tests.support.portal import PASSWORD, make_user


def _invoices(operator: Caller, org: dict[str, Any]) -> list[dict[str, Any]]:
    answer = operator.get("/v1/invoices", params={"customer_id": org["id"]}).json()
    return list(answer["items"])


def test_the_customer_chooses_who_pays_and_sees_its_invoices(
    client: TestClient, operator: Caller, partner: PartnerHandle, settings: Settings
) -> None:
    org = make_customer(partner, name="Stadtwerke Nord")
    other = make_customer(partner, name="Someone else")
    admin = signed_in(client, make_user(settings, "customer", "admin", customer_id=org["id"]))
    settings_page = f"/portal/c/{org['id']}/settings"
    assert 'name="payer"' in admin.get(settings_page).text
    bad = admin.submit(
        settings_page, {"contact_email": "it@sw.example", "access": "full", "payer": "nobody"}
    )
    assert bad.status_code == 422 and "payer" in bad.text
    done = admin.submit(
        settings_page, {"contact_email": "it@sw.example", "access": "full", "payer": "customer"}
    )
    assert done.status_code == 200 and "Saved." in done.text
    told = partner.read.get("/v1/notifications").json()["items"]
    assert [n["message"] for n in told if n["kind"] == "customer.payer_changed"] == [
        "Stadtwerke Nord now pays with its own means (invoiced; you earn cashback), "
        "from its next order or renewal"
    ]

    partner.write.post("/v1/licenses", license_body(org["id"]), expect=201)
    (invoice,) = _invoices(operator, org)
    page = admin.get(f"/portal/c/{org['id']}").text
    assert invoice["number"] in page and eur(invoice["amount_cents"]) in page
    pdf = admin.get(f"/portal/c/{org['id']}/invoices/{invoice['id']}.pdf")
    assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-"
    assert invoice["number"] in pdf.headers["content-disposition"]

    # never the partner's people, nor the org's guests, nor another org's admin
    partner_admin = signed_in(
        client, make_user(settings, "partner", "admin", partner_id=partner.id)
    )
    guest = signed_in(client, make_user(settings, "customer", "guest", customer_id=org["id"]))
    stranger = signed_in(client, make_user(settings, "customer", "admin", customer_id=other["id"]))
    for person in (partner_admin, guest):
        assert invoice["number"] not in person.get(f"/portal/c/{org['id']}").text
        pdf = person.get(f"/portal/c/{org['id']}/invoices/{invoice['id']}.pdf")
        assert pdf.status_code == 404
    assert stranger.get(f"/portal/c/{other['id']}/invoices/{invoice['id']}.pdf").status_code == 404
    assert stranger.get(f"/portal/c/{org['id']}/invoices/{invoice['id']}.pdf").status_code == 404


def test_either_side_ends_the_partnership_with_its_password(
    client: TestClient, operator: Caller, partner: PartnerHandle, settings: Settings
) -> None:
    org = make_customer(partner, name="Werkstatt Ost", contact_email="it@werkstatt.example")
    lic = partner.write.post("/v1/licenses", license_body(org["id"]), expect=201).json()
    admin = signed_in(client, make_user(settings, "customer", "admin", customer_id=org["id"]))
    guest = signed_in(client, make_user(settings, "customer", "guest", customer_id=org["id"]))
    assert "End the partnership" in admin.get(f"/portal/c/{org['id']}").text
    assert "End the partnership" not in guest.get(f"/portal/c/{org['id']}").text
    end = f"/portal/c/{org['id']}/end"
    assert guest.submit(end, {"password": PASSWORD}).status_code == 403
    wrong = admin.submit(end, {"password": "not-my-password-at-all"})
    assert wrong.status_code == 403 and "not your password" in wrong.text
    assert partner.read.get(f"/v1/customers/{org['id']}").status_code == 200  # nothing changed

    done = admin.submit(end, {"password": PASSWORD})
    assert done.status_code == 200 and "The partnership ended" in done.text
    # the partner is told and no longer sees the org; the license stays with it, unmanaged
    told = partner.read.get("/v1/notifications").json()["items"]
    assert any(n["kind"] == "customer.partnership_ended" for n in told)
    assert partner.read.get(f"/v1/customers/{org['id']}").status_code == 404
    page = admin.get(f"/portal/c/{org['id']}")
    assert page.status_code == 200 and "The partnership ended" in page.text
    assert "dns-filter" in page.text
    kept = partner.read.get(f"/v1/licenses/{lic['id']}")
    assert kept.status_code == 404  # no longer the partner's
    assert query(settings, "SELECT managed FROM licenses WHERE id = :i", i=lic["id"]) == [
        {"managed": False}
    ]


def test_the_partners_admin_ends_it_and_the_customer_is_told(
    client: TestClient, partner: PartnerHandle, settings: Settings
) -> None:
    org = make_customer(partner, name="Praxis Mitte", contact_email="it@praxis.example")
    reader = signed_in(client, make_user(settings, "partner", "read_only", partner_id=partner.id))
    admin = signed_in(client, make_user(settings, "partner", "admin", partner_id=partner.id))
    end = f"/portal/c/{org['id']}/end"
    assert reader.submit(end, {"password": PASSWORD}).status_code == 403
    assert admin.submit(end, {"password": PASSWORD}).status_code == 200
    told = partner.read.get("/v1/notifications").json()["items"]
    to_customer = [n for n in told if n["kind"] == "customer_partnership_ended"]
    assert [n["data"]["to"] for n in to_customer] == ["it@praxis.example"]
    assert admin.get(f"/portal/c/{org['id']}").status_code == 404  # no longer the partner's
