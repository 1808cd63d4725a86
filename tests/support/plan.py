"""Plans in tests: ask for one, and apply the same changes one by one through the API."""

from typing import Any

from tests.support.api import PartnerHandle, ledger

ROUTES = {"customer": "/v1/customers", "license": "/v1/licenses", "addon": "/v1/addons"}


def plan(p: PartnerHandle, changes: list[dict[str, Any]], expect: int = 200) -> dict[str, Any]:
    """The plan of `changes`, asked with the partner's read key."""
    result: dict[str, Any] = p.read.post("/v1/plans", {"changes": changes}, expect=expect).json()
    return result


def apply(p: PartnerHandle, change: dict[str, Any], created: dict[str, str]) -> Any:
    """Send `change` as `pulumi up` would; ids of objects created earlier come from `created`
    (change key -> id), and this change's new object is added to it."""
    kind, action = change["type"], change["action"]
    inputs = dict(change.get("inputs", {}))
    if kind == "support":
        level = "basic" if action == "delete" else inputs["support_level"]
        return p.write.put("/v1/support", {"support_level": level})
    route = ROUTES[kind]
    if action == "create":
        if change.get("customer"):
            inputs["customer_id"] = created[change["customer"]]
        response = p.write.post(route, inputs)
        if response.status_code == 201:
            created[change["key"]] = response.json()["id"]
        return response
    object_id = change.get("id") or created[change["key"]]
    if action == "update":
        return p.write.patch(f"{route}/{object_id}", inputs)
    return p.write.delete(f"{route}/{object_id}")


def charged(p: PartnerHandle, since: int) -> tuple[int, int, int]:
    """(entries, nominal, net) drawn from the credit by ledger entries after the first `since`."""
    drawn = [e for e in ledger(p.read)[since:] if e["kind"] in ("charge", "adjustment")]
    return (
        len(ledger(p.read)),
        -sum(e["amount_cents"] for e in drawn),
        -sum(e["net_cents"] for e in drawn),
    )
