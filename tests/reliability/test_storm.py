"""The charge storm of RELIABILITY.md through the served API (gunicorn, 4 uvicorn workers)."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from partnerfleet_backend.settings import Settings
from tests.support.api import Caller, ledger, make_customer, make_partner
from tests.support.paths import ROOT
from tests.support.postgres import free_port
from tests.support.storm import check_wallet_invariants, storm

pytestmark = pytest.mark.slow

PRICE = 110  # one seat of dns-filter pro, business, monthly: 1.10 EUR
PROCESSES, PER_PROCESS = 8, 300


@pytest.mark.parametrize(
    ("credit", "label"), [(55_000 + 300_000, "enough"), (55_000, "too little")]
)
def test_storm_of_charges_keeps_the_wallet_exact(
    live_operator: Caller, credit: int, label: str
) -> None:
    p = make_partner(live_operator)
    live_operator.post(f"/v1/partners/{p.id}/top-ups", {"amount_cents": 55_000}, expect=201)
    if credit > 55_000:
        live_operator.post(
            f"/v1/partners/{p.id}/top-ups", {"amount_cents": credit - 55_000}, expect=201
        )
    customer = make_customer(p, segment="business")
    body = {
        "customer_id": customer["id"],
        "product": "dns-filter",
        "edition": "pro",
        "term_months": 1,
        "seats": 1,
    }
    statuses = storm(
        live_operator.base,
        "/v1/licenses",
        p.write.key,
        body,
        processes=PROCESSES,
        per_process=PER_PROCESS,
    )
    entries = ledger(p.read)
    wallet = p.read.get("/v1/wallet", expect=200).json()
    check_wallet_invariants(
        credit=credit,
        price=PRICE,
        statuses=statuses,
        balance=wallet["balance_cents"],
        ledger_sum=sum(e["amount_cents"] for e in entries),
        charge_rows=sum(1 for e in entries if e["kind"] == "charge"),
    )
    licenses, cursor = 0, None
    while True:
        page = p.read.get("/v1/licenses", params={"limit": 100, "cursor": cursor}).json()
        licenses += len(page["items"])
        if (cursor := page["next_cursor"]) is None:
            break
    assert licenses == statuses[201], "a refused charge left a license behind"


def test_the_naive_canary_is_caught(service_env: dict[str, str], tmp_path: Path) -> None:
    """The same storm and checks against a read-then-write debit must fail."""
    port = free_port()
    root = ROOT
    env = {**os.environ, "NAIVE_DATABASE_URL": service_env["PARTNERFLEET_DATABASE_URL"]}
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen(
        [
            str(gunicorn),
            "-k",
            "uvicorn_worker.UvicornWorker",
            "-w",
            "4",
            "-b",
            f"127.0.0.1:{port}",
            "tests.support.naive_wallet:app",
        ],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if requests.get(base + "/healthz", timeout=1).ok:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.1)
        credit = 300_000
        requests.post(base + "/reset", json={"balance": credit}, timeout=10).raise_for_status()
        statuses = storm(
            base, "/charge", "none", {"amount": PRICE}, processes=PROCESSES, per_process=PER_PROCESS
        )
        state = requests.get(base + "/state", timeout=10).json()
        with pytest.raises(AssertionError) as caught:
            check_wallet_invariants(
                credit=credit,
                price=PRICE,
                statuses=statuses,
                balance=state["balance"],
                ledger_sum=state["ledger_sum"],
                charge_rows=state["charge_rows"],
            )
        print(f"canary caught: {caught.value}; statuses {dict(statuses)}; state {state}")
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_quota_is_exact_under_concurrency(live_operator: Caller, settings: Settings) -> None:
    """Quota left 1,000, 8 processes send 1,200 requests: exactly 1,000 pass, 200 get 429."""
    from datetime import UTC, datetime

    from tests.support.database import set_used

    live_operator.put(
        "/v1/clock", {"now": datetime(2027, 7, 15, tzinfo=UTC).isoformat()}, expect=200
    )
    p = make_partner(live_operator)
    set_used(settings, p.id, "2027-07", 24_000)
    statuses = storm(  # a metered route (reading the own account is never refused)
        live_operator.base,
        "/v1/customers",
        p.read.key,
        None,
        processes=8,
        per_process=150,
        method="GET",
    )
    assert dict(statuses) == {200: 1_000, 429: 200}
    assert p.read.get("/v1/customers").status_code == 429
    assert p.read.get("/v1/quota").json()["remaining"] == 0  # and the way out stays open
