"""Benchmark: another partner's latency while one partner sends big plans, on PostgreSQL.

    .venv/bin/python bench/plan_neighbours.py [--changes 5000] [--plans 6] [--seconds 10]

One partner (the neighbour) reads its license and raises its seats in a closed loop from 4
clients, first alone for `--seconds` (the baseline, measured in the same run), then while
another partner sends `--plans` plans of `--changes` changes each at once, again and again
(the issue's case: six plans of 5,000 changes kept the service busy for 144 s). Reports the
neighbour's requests per second, p50 and p99 in both phases and their ratio, and what the
plans were answered (200, 429 plan_running, 503 busy) and how many API calls they counted.
Bar (the no-fault-spreads issue): the neighbour's p50 at most 2x and p99 at most 4x its
baseline. Exit status 1 if missed.
"""

import argparse
import statistics
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness import on_postgres, served  # noqa: E402 (bench/, beside this file)


class Service:
    """The served service, called with a key."""

    def __init__(self, base: str, operator_key: str) -> None:
        self.base, self.operator_key = base, operator_key

    def call(self, http: Any, key: str, method: str, path: str, body: object = None) -> Any:
        return http.request(
            method, self.base + path, json=body, headers={"Authorization": f"Bearer {key}"}
        )

    def partner(self, name: str) -> str:
        """A new partner with plenty of credit and calls: its write key."""
        import requests

        op = self.operator_key
        with requests.Session() as http:
            pid = self.call(http, op, "POST", "/v1/partners", {"name": name}).json()["id"]
            self.call(http, op, "POST", f"/v1/partners/{pid}/top-ups", {"amount_cents": 10**9})
            for _ in range(2):
                body = {"option": "api-calls-200k"}
                self.call(http, op, "POST", f"/v1/partners/{pid}/addons", body)
            made = self.call(http, op, "POST", f"/v1/partners/{pid}/api-keys", {"scope": "write"})
            return str(made.json()["key"])

    def licenses(self, key: str, count: int) -> list[str]:
        """`count` licenses of one new customer of the partner."""
        import requests

        with requests.Session() as http:
            org_body = {
                "name": "Org",
                "segment": "school",
                "country": "DE",
                "contact_email": "a@b.example",
            }
            org = self.call(http, key, "POST", "/v1/customers", org_body)
            if org.status_code != 201:
                raise SystemExit(f"customer: {org.status_code} {org.text}")
            body = {
                "customer_id": org.json()["id"],
                "product": "dns-filter",
                "edition": "pro",
                "term_months": 12,
                "seats": 10,
            }
            return [
                self.call(http, key, "POST", "/v1/licenses", body).json()["id"]
                for _ in range(count)
            ]

    def neighbour(self, key: str, licenses: list[str], seconds: float) -> list[float]:
        """Each license read and raised in a closed loop by a client of its own: latencies."""
        import requests

        latencies: list[float] = []
        lock = threading.Lock()

        def client(license_id: str) -> None:
            seats = 10
            with requests.Session() as http:
                deadline = time.monotonic() + seconds
                while time.monotonic() < deadline:
                    for method, body in (("GET", None), ("PATCH", {"seats": seats + 1})):
                        started = time.perf_counter()
                        answer = self.call(http, key, method, f"/v1/licenses/{license_id}", body)
                        took = time.perf_counter() - started
                        if answer.status_code >= 300:
                            raise SystemExit(f"neighbour: {answer.status_code} {answer.text}")
                        with lock:
                            latencies.append(took)
                    seats += 1

        threads = [threading.Thread(target=client, args=(lic,)) for lic in licenses]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return latencies

    def planners(self, key: str, body: object, count: int, stop: threading.Event) -> Any:
        """`count` clients sending the plan again and again until `stop`: their answers."""
        import requests

        answers: Counter[str] = Counter()

        def planner() -> None:
            with requests.Session() as http:
                while not stop.is_set():
                    answer = self.call(http, key, "POST", "/v1/plans", body)
                    code = answer.json().get("code", "") if answer.status_code != 200 else ""
                    answers[f"{answer.status_code} {code}".strip()] += 1

        threads = [threading.Thread(target=planner) for _ in range(count)]
        for t in threads:
            t.start()
        return threads, answers


def plan_body(changes: int) -> dict[str, Any]:
    return {
        "changes": [
            {
                "key": f"c{i}",
                "action": "create",
                "type": "customer",
                "inputs": {
                    "name": f"Org {i}",
                    "segment": "business",
                    "country": "DE",
                    "contact_email": f"it{i}@org.example",
                },
            }
            for i in range(changes)
        ]
    }


def figures(latencies: list[float], seconds: float) -> tuple[float, float, float]:
    """(requests per second, p50 ms, p99 ms)."""
    ordered = sorted(latencies)
    p99 = ordered[int(len(ordered) * 0.99) - 1]
    return len(ordered) / seconds, statistics.median(ordered) * 1000, p99 * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--changes", type=int, default=5_000)
    parser.add_argument("--plans", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()

    import requests

    with on_postgres() as env, served(env, workers=2) as (base, operator_key):
        service = Service(base, operator_key)
        big_key = service.partner("Big planner")
        key = service.partner("Neighbour")
        licenses = service.licenses(key, args.clients)
        alone = service.neighbour(key, licenses, args.seconds)
        stop = threading.Event()
        planners, answers = service.planners(big_key, plan_body(args.changes), args.plans, stop)
        time.sleep(1.0)  # the plans are running
        meanwhile = service.neighbour(key, licenses, args.seconds)
        stop.set()
        for t in planners:
            t.join()
        rate0, p50_0, p99_0 = figures(alone, args.seconds)
        rate1, p50_1, p99_1 = figures(meanwhile, args.seconds)
        for label, rate, p50, p99 in (
            ("neighbour alone", rate0, p50_0, p99_0),
            ("neighbour beside the plans", rate1, p50_1, p99_1),
        ):
            print(f"{label:27} {rate:7.1f} req/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms")
        print(
            f"ratio: p50 {p50_1 / p50_0:.2f}x, p99 {p99_1 / p99_0:.2f}x, throughput "
            f"{rate1 / rate0:.0%}; plans answered: {dict(answers)}"
        )
        with requests.Session() as http:
            quota = service.call(http, big_key, "GET", "/v1/quota").json()
        print(f"the planner's API calls counted: {quota['used']}")
        missed = p50_1 > 2 * p50_0 or p99_1 > 4 * p99_0
        print("bar (p50 <= 2x, p99 <= 4x): " + ("MISSED" if missed else "met"))
        return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
