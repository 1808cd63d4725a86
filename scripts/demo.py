"""The main job: the backend on SQLite, a demo partner, `pulumi up` of the example fleet.

Run through `make demo`. Uses a fresh data directory under .partnerfleet/demo each time and
the offline Pulumi engine of scripts/install-pulumi (local file state, no network).
"""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.postgres import free_port  # noqa: E402
from tests.support.pulumi import PulumiWorkspace  # noqa: E402

BIN = Path(sys.executable).parent / "partnerfleet-backend"
DATA = ROOT / ".partnerfleet" / "demo"
STACK = "demo"


def euros(cents: int) -> str:
    return f"{cents / 100:,.2f} EUR"


def wait_until_up(base: str) -> None:
    for _ in range(300):
        try:
            if requests.get(f"{base}/healthz", timeout=1).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise SystemExit("the backend did not start")


def main() -> int:
    shutil.rmtree(DATA, ignore_errors=True)
    DATA.mkdir(parents=True)
    (ROOT / f"Pulumi.{STACK}.yaml").unlink(missing_ok=True)
    env = {**os.environ, "PARTNERFLEET_DATA_DIR": str(DATA)}
    env.pop("PARTNERFLEET_DATABASE_URL", None)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    print(f"== starting the licensing backend on SQLite ({DATA / 'partnerfleet.db'}) at {base}")
    server = subprocess.Popen(
        [str(BIN), "serve", "--port", str(port), "--workers", "2"], env=env, start_new_session=True
    )
    try:
        wait_until_up(base)
        print("== seeding a demo partner: 60,000 EUR of credit (50 % off), an API-call pack")
        created = subprocess.run(
            [
                str(BIN),
                "partner",
                "create",
                "--name",
                "Demo MSP GmbH",
                "--top-up",
                "6000000",
                "--addon",
                "api-calls-25k",
            ],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        values = dict(line.split("=", 1) for line in created.stdout.split())
        print(f"   partner_id={values['partner_id']}")

        print("== pulumi up of examples/fleet.yaml (offline engine, local file state)")
        workspace = PulumiWorkspace(DATA / "pulumi")
        stack = workspace.stack(ROOT, STACK, copy_program=False)
        stack.config("partnerfleet:endpoint", base)
        stack.config("partnerfleet:apiKey", values["api_key"], secret=True)
        up = subprocess.run(
            ["pulumi", "up", "--yes", "--stack", STACK, "--non-interactive"],
            cwd=ROOT,
            env=workspace.env(),
            check=False,
        )
        if up.returncode != 0:
            return up.returncode

        api = requests.Session()
        api.headers["Authorization"] = f"Bearer {values['api_key']}"
        me = api.get(f"{base}/v1/me", timeout=10).json()
        wallet = api.get(f"{base}/v1/wallet", timeout=10).json()
        customers = api.get(f"{base}/v1/customers", params={"limit": 100}, timeout=10).json()
        licenses = api.get(f"{base}/v1/licenses", params={"limit": 100}, timeout=10).json()
        print(
            f"\n== {me['name']}: level {me['level']}, support {me['support_level']}, "
            f"benefits {me['benefits']}"
        )
        print(
            f"   wallet: {euros(wallet['balance_cents'])} left, valid until "
            f"{wallet['expires_at'][:10]}"
        )
        print(
            f"   created: {len(customers['items'])} customer orgs, "
            f"{len(licenses['items'])} licenses"
        )
        for lic in licenses["items"]:
            seats = lic["seats"] if lic["seats"] is not None else "usage"
            term = f"{lic['term_months']} months" if lic["term_months"] else "billed on usage"
            print(
                f"     {lic['reference']:<15} {lic['product']:<13} {lic['edition']:<8} "
                f"{seats!s:>5} seats  {term}"
            )
        return 0
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)


if __name__ == "__main__":
    sys.exit(main())
