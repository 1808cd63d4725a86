"""The operator sees what a partner sees (asked by partner id, audited), suspends and lifts
licenses, and runs the commands of the job; partners manage their own keys, never above their
own rights."""

import os
import subprocess
from typing import Any

from partnerfleet_backend.scheduler import run_due_jobs
from partnerfleet_backend.settings import Settings
from tests.support.api import (
    Caller,
    PartnerHandle,
    all_items,
    ledger,
    make_customer,
    make_partner,
    product_reports,
    school_license,
)
from tests.support.server import BIN

ON_BEHALF = "PartnerFleet-Partner-Id"


def as_operator_of(operator: Caller, p: PartnerHandle) -> Caller:
    return Caller(operator.http, operator.base, operator.key, headers={ON_BEHALF: p.id})


def validates(p: PartnerHandle, key: str) -> bool:
    answer = p.read.http.request("GET", f"{p.read.base}/v1/license-keys/{key}/validate")
    assert answer.status_code == 200
    return bool(answer.json()["valid"])


def test_the_operator_reads_a_partner_s_data_audited(
    operator: Caller, partner: PartnerHandle
) -> None:
    lic = school_license(partner, seats=5)
    seen = as_operator_of(operator, partner)
    for path in (
        "/v1/me",
        "/v1/wallet",
        "/v1/quota",
        "/v1/customers",
        "/v1/licenses",
        f"/v1/licenses/{lic['id']}",
        "/v1/wallet/ledger",
        "/v1/notifications",
        "/v1/audit-events",
        "/v1/addons",
        "/v1/me/api-keys",
    ):
        mine = partner.read.get(path, expect=200).json()
        theirs = seen.get(path, expect=200).json()
        if path == "/v1/audit-events":  # the operator's reads are in it by now
            continue
        assert theirs == mine, path
    refused = operator.get("/v1/licenses", expect=403).json()
    assert ON_BEHALF in refused["detail"]
    unknown = Caller(operator.http, operator.base, operator.key, headers={ON_BEHALF: "ptn_nope"})
    unknown.get("/v1/licenses", expect=404)
    seen.patch(f"/v1/licenses/{lic['id']}", {"seats": 50}, expect=403)  # reading only
    trail = all_items(partner.read, "/v1/audit-events")
    reads = [e for e in trail if e["action"] == "operator.read"]
    assert {e["after"]["path"] for e in reads} >= {"/v1/licenses", "/v1/wallet/ledger"}
    assert all(e["actor_key_id"] and e["actor"] == "key" for e in reads)
    # what a refund needs: the charge's id, read by the operator
    charge = next(e for e in ledger(seen) if e["kind"] == "charge")
    operator.post(f"/v1/partners/{partner.id}/refunds", {"entry_id": charge["id"]}, expect=201)


def test_the_operator_suspends_and_lifts_a_license(
    operator: Caller, partner: PartnerHandle, settings: Settings
) -> None:
    lic = school_license(partner, seats=5)
    key = lic["license_key"]
    path = f"/v1/partners/{partner.id}/licenses/{lic['id']}/suspension"
    partner.write.post(path, {"reason": "x"}, expect=403)
    held = operator.post(path, {"reason": "payment dispute 4711"}, expect=200).json()
    assert (held["status"], held["hold_reason"]) == ("suspended", "payment dispute 4711")
    assert not validates(partner, key)
    seen = partner.read.get(f"/v1/licenses/{lic['id']}", expect=200).json()
    assert seen["held_at"] is not None and seen["hold_reason"] == "payment dispute 4711"
    partner.write.patch(f"/v1/licenses/{lic['id']}", {"seats": 6}, expect=200)  # still theirs
    product_reports(partner.read, key, 1)  # no use over the seats: the usage check would clear
    run_due_jobs(settings)
    assert partner.read.get(f"/v1/licenses/{lic['id']}").json()["status"] == "suspended"
    operator.post(path, {"reason": "another"}, expect=409)
    lifted = operator.delete(path, expect=200).json()
    assert (lifted["status"], lifted["hold_reason"]) == ("active", None)
    assert validates(partner, key)
    operator.delete(path, expect=409)
    actions = [
        e["action"] for e in all_items(partner.read, "/v1/audit-events", object_id=lic["id"])
    ]
    assert "license.held" in actions and "license.hold_lifted" in actions


def test_partners_manage_their_own_keys(operator: Caller, partner: PartnerHandle) -> None:
    made = partner.write.post("/v1/me/api-keys", {"scope": "read"}, expect=201).json()
    ci = Caller(partner.read.http, partner.read.base, made["key"])
    ci.get("/v1/licenses", expect=200)
    ci.post("/v1/me/api-keys", {"scope": "write"}, expect=403)  # a read key makes no keys
    partner.read.post("/v1/me/api-keys", {"scope": "read"}, expect=403)
    partner.write.post("/v1/me/api-keys", {"scope": "operator"}, expect=422)
    listed = partner.read.get("/v1/me/api-keys", expect=200).json()
    assert made["id"] in [k["id"] for k in listed]
    assert all("key" not in k and len(k["prefix"]) <= 8 for k in listed)
    other = make_partner(operator)
    theirs = other.read.get("/v1/me/api-keys", expect=200).json()[0]["id"]
    partner.write.delete(f"/v1/me/api-keys/{theirs}", expect=404)
    other.read.get("/v1/me", expect=200)
    partner.write.delete(f"/v1/me/api-keys/{made['id']}", expect=200)
    ci.get("/v1/licenses", expect=401)
    actions = [e["action"] for e in all_items(partner.read, "/v1/audit-events")]
    assert "api_key.created" in actions and "api_key.revoked" in actions


def cli(service_env: dict[str, str], *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [str(BIN), "partner", *args],
        env={**os.environ, **service_env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)


def test_the_operator_s_commands(
    operator: Caller, service_env: dict[str, str], partner: PartnerHandle
) -> None:
    before = partner.read.get("/v1/wallet", expect=200).json()["balance_cents"]
    topped = cli(service_env, "top-up", partner.id, "--cents", "10000")
    assert int(topped["balance_cents"]) == before + 10_000
    made = cli(service_env, "key", partner.id, "--scope", "read")
    reader = Caller(partner.read.http, partner.read.base, made["api_key"])
    reader.get("/v1/me", expect=200)
    reader.post("/v1/customers", {"name": "x", "segment": "school"}, expect=403)
    listing = subprocess.run(
        [str(BIN), "partner", "keys", partner.id],
        env={**os.environ, **service_env},
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    assert made["key_id"] in listing and made["api_key"] not in listing
    assert cli(service_env, "revoke-key", partner.id, made["key_id"])["revoked"] == made["key_id"]
    reader.get("/v1/me", expect=401)
    entry = ledger(partner.read)[-1]
    assert (entry["kind"], entry["amount_cents"]) == ("top_up", 10_000)
    make_customer(partner)  # the partner's own write key is untouched
