"""The address a limit counts is the peer's, unless a configured proxy names the client; the
limit holds across the workers of the served backend (shared through the database)."""

import time

import pytest
import requests

from tests.support.server import running_service

LIMIT = 10


def validations(base: str, forwarded_for: list[str]) -> list[int]:
    """One validation per address claimed in X-Forwarded-For; the statuses, in order."""
    statuses = []
    with requests.Session() as http:
        for address in forwarded_for:
            answer = http.get(
                f"{base}/v1/license-keys/PF-NOPE0-NOPE0-NOPE0-NOPE0-NOPE0/validate",
                headers={"X-Forwarded-For": address},
                timeout=10,
            )
            statuses.append(answer.status_code)
    return statuses


def same_minute() -> None:
    """Start early in a minute: the shared window is one calendar minute."""
    if time.time() % 60 > 45:
        time.sleep(60 - time.time() % 60 + 0.5)


@pytest.mark.parametrize("trusted", [False, True], ids=["no-proxy", "trusted-proxy"])
def test_forwarded_addresses_count_only_from_a_trusted_proxy(
    service_env: dict[str, str], trusted: bool
) -> None:
    env = {
        **service_env,
        "PARTNERFLEET_VALIDATE_RATE_PER_MINUTE": str(LIMIT),
        "PARTNERFLEET_TRUSTED_PROXIES": "127.0.0.1" if trusted else "",
    }
    spoofed = [f"198.51.100.{n}" for n in range(1, 26)]
    with running_service(env, workers=2) as base:
        same_minute()
        statuses = validations(base, spoofed)
        if not trusted:  # 25 invented addresses are one client: the loopback, across workers
            assert statuses.count(200) == LIMIT and statuses.count(429) == 25 - LIMIT, statuses
        else:  # the proxy's word counts: 25 clients, and one of them over its limit
            assert statuses == [200] * 25, statuses
            repeated = validations(base, ["203.0.113.7"] * (LIMIT + 3))
            assert repeated == [200] * LIMIT + [429] * 3, repeated
