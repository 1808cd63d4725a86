"""The main job, for now: the backend on SQLite, a demo partner, a top-up, a license, the wallet.

Run through `make demo`. Uses a fresh data directory under .partnerfleet/demo each time.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent / "partnerfleet-backend"
DATA = ROOT / ".partnerfleet" / "demo"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def euros(cents: int) -> str:
    return f"{cents / 100:,.2f} EUR"


def main() -> int:
    shutil.rmtree(DATA, ignore_errors=True)
    DATA.mkdir(parents=True)
    env = {**os.environ, "PARTNERFLEET_DATA_DIR": str(DATA)}
    env.pop("PARTNERFLEET_DATABASE_URL", None)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    print(f"== starting the licensing backend on SQLite ({DATA / 'partnerfleet.db'}) at {base}")
    server = subprocess.Popen(
        [str(BIN), "serve", "--port", str(port), "--workers", "2"], env=env, start_new_session=True
    )
    try:
        for _ in range(300):
            try:
                if requests.get(f"{base}/healthz", timeout=1).ok:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.1)
        else:
            print("the backend did not start", file=sys.stderr)
            return 1
        print("== seeding a demo partner: 2,750 EUR of credit (35 % off) and an API-call pack")
        created = subprocess.run(
            [
                str(BIN),
                "partner",
                "create",
                "--name",
                "Demo MSP GmbH",
                "--top-up",
                "275000",
                "--addon",
                "api-calls-25k",
            ],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        values = dict(line.split("=", 1) for line in created.stdout.split())
        api = requests.Session()
        api.headers["Authorization"] = f"Bearer {values['api_key']}"
        print(f"   partner_id={values['partner_id']}")

        customer = api.post(
            f"{base}/v1/customers",
            json={
                "name": "Gesamtschule Nord",
                "segment": "school",
                "country": "DE",
                "contact_email": "it@gesamtschule-nord.example",
                "reference": "crm-1001",
            },
            timeout=10,
        )
        customer.raise_for_status()
        license_ = api.post(
            f"{base}/v1/licenses",
            json={
                "customer_id": customer.json()["id"],
                "product": "dns-filter",
                "edition": "proplus",
                "term_months": 12,
                "seats": 400,
                "reference": "crm-1001-dns",
            },
            headers={"Idempotency-Key": "demo-license-1"},
            timeout=10,
        )
        license_.raise_for_status()
        lic = license_.json()
        print(
            f"== assigned {lic['product']} {lic['edition']} x {lic['seats']} seats for "
            f"{lic['term_months']} months to {customer.json()['name']} "
            f"(until {lic['ends_at'][:10]})"
        )

        me = api.get(f"{base}/v1/me", timeout=10).json()
        wallet = api.get(f"{base}/v1/wallet", timeout=10).json()
        ledger = api.get(f"{base}/v1/wallet/ledger", timeout=10).json()["items"]
        print(f"== partner {me['name']}: level {me['level']}, support {me['support_level']}")
        print(
            f"   wallet balance {euros(wallet['balance_cents'])}, "
            f"valid until {wallet['expires_at'][:10]}"
        )
        print("   ledger (nominal / net):")
        for entry in ledger:
            print(
                f"     {entry['kind']:<8} {euros(entry['amount_cents']):>14} "
                f"{euros(entry['net_cents']):>14}  {entry['description']}"
            )
        print(
            "   license:",
            json.dumps({k: lic[k] for k in ("id", "status", "seats", "monthly_nominal_cents")}),
        )
        return 0
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)


if __name__ == "__main__":
    sys.exit(main())
