"""The OpenAPI document tells the truth: every status a route answers is documented with the
problem schema, and objects with a version come with an ETag."""

from typing import Any

import pytest

from tests.support.api import Caller, PartnerHandle, make_customer, make_partner


@pytest.fixture(scope="module")
def spec(client: Any) -> dict[str, Any]:
    document: dict[str, Any] = client.get("/openapi.json").json()
    return document


def documented(spec: dict[str, Any], method: str, path: str) -> set[int]:
    responses = spec["paths"][path][method.lower()]["responses"]
    return {int(status) for status in responses}


def test_every_operation_documents_its_errors_as_problems(spec: dict[str, Any]) -> None:
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            errors = {s: r for s, r in operation["responses"].items() if s[0] in "45"}
            assert {"422", "503"} <= set(errors), (method, path)
            if not path.startswith("/v1/license-keys/"):
                assert {"401", "403", "429"} <= set(errors), (method, path)
            for status, response in errors.items():
                schema = response["content"]["application/problem+json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Problem"}, (method, path, status)


def test_what_the_service_answers_is_documented(
    spec: dict[str, Any], operator: Caller, partner: PartnerHandle
) -> None:
    poor = make_partner(operator)
    customer = make_customer(poor)
    lic_body = {
        "customer_id": customer["id"],
        "product": "dns-filter",
        "edition": "pro",
        "term_months": 12,
        "seats": 5,
    }
    seen: list[tuple[str, str, int]] = []

    def note(method: str, template: str, answer: Any) -> None:
        seen.append((method, template, answer.status_code))

    note("POST", "/v1/licenses", poor.write.post("/v1/licenses", lic_body))  # 402
    note("POST", "/v1/licenses", poor.read.post("/v1/licenses", lic_body))  # 403
    anonymous = Caller(operator.http, operator.base, "")
    note("GET", "/v1/licenses", anonymous.get("/v1/licenses"))  # 401
    note("GET", "/v1/licenses/{license_id}", partner.read.get("/v1/licenses/lic_nope"))  # 404
    note("POST", "/v1/customers", partner.write.post("/v1/customers", {"name": ""}))  # 422
    mine = make_customer(partner)
    path = f"/v1/customers/{mine['id']}"
    stale = partner.write.patch(path, {"name": "x"}, headers={"If-Match": '"99"'})
    note("PATCH", "/v1/customers/{customer_id}", stale)  # 412
    big = partner.write.post("/v1/customers", {"name": "x" * 70_000})
    note("POST", "/v1/customers", big)  # 413
    statuses = {status for _, _, status in seen}
    assert statuses == {401, 402, 403, 404, 412, 413, 422}, seen
    for method, template, status in seen:
        assert status in documented(spec, method, template), (method, template, status)


def test_the_account_routes_send_etags(operator: Caller, partner: PartnerHandle) -> None:
    me = partner.read.get("/v1/me", expect=200)
    assert me.headers["ETag"] == f'"{me.json()["version"]}"'
    account = operator.get(f"/v1/partners/{partner.id}", expect=200)
    assert account.headers["ETag"] == me.headers["ETag"]
    changed = partner.write.patch(
        "/v1/me", {"billing_email": "a@example.org"}, headers={"If-Match": "*"}, expect=200
    )
    assert changed.headers["ETag"] != me.headers["ETag"]
    partner.write.patch(
        "/v1/me",
        {"billing_email": "b@example.org"},
        headers={"If-Match": me.headers["ETag"]},
        expect=412,
    )
    partner.write.patch(
        "/v1/me",
        {"billing_email": "b@example.org"},
        headers={"If-Match": changed.headers["ETag"]},
        expect=200,
    )
