"""The ``partnerfleet-backend`` console script: output a script can parse, reliable exit codes."""

import subprocess
import sys
from pathlib import Path

import requests
from fastapi.testclient import TestClient

from tests.support.api import Caller, all_items

BIN = Path(sys.executable).parent / "partnerfleet-backend"


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN), *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_partner_create_prints_id_and_key_one_per_line(
    service_env: dict[str, str], client: TestClient
) -> None:
    import os

    env = {**os.environ, **service_env}
    done = run(
        env,
        "partner",
        "create",
        "--name",
        "CLI MSP",
        "--top-up",
        "110000",
        "--addon",
        "api-calls-25k",
    )
    assert done.returncode == 0, done.stderr
    lines = dict(line.split("=", 1) for line in done.stdout.splitlines())
    assert set(lines) == {"partner_id", "api_key"}
    me = client.get("/v1/me", headers={"Authorization": f"Bearer {lines['api_key']}"}).json()
    assert (me["id"], me["balance_cents"]) == (lines["partner_id"], 110_000 - 5_500)


def test_a_refused_command_exits_1_with_the_reason_and_creates_nothing(
    service_env: dict[str, str], operator: Caller
) -> None:
    import os

    env = {**os.environ, **service_env}
    before = len(all_items(operator, "/v1/partners"))
    done = run(env, "partner", "create", "--name", "Too small", "--top-up", "100")
    assert done.returncode == 1
    assert "first top-up must be at least 55000 cents" in done.stderr
    assert done.stdout == ""
    after = all_items(operator, "/v1/partners")
    assert len(after) == before and "Too small" not in {p["name"] for p in after}


def test_wrong_usage_exits_2(service_env: dict[str, str]) -> None:
    import os

    done = run({**os.environ, **service_env}, "partner", "create")
    assert done.returncode == 2
    assert "--name" in done.stderr


def test_operator_key_create_prints_a_working_key(
    service_env: dict[str, str], client: TestClient
) -> None:
    import os

    done = run({**os.environ, **service_env}, "operator-key", "create")
    assert done.returncode == 0
    key = done.stdout.strip().removeprefix("operator_key=")
    assert key.startswith("pfo_")
    assert client.get("/v1/partners", headers={"Authorization": f"Bearer {key}"}).status_code == 200


def test_serve_says_where_and_which_database_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    import os
    import signal
    import time

    from tests.support.postgres import free_port

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARTNERFLEET_")} | {
        "PARTNERFLEET_DATA_DIR": str(tmp_path / "data")
    }
    server = subprocess.Popen(
        [str(BIN), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.1)
        os.killpg(server.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        output, _ = server.communicate(timeout=30)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
    lines = output.strip().splitlines()
    assert lines[0] == (
        f"partnerfleet-backend: http://127.0.0.1:{port} (2 workers), "
        f"database sqlite:///{tmp_path / 'data' / 'partnerfleet.db'}"
    )
    assert "no partners yet" in lines[1]
    assert lines[-1] == "partnerfleet-backend: stopped"
    assert len(lines) == 3 and "Traceback" not in output and "WARNING" not in output
