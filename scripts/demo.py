"""The main job: the backend on SQLite, a demo partner, `pulumi up` of the example fleet.

    scripts/demo.py          (make demo)        a fresh demo; the backend keeps running after
    scripts/demo.py serve    (make demo-serve)  the backend again, on the same data and port
    scripts/demo.py stop     (make demo-stop)   stop the backend

Everything lives in .partnerfleet/demo: the SQLite file, the Pulumi state and home, the fleet
file you edit (fleet.yaml), the backend's log and pid, and env.sh, which sets what a shell
needs to go on with `pulumi` and `partnerfleet plan`. Uses the offline Pulumi engine of
scripts/install-pulumi (local file state, no network).
"""

import os
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.postgres import free_port  # noqa: E402
from tests.support.pulumi import PulumiWorkspace  # noqa: E402

BIN = Path(sys.executable).parent / "partnerfleet-backend"
DATA = ROOT / ".partnerfleet" / "demo"
STACK = "demo"
PID, LOG, PORT = DATA / "backend.pid", DATA / "backend.log", DATA / "backend.port"


def euros(cents: int) -> str:
    return f"{cents / 100:,.2f} EUR"


def backend_env() -> dict[str, str]:
    env = {
        **os.environ,
        "PARTNERFLEET_DATA_DIR": str(DATA),
        # the demo serves the portal over http on the loopback: cookies without Secure
        "PARTNERFLEET_PORTAL_SECURE_COOKIES": "false",
    }
    env.pop("PARTNERFLEET_DATABASE_URL", None)
    return env


def running_pid() -> int | None:
    """The demo backend's process id, if it runs."""
    try:
        pid = int(PID.read_text())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    return pid


def stop() -> int:
    pid = running_pid()
    if pid is None:
        print("== the demo backend is not running")
        return 0
    os.killpg(pid, signal.SIGTERM)
    for _ in range(200):
        if running_pid() is None:
            break
        time.sleep(0.05)
    PID.unlink(missing_ok=True)
    print(f"== stopped the demo backend (pid {pid})")
    return 0


def serve(port: int | None = None) -> str:
    """Start the backend in the background on the demo's data (and port); its address."""
    if running_pid() is not None:
        return f"http://127.0.0.1:{PORT.read_text().strip()}"
    port = port or (int(PORT.read_text()) if PORT.exists() else free_port())
    with LOG.open("ab") as log:
        server = subprocess.Popen(
            [str(BIN), "serve", "--port", str(port), "--workers", "2"],
            env=backend_env(),
            stdout=log,
            stderr=log,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    PID.write_text(str(server.pid))
    PORT.write_text(str(port))
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if requests.get(f"{base}/healthz", timeout=1).ok:
                return base
        except requests.RequestException:
            pass
        if server.poll() is not None:
            break
        time.sleep(0.1)
    raise SystemExit(f"the backend did not start; see {LOG}")


def write_env_file(workspace: PulumiWorkspace, base: str) -> Path:
    """env.sh: what a shell needs for `pulumi` and `partnerfleet` on the demo."""
    env = workspace.env()
    keep = [k for k in env if k.startswith("PULUMI_")]
    lines = ["# source me: . .partnerfleet/demo/env.sh   (written by make demo)"]
    lines.append(
        f"export PATH={shlex.quote(env['PATH'].split(os.pathsep)[0])}:"
        f'{shlex.quote(str(Path(sys.executable).parent))}:"$PATH"'
    )
    lines += [f"export {k}={shlex.quote(env[k])}" for k in sorted(keep)]
    lines.append(f"export PARTNERFLEET_DATA_DIR={shlex.quote(str(DATA))}")
    lines.append(f"export PARTNERFLEET_ENDPOINT={shlex.quote(base)}")
    path = DATA / "env.sh"
    path.write_text("\n".join(lines) + "\n")
    return path


def demo() -> int:
    if running_pid() is not None:
        stop()
    shutil.rmtree(DATA, ignore_errors=True)
    DATA.mkdir(parents=True)
    (ROOT / f"Pulumi.{STACK}.yaml").unlink(missing_ok=True)
    fleet_file = DATA / "fleet.yaml"
    shutil.copy(ROOT / "examples" / "fleet.yaml", fleet_file)
    base = serve(free_port())
    print(f"== the licensing backend runs on SQLite ({DATA / 'partnerfleet.db'}) at {base}")
    print("== seeding a demo partner: 60,000 EUR of credit bought for 30,000 (50 % off), and an")
    print("   API-call pack (a new partner is Bronze: no API calls included)")
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
            # the trainings Silver (half-day) and Gold (two-day) need, taken last month
            "--training",
            f"half_day:{date.today() - timedelta(days=40)}",
            "--training",
            f"two_day:{date.today() - timedelta(days=30)}",
        ],
        env=backend_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    values = dict(line.split("=", 1) for line in created.stdout.split())

    print(f"== pulumi up of {fleet_file.relative_to(ROOT)} (offline engine, local file state)")
    workspace = PulumiWorkspace(DATA / "pulumi")
    stack = workspace.stack(ROOT, STACK, copy_program=False)
    stack.config("partnerfleet:endpoint", base)
    stack.config("partnerfleet:apiKey", values["api_key"], secret=True)
    stack.config("fleetFile", str(fleet_file))
    up = subprocess.run(
        ["pulumi", "up", "--yes", "--stack", STACK, "--non-interactive", "--suppress-progress"],
        cwd=ROOT,
        env=workspace.env(),
        check=False,
    )
    if up.returncode != 0:
        return up.returncode
    env_file = write_env_file(workspace, base)
    summary(base, values["api_key"])
    logins = portal_users(base, values["api_key"], values["partner_id"])
    rel = env_file.relative_to(ROOT)
    print(f"\n== the partner portal: {base}/portal   (API reference: {base}/docs)")
    for who, email, password in logins:
        print(f"   {who:<28} login: {email}   password: {password}")
    print(f"\n== the backend keeps running at {base} until you stop it (log:")
    print(f"   {LOG.relative_to(ROOT)}): `make demo-stop` stops it, `make demo-serve` brings it")
    print("   back on the same data and port")
    print(f"== next: `. {rel}`, change a seat count in {fleet_file.relative_to(ROOT)}, then")
    print("   `partnerfleet plan` and `pulumi up` (see the README's quickstart)")
    return 0


def portal_users(base: str, key: str, partner_id: str) -> list[tuple[str, str, str]]:
    """People for the portal: the partner's admin, and a guest of the first customer org."""
    customers = requests.get(
        f"{base}/v1/customers",
        params={"limit": 1},
        headers={"Authorization": f"Bearer {key}"},
        timeout=10,
    ).json()["items"]
    password = "demo-" + secrets.token_urlsafe(9)
    made = [
        (
            "Demo MSP GmbH (partner admin)",
            "admin@demo-msp.example",
            ["--kind", "partner", "--role", "admin", "--partner-id", partner_id],
        )
    ]
    if customers:
        org = customers[0]
        made.append(
            (
                f"{org['name'][:16]} (customer guest)",
                "guest@customer.example",
                ["--kind", "customer", "--role", "guest", "--customer-id", org["id"]],
            )
        )
    for who, email, args in made:
        subprocess.run(
            [str(BIN), "user", "create", "--email", email, "--name", who, *args],
            env={**backend_env(), "PARTNERFLEET_NEW_PASSWORD": password},
            capture_output=True,
            text=True,
            check=True,
        )
    return [(who, email, password) for who, email, _ in made]


def summary(base: str, key: str) -> None:
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {key}"
    me = api.get(f"{base}/v1/me", timeout=10).json()
    wallet = api.get(f"{base}/v1/wallet", timeout=10).json()
    ledger = api.get(f"{base}/v1/wallet/ledger", params={"limit": 100}, timeout=10).json()
    licenses = api.get(f"{base}/v1/licenses", params={"limit": 100}, timeout=10).json()["items"]
    licenses.sort(key=lambda lic: lic["reference"] or "")
    charges = {e["object_id"]: -e["amount_cents"] for e in ledger["items"] if e["kind"] == "charge"}
    top_ups = [e for e in ledger["items"] if e["kind"] == "top_up"]
    paid = sum(e["net_cents"] for e in top_ups)
    bought = sum(e["amount_cents"] for e in top_ups)
    print(f"\n== {me['name']}")
    print(f"   credit bought: {euros(bought)} nominal, paid {euros(paid)}")
    print("   the fleet, charged from the credit (nominal; prepaid terms in full):")
    for lic in licenses:
        seats = lic["seats"] if lic["seats"] is not None else "usage"
        term = f"{lic['term_months']:>2} months" if lic["term_months"] else "monthly on usage"
        print(
            f"     {lic['reference']:<15} {lic['product']:<13} {lic['edition']:<8} "
            f"{seats!s:>5} seats  {term:<16} {euros(charges.get(lic['id'], 0)):>14}"
        )
    fleet_cost = sum(charges.get(lic["id"], 0) for lic in licenses)
    addons = sum(v for k, v in charges.items() if k and k.startswith("add_"))
    print(f"   total: {euros(fleet_cost)} for licenses, {euros(addons)} for add-ons")
    print(f"   left: {euros(wallet['available_cents'])}, valid until {wallet['expires_at'][:10]}")
    level = api.get(f"{base}/v1/level", timeout=10).json()
    monthly, after = level["monthly_run_rate_cents"], level["next_month"]
    print(f"   level: {me['level']}. Levels are set on the 1st of each month from the monthly")
    print("   run-rate, the orders of the last six months and the trainings; this fleet's")
    print(f"   run-rate is {euros(monthly)} a month, which makes it {after} then.")


def main() -> int:
    command = sys.argv[1] if len(sys.argv) > 1 else "demo"
    if command == "stop":
        return stop()
    if command == "serve":
        if not (DATA / "partnerfleet.db").exists():
            raise SystemExit("no demo yet: run `make demo` first")
        print(f"== the demo backend runs at {serve()} (stop: make demo-stop)")
        return 0
    return demo()


if __name__ == "__main__":
    sys.exit(main())
