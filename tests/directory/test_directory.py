"""The partner directory (SPEC: Directory and tenders): a partner lists itself, the operator
approves it (registration and website checked), anyone finds it by country, product and
service; nothing private on a public answer."""

import json

from tests.support.api import Caller, make_customer, make_partner
from tests.support.tenders import entry_body, list_partner, stranger


def test_a_partner_is_found_once_the_operator_approved_it(operator: Caller) -> None:
    p = make_partner(operator, name="IT Nord GmbH", top_up_cents=110_000)
    make_customer(p, contact_email="secret-customer@school.example")
    public = stranger(operator)
    mine = p.write.put("/v1/me/directory", entry_body(), expect=200).json()
    assert (mine["approval"], mine["public"]) == ("pending", False)
    assert public.get(f"/v1/directory/{p.id}").status_code == 404  # not checked yet

    approved = list_partner(operator, p)
    assert (approved["approval"], approved["public"]) == ("approved", True)
    found = public.get("/v1/directory", params={"country": "DE", "product": "dns-filter"}).json()
    (entry,) = [e for e in found if e["partner_id"] == p.id]
    assert entry["name"] == "IT Nord GmbH" and entry["level"] == "silver"
    assert entry["page"].endswith(f"/directory/{p.id}")
    for narrowed in ({"country": "AT"}, {"product": "firewall"}, {"service_name": "training"}):
        listed = public.get("/v1/directory", params=narrowed).json()
        assert p.id not in {e["partner_id"] for e in listed}, narrowed

    # nothing private: no email, no money, no customer, not even the registration number
    said = json.dumps(public.get(f"/v1/directory/{p.id}", expect=200).json())
    for private in ("@", "balance", "cents", "customer", "HRB"):
        assert private not in said, private


def test_a_new_website_waits_for_the_operator_again(operator: Caller) -> None:
    p = make_partner(operator)
    list_partner(operator, p)
    kept = p.write.put("/v1/me/directory", entry_body(description="Now also backups."))
    assert kept.json()["approval"] == "approved"  # the text is the partner's own
    moved = p.write.put("/v1/me/directory", entry_body(website="https://elsewhere.example"))
    assert moved.json()["approval"] == "pending"
    assert stranger(operator).get(f"/v1/directory/{p.id}").status_code == 404


def test_the_operator_hides_and_removes_an_entry_audited(operator: Caller) -> None:
    p = make_partner(operator)
    list_partner(operator, p)
    operator.put(f"/v1/partners/{p.id}/directory/approval", {"approval": "hidden"}, expect=200)
    assert stranger(operator).get(f"/v1/directory/{p.id}").status_code == 404
    operator.delete(f"/v1/partners/{p.id}/directory", expect=204)
    assert p.read.get("/v1/me/directory").status_code == 404
    events = p.read.get("/v1/audit-events", params={"limit": 100}).json()["items"]
    actions = {e["action"] for e in events}
    assert {
        "directory.entry_changed",
        "directory.entry_approved",
        "directory.entry_hidden",
        "directory.entry_removed",
    } <= actions


def test_bad_entries_are_refused_naming_the_field(operator: Caller) -> None:
    p = make_partner(operator)
    cases = {
        "website": "http://plain.example",
        "country": "Germany",
        "services": ["juggling"],
        "products": ["no-such-product"],
        "description": "<script>alert(1)</script>",
        "registration_number": "",
    }
    for field, value in cases.items():
        refused = p.write.put("/v1/me/directory", entry_body(**{field: value}))
        assert refused.status_code == 422, (field, refused.text)
        assert field in refused.text, (field, refused.text)
    assert p.read.get("/v1/me/directory").status_code == 404  # nothing kept
    # only the operator approves; a read key changes nothing
    assert (
        p.write.put(f"/v1/partners/{p.id}/directory/approval", {"approval": "approved"}).status_code
        == 403
    )
    assert p.read.put("/v1/me/directory", entry_body()).status_code == 403
