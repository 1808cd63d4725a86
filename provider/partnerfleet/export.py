"""`partnerfleet export`: a fleet file from what the backend holds for this partner.

Every customer org, license in force, add-on that no program manages and the support level,
with adoption set: the first `pulumi up` on the file takes everything over and changes and
charges nothing. Customers and licenses without a reference cannot be adopted (adoption finds
them by it); they are left out and named on stderr. The file is checked against the fleet
schema before it is written. With `--format pulumi-import` it writes the engine's bulk import
file instead, for programs on the provider plugin (any language).
"""

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

from partnerfleet.client import Client
from partnerfleet.fleet import load_fleet
from partnerfleet.resources.support_level import SUPPORT_ID

IN_FORCE = ("trial", "active", "over_limit", "suspended")
ADD_ON_IN_FORCE = ("active", "included", "requested")
CUSTOMER_DEFAULTS = {"support_by": "partner", "access": "full"}


def _license_entry(lic: dict[str, Any]) -> dict[str, Any]:
    """A license as asked for: a decrease or downgrade waiting for the renewal is the ask."""
    entry: dict[str, Any] = {
        "product": lic["product"],
        "edition": lic.get("edition_next_term") or lic["edition"],
    }
    term = lic.get("term_months_next_term") or lic.get("term_months")
    if term is not None:
        entry["term_months"] = term
    seats = lic.get("seats_next_term") or lic.get("seats")
    if seats is not None:
        entry["seats"] = seats
    if not lic.get("auto_renew", True):
        entry["auto_renew"] = False
    if lic.get("trial"):
        entry["trial"] = True
    entry["reference"] = lic["reference"]
    entry["adopt"] = True
    return entry


def _customer_entry(customer: dict[str, Any], licenses: list[dict[str, Any]]) -> dict[str, Any]:
    """A customer org as the fleet file holds it, its licenses by reference."""
    entry: dict[str, Any] = {
        "reference": customer["reference"],
        "name": customer["name"],
        "segment": customer["segment"],
        "country": customer["country"],
        "contact_email": customer["contact_email"],
    }
    for field, default in CUSTOMER_DEFAULTS.items():
        if customer.get(field) not in (None, default):
            entry[field] = customer[field]
    if customer.get("access_products"):
        entry["access_products"] = list(customer["access_products"])
    if customer.get("logo_url"):
        entry["logo_url"] = customer["logo_url"]
    entry["adopt"] = True
    if licenses:
        entry["licenses"] = sorted(licenses, key=lambda lic: str(lic["reference"]))
    return entry


def _customers(client: Client, problems: list[str]) -> list[dict[str, Any]]:
    customers = list(client.list_all("/v1/customers"))
    by_customer: dict[str, list[dict[str, Any]]] = {c["id"]: [] for c in customers}
    for lic in client.list_all("/v1/licenses"):
        if lic["status"] not in IN_FORCE or lic["customer_id"] not in by_customer:
            continue
        if not lic.get("reference"):
            problems.append(f"license {lic['id']} has no reference: left out (give it one)")
            continue
        by_customer[lic["customer_id"]].append(_license_entry(lic))
    entries = []
    for customer in sorted(customers, key=lambda c: str(c.get("reference"))):
        if not customer.get("reference"):
            problems.append(f"customer {customer['id']} has no reference: left out (give it one)")
            continue
        entries.append(_customer_entry(customer, by_customer[customer["id"]]))
    return entries


def _unmanaged_addons(client: Client, problems: list[str]) -> list[dict[str, Any]]:
    """The add-ons in force that no program manages (premium-support is the support level);
    those a program manages are named in `problems`."""
    found = []
    for addon in client.list_all("/v1/addons"):
        in_force = addon["status"] in ADD_ON_IN_FORCE and addon.get("cancelled_at") is None
        if not in_force or addon["option"] == "premium-support":  # that is the support level
            continue
        if addon.get("client_reference"):
            problems.append(f"add-on {addon['id']} ({addon['option']}) is managed elsewhere")
            continue
        found.append(addon)
    return found


def _addons(client: Client, problems: list[str]) -> list[dict[str, Any]]:
    addons = []
    for addon in _unmanaged_addons(client, problems):
        item: dict[str, Any] = {"option": addon["option"], "adopt": True}
        if not addon.get("auto_renew", True):
            item["auto_renew"] = False
        addons.append(item)
    return addons


def fleet_document(client: Client, problems: list[str]) -> dict[str, Any]:
    """The fleet file's content; what cannot be exported is added to `problems`."""
    entries = _customers(client, problems)
    document: dict[str, Any] = {}
    support = client.get("/v1/support")
    document["support_level"] = support["support_level"]
    if support.get("source") == "option":
        document["support_adopt"] = True
    addons = _addons(client, problems)
    if addons:
        document["addons"] = addons
    document["customers"] = entries
    return document


HEADER = """# yaml-language-server: $schema={schema}
#
# Exported by `partnerfleet export` from what the backend holds: every customer org, license
# in force, add-on and the support level, with adopt set, so the first `pulumi up` on this
# file takes everything over and changes and charges nothing.
"""


def export(client: Client, output: Path | None, schema_url: str) -> int:
    """Write the fleet file (checked against the schema first); 1 when something was left out."""
    problems: list[str] = []
    document = fleet_document(client, problems)
    text = HEADER.format(schema=schema_url) + yaml.safe_dump(
        document, sort_keys=False, allow_unicode=True, width=100
    )
    with tempfile.TemporaryDirectory() as scratch:  # the same checks a program's load makes
        check = Path(scratch) / "fleet.yaml"
        check.write_text(text, encoding="utf-8")
        load_fleet(check)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        customers = len(document["customers"])
        licenses = sum(len(c.get("licenses", [])) for c in document["customers"])
        print(f"partnerfleet export: {customers} customers, {licenses} licenses -> {output}")
    for problem in problems:
        print(f"partnerfleet export: {problem}", file=sys.stderr)
    return 1 if problems else 0


def import_document(client: Client, problems: list[str]) -> dict[str, Any]:
    """The engine's bulk import file (`pulumi import --file`) for the provider plugin: every
    customer org and license in force (named by its reference, else its id), every add-on in
    force that no program manages, and the support level. Importing changes and charges
    nothing."""
    resources: list[dict[str, str]] = []

    def add(kind: str, name: str, object_id: str) -> None:
        resources.append({"type": f"partnerfleet:index:{kind}", "name": name, "id": object_id})

    for customer in sorted(client.list_all("/v1/customers"), key=lambda c: str(c["id"])):
        add("CustomerOrg", str(customer.get("reference") or customer["id"]), customer["id"])
    for lic in sorted(client.list_all("/v1/licenses"), key=lambda x: str(x["id"])):
        if lic["status"] in IN_FORCE:
            add("License", str(lic.get("reference") or lic["id"]), lic["id"])
    for addon in _unmanaged_addons(client, problems):
        add("AddOn", str(addon["option"]), addon["id"])
    add("SupportLevel", "support", SUPPORT_ID)
    return {"resources": resources}


def export_imports(client: Client, output: Path | None) -> int:
    """Write the bulk import file; 1 when something was left out."""
    problems: list[str] = []
    text = json.dumps(import_document(client, problems), indent=2) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        print(f"partnerfleet export: pulumi import file -> {output}")
    for problem in problems:
        print(f"partnerfleet export: {problem}", file=sys.stderr)
    return 1 if problems else 0
