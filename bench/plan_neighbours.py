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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--changes", type=int, default=5_000)
    parser.add_argument("--plans", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()

    import requests

    with on_postgres() as env, served(env, workers=2) as (base, operator_key):

        def call(http: Any, key: str, method: str, path: str, body: object = None) -> Any:
            response = http.request(
                method, base + path, json=body, headers={"Authorization": f"Bearer {key}"}
            )
            return response

        def partner(name: str) -> tuple[str, str, str]:
            with requests.Session() as http:
                made = call(http, operator_key, "POST", "/v1/partners", {"name": name}).json()
                pid = made["id"]
                call(
                    http,
                    operator_key,
                    "POST",
                    f"/v1/partners/{pid}/top-ups",
                    {"amount_cents": 10**9},
                )
                for _ in range(2):
                    call(
                        http,
                        operator_key,
                        "POST",
                        f"/v1/partners/{pid}/addons",
                        {"option": "api-calls-200k"},
                    )
                key = call(
                    http, operator_key, "POST", f"/v1/partners/{pid}/api-keys", {"scope": "write"}
                ).json()["key"]
                return pid, key, name

        _, big_key, _ = partner("Big planner")
        _, key, _ = partner("Neighbour")
        licenses: list[str] = []
        with requests.Session() as http:
            org = call(
                http,
                key,
                "POST",
                "/v1/customers",
                {
                    "name": "Org",
                    "segment": "school",
                    "country": "DE",
                    "contact_email": "a@b.example",
                },
            )
            if org.status_code != 201:
                raise SystemExit(f"customer: {org.status_code} {org.text}")
            org = org.json()["id"]
            for _ in range(args.clients):
                licenses.append(
                    call(
                        http,
                        key,
                        "POST",
                        "/v1/licenses",
                        {
                            "customer_id": org,
                            "product": "dns-filter",
                            "edition": "pro",
                            "term_months": 12,
                            "seats": 10,
                        },
                    ).json()["id"]
                )
        plan_body = {
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
                for i in range(args.changes)
            ]
        }

        def neighbour(seconds: float) -> list[float]:
            latencies: list[float] = []
            lock = threading.Lock()

            def client(license_id: str) -> None:
                seats = 10
                with requests.Session() as http:
                    deadline = time.monotonic() + seconds
                    while time.monotonic() < deadline:
                        for method, body in (("GET", None), ("PATCH", {"seats": seats + 1})):
                            started = time.perf_counter()
                            answer = call(http, key, method, f"/v1/licenses/{license_id}", body)
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

        answers: Counter[str] = Counter()
        stop = threading.Event()

        def planner() -> None:
            with requests.Session() as http:
                while not stop.is_set():
                    answer = call(http, big_key, "POST", "/v1/plans", plan_body)
                    code = answer.json().get("code", "") if answer.status_code != 200 else ""
                    answers[f"{answer.status_code} {code}".strip()] += 1

        alone = neighbour(args.seconds)
        planners = [threading.Thread(target=planner) for _ in range(args.plans)]
        for t in planners:
            t.start()
        time.sleep(1.0)  # the plans are running
        meanwhile = neighbour(args.seconds)
        stop.set()
        for t in planners:
            t.join()

        def figures(latencies: list[float]) -> tuple[float, float, float]:
            ordered = sorted(latencies)
            p99 = ordered[int(len(ordered) * 0.99) - 1]
            return len(ordered) / args.seconds, statistics.median(ordered) * 1000, p99 * 1000

        rate0, p50_0, p99_0 = figures(alone)
        rate1, p50_1, p99_1 = figures(meanwhile)
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
            quota = call(http, big_key, "GET", "/v1/quota").json()
        print(f"the planner's API calls counted: {quota['used']}")
        missed = p50_1 > 2 * p50_0 or p99_1 > 4 * p99_0
        print("bar (p50 <= 2x, p99 <= 4x): " + ("MISSED" if missed else "met"))
        return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
