"""Staff rights (SPEC: Partnerships and who pays): a partner's admins give a team a key that
manages the licenses and settings of the customers they name, and nothing else; only the
admins' keys add customers, buy, make keys or change the profile."""

from typing import Any

from tests.support.api import (
    Caller,
    PartnerHandle,
    all_items,
    license_body,
    make_customer,
    make_partner,
)


def team_key(p: PartnerHandle, *customer_ids: str, label: str = "Service desk") -> Caller:
    made = p.write.post(
        "/v1/me/api-keys",
        {"scope": "team", "customer_ids": list(customer_ids), "label": label},
        expect=201,
    ).json()
    assert made["customer_ids"] == sorted(customer_ids)
    return Caller(p.write.http, p.write.base, made["key"])


def refused(answer: Any, code: str, field: str | None = None) -> None:
    assert answer.status_code == 403, answer.text
    body = answer.json()
    assert body["code"] == code, body
    if field is not None:
        assert body["field"] == field, body


def test_a_team_key_manages_only_the_customers_it_names(operator: Caller) -> None:
    p = make_partner(operator, top_up_cents=500_000)
    ours, theirs = make_customer(p), make_customer(p)
    team = team_key(p, ours["id"])

    lic = team.post("/v1/licenses", license_body(ours["id"], seats=5), expect=201).json()
    team.patch(f"/v1/licenses/{lic['id']}", {"seats": 6}, expect=200)
    team.patch(f"/v1/customers/{ours['id']}", {"name": "Renamed by the desk"}, expect=200)
    refused(
        team.post("/v1/licenses", license_body(theirs["id"], seats=5)),
        "team_customers_only",
        "customer_id",
    )
    other = p.write.post("/v1/licenses", license_body(theirs["id"], seats=5), expect=201).json()
    refused(team.patch(f"/v1/licenses/{other['id']}", {"seats": 6}), "team_customers_only")
    refused(team.delete(f"/v1/licenses/{other['id']}"), "team_customers_only")
    refused(team.patch(f"/v1/customers/{theirs['id']}", {"name": "x"}), "team_customers_only")
    refused(team.delete(f"/v1/customers/{theirs['id']}"), "team_customers_only")
    refused(
        team.post(f"/v1/customers/{theirs['id']}/access-requests", {"access": "full"}),
        "team_customers_only",
    )
    # it reads the partner's data like a read key
    assert {c["id"] for c in all_items(team, "/v1/customers")} >= {ours["id"], theirs["id"]}
    team.get(f"/v1/licenses/{other['id']}", expect=200)
    # nothing changed by the refusals
    assert p.read.get(f"/v1/licenses/{other['id']}", expect=200).json()["seats"] == 5
    assert p.read.get(f"/v1/customers/{theirs['id']}", expect=200).json()["name"] == theirs["name"]


def test_only_the_partners_admins_add_customers_buy_and_make_keys(operator: Caller) -> None:
    p = make_partner(operator, top_up_cents=100_000)
    org = make_customer(p)
    team = team_key(p, org["id"])
    body = {"name": "New org", "segment": "business", "country": "DE"}
    body["contact_email"] = "it@new-org.example"
    for answer in (
        team.post("/v1/customers", body),
        team.post("/v1/me/api-keys", {"scope": "read"}),
        team.post("/v1/addons", {"option": "api-calls-50k"}),
        team.put("/v1/support", {"level": "premium"}),
        team.patch("/v1/me", {"billing_email": "desk@partner.example"}),
    ):
        refused(answer, "partner_admin_only")
    assert [c["id"] for c in all_items(p.read, "/v1/customers")] == [org["id"]]
    p.write.post("/v1/customers", body, expect=201)  # the admins' key does


def test_team_keys_are_made_with_care(operator: Caller) -> None:
    p = make_partner(operator)
    other = make_partner(operator)
    org, foreign = make_customer(p), make_customer(other)

    def error_field(answer: Any) -> str:
        assert answer.status_code == 422, answer.text
        data = answer.json()
        return str(data.get("field") or data["errors"][0]["field"])

    base = "/v1/me/api-keys"
    assert error_field(p.write.post(base, {"scope": "team"})) == "customer_ids"
    assert error_field(p.write.post(base, {"scope": "team", "customer_ids": []})) == "customer_ids"
    assert (
        error_field(p.write.post(base, {"scope": "write", "customer_ids": [org["id"]]}))
        == "customer_ids"
    )
    assert (
        error_field(p.write.post(base, {"scope": "team", "customer_ids": [foreign["id"]]}))
        == "customer_ids"
    )
    # the operator issues one too; the list shows whose it is and what it manages
    made = operator.post(
        f"/v1/partners/{p.id}/api-keys",
        {"scope": "team", "customer_ids": [org["id"]], "label": "Night shift"},
        expect=201,
    ).json()
    listed = {k["id"]: k for k in p.read.get(base, expect=200).json()}
    assert listed[made["id"]]["label"] == "Night shift"
    assert listed[made["id"]]["customer_ids"] == [org["id"]]
    created = [e for e in all_items(p.read, "/v1/audit-events") if e["action"] == "api_key.created"]
    assert any(e["after"]["customer_ids"] == [org["id"]] for e in created)


def test_a_plan_with_a_team_key_says_what_the_up_would_refuse(operator: Caller) -> None:
    p = make_partner(operator, top_up_cents=500_000)
    ours, theirs = make_customer(p), make_customer(p)
    team = team_key(p, ours["id"])
    changes = [
        {
            "key": key,
            "action": "create",
            "type": "license",
            "inputs": license_body(customer["id"], seats=3),
        }
        for key, customer in (("ours", ours), ("theirs", theirs))
    ]
    planned = {c["key"]: c for c in team.post("/v1/plans", {"changes": changes}).json()["changes"]}
    assert planned["ours"]["refused"] is None
    assert planned["theirs"]["refused"]["code"] == "team_customers_only"
