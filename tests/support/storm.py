"""The charge storm: many processes hitting one wallet through the served API at once."""

from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import requests


def _fire(args: tuple[str, str, str, str, dict[str, Any] | None, int]) -> Counter[int]:
    method, base, path, key, body, count = args
    statuses: Counter[int] = Counter()
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {key}"
        for _ in range(count):
            try:
                response = session.request(method, base + path, json=body, timeout=60)
                statuses[response.status_code] += 1
            except requests.RequestException:
                statuses[-1] += 1
    return statuses


def storm(
    base: str,
    path: str,
    key: str,
    body: dict[str, Any] | None,
    *,
    processes: int = 8,
    per_process: int = 300,
    method: str = "POST",
) -> Counter[int]:
    """POST `body` processes x per_process times from separate processes; count statuses."""
    total: Counter[int] = Counter()
    with ProcessPoolExecutor(processes) as pool:
        for statuses in pool.map(_fire, [(method, base, path, key, body, per_process)] * processes):
            total.update(statuses)
    return total


def check_wallet_invariants(
    *,
    credit: int,
    price: int,
    statuses: Counter[int],
    balance: int,
    ledger_sum: int,
    charge_rows: int,
) -> None:
    """What must hold after a storm; raises AssertionError naming the broken invariant."""
    attempts = sum(statuses.values())
    successes = statuses[201]
    assert set(statuses) <= {201, 402}, f"unexpected statuses {dict(statuses)}"
    assert successes == min(attempts, credit // price), (
        f"{successes} charges succeeded, expected {min(attempts, credit // price)}"
    )
    assert balance >= 0, f"balance went negative: {balance}"
    assert balance == credit - successes * price, (
        f"balance {balance} != {credit} - {successes} x {price}: lost or invented money"
    )
    assert balance == ledger_sum, f"balance {balance} != sum of ledger {ledger_sum}"
    assert charge_rows == successes, f"{charge_rows} ledger charges for {successes} successes"


def _fire_retrying(
    args: tuple[str, str, str, dict[str, Any], int],
) -> tuple[Counter[int], list[float]]:
    """Like a careful client: every charge has its own Idempotency-Key and is retried with it
    on 503, 409 and dropped connections until it gets a final answer (60 s at most)."""
    import time
    import uuid

    base, path, key, body, count = args
    finals: Counter[int] = Counter()
    troubles: list[float] = []  # when a transient error was seen
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {key}"
        for _ in range(count):
            headers = {"Idempotency-Key": str(uuid.uuid4())}
            deadline = time.monotonic() + 60
            while True:
                try:
                    response = session.post(base + path, json=body, headers=headers, timeout=30)
                    status = response.status_code
                except requests.RequestException:
                    status = -1
                if status not in (-1, 409, 503) or time.monotonic() > deadline:
                    finals[status] += 1
                    break
                troubles.append(time.time())
                time.sleep(0.05)
    return finals, troubles


def retrying_storm(
    base: str, path: str, key: str, body: dict[str, Any], *, processes: int, per_process: int
) -> tuple[Counter[int], list[float]]:
    """`processes` x `per_process` charges by retrying clients: final statuses, error times."""
    total: Counter[int] = Counter()
    troubles: list[float] = []
    with ProcessPoolExecutor(processes) as pool:
        for finals, seen in pool.map(
            _fire_retrying, [(base, path, key, body, per_process)] * processes
        ):
            total.update(finals)
            troubles += seen
    return total, sorted(troubles)
