"""Benchmark: the license-update endpoint against a bare endpoint, on PostgreSQL (the bars)
and on SQLite (reported).

    .venv/bin/python bench/api.py [--seconds 5] [--rounds 4] [--clients 8] [--workers 2]
                                  [--no-sqlite]

Both run in this process's run, on one throwaway PostgreSQL, served the same way (gunicorn
with uvicorn workers) and driven by the same closed-loop clients (one kept-alive connection
each, one license each, in client processes started once). Each target is driven `--seconds`
in each of `--rounds` rounds, the service and its baseline in turn (which goes first
alternates), and a ratio is the median of the rounds' ratios: this machine's speed drifts
from minute to minute, and a slow minute must not fall on one side of a ratio only:

- the service: `PATCH /v1/licenses/{id}` raising the seats by one, so every request does auth,
  the API-call quota, the Idempotency-Key, the license, a prorated charge with its ledger row
  and lot draw, and the audit event, in one transaction. Each client starts above the seats
  its license has (a lower count only waits for the renewal and charges nothing), and the run
  checks that the seats rose by exactly the number of answered updates;
- the baseline (bench/bare_app.py): a truly bare FastAPI app with a plain `create_engine` (no
  code of the service) doing one UPDATE ... RETURNING of the same licenses;
- a read: `GET /v1/licenses/{id}` (auth and the counted API call) against the bare app's one
  SELECT of the same row, in autocommit.

Two scenarios, each measured this way: 8 clients of 8 partners (one license each), and 8
clients of one partner (one MSP's `pulumi up` with parallelism: its requests meet on its own
wallet and counter rows).

Bars (RELIABILITY.md and the house issue), in both scenarios on PostgreSQL: the update's
throughput at least 20 % of the bare UPDATE's and its p99 at most 4x the bare one's, the read's
throughput at least 45 % of the bare SELECT's; on one kept-alive connection an update's p50
under 10 ms. Exit status 1 if one is missed.
"""

import argparse
import http.client
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness import backend_env, on_postgres, served  # noqa: E402 (bench/, beside this file)


@dataclass
class Target:
    base: str
    path: str  # with {id}
    keys: list[str]  # per client: its partner's write key ("" for the baseline)
    licenses: list[str]  # per client: its license
    method: str = "PATCH"  # PATCH raises the seats by one; GET reads the license


@dataclass
class Figures:
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds

    cpu_ms: float | None = None  # the machine's CPU time per request (all processes)
    ratios: list[float] = field(default_factory=list)  # per round: against its baseline

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]

    @property
    def ratio(self) -> float:
        """The median of the rounds' throughput ratios against the baseline."""
        return statistics.median(self.ratios)

    @classmethod
    def merged(cls, runs: list["Figures"]) -> "Figures":
        requests = sum(f.requests for f in runs)
        cpu = [f.cpu_ms * f.requests for f in runs if f.cpu_ms is not None]
        return cls(
            requests=requests,
            errors=sum(f.errors for f in runs),
            seconds=sum(f.seconds for f in runs),
            latencies_ms=[ms for f in runs for ms in f.latencies_ms],
            cpu_ms=sum(cpu) / requests if len(cpu) == len(runs) and requests else None,
        )


def _client(
    args: tuple[str, str, str, str, float, float, str],
) -> tuple[int, int, list[float]]:
    """One closed-loop client on one kept-alive connection until `until` (a wall-clock time)."""
    base, path, key, license_id, start_at, until, method = args
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    # Every PATCH must raise the seats (a lower count only waits for the renewal and charges
    # nothing): start above what the license has now, whoever changed it last.
    auth = {"Authorization": f"Bearer {key}"} if key else {}
    connection.request("GET", path.format(id=license_id), None, auth)
    answer = connection.getresponse()
    seats = int(json.loads(answer.read())["seats"])
    done, errors, latencies = 0, 0, []
    while time.time() < start_at:
        time.sleep(0.001)
    while time.time() < until:
        seats += 1
        headers = {"Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())}
        if key:
            headers["Authorization"] = f"Bearer {key}"
        body = json.dumps({"seats": seats}) if method == "PATCH" else None
        t = time.perf_counter()
        connection.request(method, path.format(id=license_id), body, headers)
        response = connection.getresponse()
        response.read()
        latencies.append((time.perf_counter() - t) * 1000)
        done += 1
        if response.status != 200:
            errors += 1
            if errors == 1:
                print(f"  {response.status} from {path}", file=sys.stderr)
    connection.close()
    return done, errors, latencies


def drive(target: Target, clients: int, seconds: float, pool: Any = None) -> Figures:
    """`clients` closed-loop clients for `seconds`, in processes of `pool` (started for this
    run if None: a run of a few seconds then pays for their start)."""
    start_at = time.time() + 0.5  # every client connected and waiting
    jobs = [
        (
            target.base,
            target.path,
            target.keys[i],
            target.licenses[i],
            start_at,
            start_at + seconds,
            target.method,
        )
        for i in range(clients)
    ]
    if pool is None:
        with multiprocessing.get_context("spawn").Pool(clients) as own:
            results = own.map(_client, jobs)
    else:
        results = pool.map(_client, jobs, chunksize=1)
    return Figures(
        requests=sum(r[0] for r in results),
        errors=sum(r[1] for r in results),
        seconds=seconds,
        latencies_ms=[ms for r in results for ms in r[2]],
    )


def _wait_ready(base: str, path: str, process: subprocess.Popen[bytes]) -> None:
    import requests

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{base} exited with {process.returncode}")
        try:
            requests.get(base + path, timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise SystemExit(f"{base} did not answer within 60 s")


@contextmanager
def bare_service(env: dict[str, str], workers: int) -> Iterator[str]:
    from tests.support.postgres import free_port

    port = free_port()
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--chdir",
            str(ROOT / "bench"),
            "-k",
            "bare_app.Worker",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--keep-alive",
            "75",
            "--log-level",
            "warning",
            "bare_app:app",
        ],
        env={**os.environ, **env},
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, "/docs", process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def seed(
    base: str, operator_key: str, clients: int, *, one_partner: bool = False
) -> tuple[list[str], list[str]]:
    """One platinum partner per client with plenty of credit, a customer and a license (with
    `one_partner`: one partner, a license per client)."""
    import requests

    keys, licenses = [], []
    with requests.Session() as http:

        def call(key: str, method: str, path: str, body: object) -> dict[str, object]:
            response = http.request(
                method, base + path, json=body, headers={"Authorization": f"Bearer {key}"}
            )
            if response.status_code >= 300:
                raise SystemExit(f"seeding failed: {method} {path}: {response.text}")
            result: dict[str, object] = response.json()
            return result

        key = ""
        for i in range(clients):
            if i == 0 or not one_partner:
                partner = call(
                    operator_key, "POST", "/v1/partners", {"name": f"MSP {i}", "level": "platinum"}
                )
                pid = partner["id"]
                call(operator_key, "POST", f"/v1/partners/{pid}/top-ups", {"amount_cents": 10**9})
                key = str(
                    call(operator_key, "POST", f"/v1/partners/{pid}/api-keys", {"scope": "write"})[
                        "key"
                    ]
                )
            customer = call(
                key,
                "POST",
                "/v1/customers",
                {
                    "name": f"School {i}",
                    "segment": "school",
                    "country": "DE",
                    "contact_email": "it@school.example",
                },
            )
            license_ = call(
                key,
                "POST",
                "/v1/licenses",
                {
                    "customer_id": customer["id"],
                    "product": "dns-filter",
                    "edition": "pro",
                    "term_months": 12,
                    "seats": 10,
                },
            )
            keys.append(key)
            licenses.append(str(license_["id"]))
    return keys, licenses


def seats_of(base: str, keys: list[str], licenses: list[str]) -> list[int]:
    import requests

    return [
        int(
            requests.get(
                f"{base}/v1/licenses/{license_id}",
                headers={"Authorization": f"Bearer {key}"},
                timeout=30,
            ).json()["seats"]
        )
        for key, license_id in zip(keys, licenses, strict=True)
    ]


def report(name: str, f: Figures) -> None:
    print(
        f"{name:<34} {f.throughput:8,.0f} req/s   p50 {f.percentile(50):6.1f} ms   "
        f"p99 {f.percentile(99):6.1f} ms   ({f.requests:,} requests, {f.errors} errors)"
    )


def _busy_jiffies() -> int | None:
    """The machine's CPU time spent so far, all cores (Linux; None elsewhere)."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(v) for v in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    return sum(fields) - fields[3] - fields[4]  # all but idle and iowait


def driven(target: Target, clients: int, seconds: float, pool: Any) -> Figures:
    """`drive`, with the machine's CPU time per request (every process: server, database,
    clients)."""
    before = _busy_jiffies()
    figures = drive(target, clients, seconds, pool)
    after = _busy_jiffies()
    if before is not None and after is not None and figures.requests:
        hz = os.sysconf("SC_CLK_TCK")
        figures.cpu_ms = (after - before) * 1000 / hz / figures.requests
    return figures


def measure(env: dict[str, str], args: argparse.Namespace) -> dict[str, dict[str, Figures]]:
    """Migrate, seed and drive the service and the bare app on the database of `env`, in
    both scenarios (8 partners, one partner)."""
    with (
        served(env, args.workers) as (service, operator_key),
        bare_service(env, args.workers) as bare,
        multiprocessing.get_context("spawn").Pool(args.clients) as pool,
    ):
        return {
            scenario: scenario_figures(
                service, operator_key, bare, pool, args, one_partner=scenario == "one partner"
            )
            for scenario in SCENARIOS
        }


SCENARIOS = ("8 partners", "one partner")


def scenario_figures(
    service: str,
    operator_key: str,
    bare: str,
    pool: Any,
    args: argparse.Namespace,
    *,
    one_partner: bool,
) -> dict[str, Figures]:
    """In `args.rounds` rounds, each driving every target in turn (the first of a pair
    alternating), so a slower minute of a shared machine falls on both sides of a ratio."""
    keys, licenses = seed(service, operator_key, args.clients, one_partner=one_partner)
    ours = Target(service, "/v1/licenses/{id}", keys, licenses)
    baseline = Target(bare, "/bare/licenses/{id}", [""] * args.clients, licenses)
    bare_read = Target(bare, baseline.path, baseline.keys, licenses, "GET")
    read = Target(service, ours.path, keys, licenses, "GET")
    for target in (baseline, ours, bare_read, read):  # warm: pools, imports, caches
        drive(target, args.clients, 1.0, pool)
    rounds: dict[str, list[Figures]] = {}
    raised = 0
    for i in range(args.rounds):
        pairs = (
            [("baseline", baseline), ("update", ours)],
            [("bare_read", bare_read), ("read", read)],
        )
        for pair in pairs:
            for name, target in pair if i % 2 == 0 else pair[::-1]:
                before = seats_of(service, keys, licenses) if target is ours else []
                rounds.setdefault(name, []).append(driven(target, args.clients, args.seconds, pool))
                if before:  # (the baseline sets seats too: counted round by round)
                    raised += sum(seats_of(service, keys, licenses)) - sum(before)
    ok = sum(f.requests - f.errors for f in rounds["update"])
    if raised != ok:  # every PATCH must have raised (and paid for) a seat
        raise SystemExit(f"{ok} updates answered 200 but the seats rose by {raised}")
    figures = {name: Figures.merged(runs) for name, runs in rounds.items()}
    figures["single"] = drive(
        Target(service, ours.path, keys[:1], licenses[:1]), 1, min(args.seconds, 5.0), pool
    )
    for name, base in (("update", "baseline"), ("read", "bare_read")):
        figures[name].ratios = [
            a.throughput / b.throughput for a, b in zip(rounds[name], rounds[base], strict=True)
        ]
    return figures


def show(title: str, figures: dict[str, Figures]) -> None:
    print(title)
    report("baseline: bare UPDATE ... RETURNING", figures["baseline"])
    report("license update (charge, ledger...)", figures["update"])
    report("license update, one connection", figures["single"])
    report("baseline: bare SELECT", figures["bare_read"])
    report("license read (auth, quota)", figures["read"])
    for name, what, base in (
        ("update", "bare UPDATE", "baseline"),
        ("read", "bare SELECT", "bare_read"),
    ):
        f = figures[name]
        rounds = ", ".join(f"{r:.0%}" for r in f.ratios)
        cpu, floor = "", figures[base].cpu_ms
        if f.cpu_ms and floor:
            cpu = (
                f"; machine CPU {f.cpu_ms:.2f} ms a request against {floor:.2f} ms "
                f"({floor / f.cpu_ms:.0%})"
            )
        print(f"  {name} {f.ratio:.0%} of the {what} (median of rounds: {rounds}){cpu}")


def bars(label: str, figures: dict[str, Figures]) -> list[tuple[str, bool]]:
    ratio, read_ratio = figures["update"].ratio, figures["read"].ratio
    p99_ratio = figures["update"].percentile(99) / figures["baseline"].percentile(99)
    single = figures["single"].percentile(50)
    return [
        (f"{label}: update {ratio:.0%} of the bare UPDATE (bar: >= 20 %)", ratio >= 0.2),
        (f"{label}: update p99 {p99_ratio:.1f}x the bare one's (bar: <= 4x)", p99_ratio <= 4.0),
        (f"{label}: read {read_ratio:.0%} of the bare SELECT (bar: >= 45 %)", read_ratio >= 0.45),
        (f"{label}: one connection update p50 {single:.1f} ms (bar: < 10 ms)", single < 10.0),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="each target, each round")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument(
        "--no-sqlite", action="store_true", help="skip the SQLite run (reported, no bars)"
    )
    args = parser.parse_args()

    with on_postgres() as env:
        pg = measure(env, args)
    lite: dict[str, dict[str, Figures]] | None = None
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as data_dir:
            lite = measure(backend_env(f"sqlite:///{data_dir}/bench.db", data_dir), args)
    how = (
        f"{args.workers} gunicorn/uvicorn workers, {args.clients} clients, {args.rounds} rounds "
        f"of {args.seconds:g} s each"
    )
    checks: list[tuple[str, bool]] = []
    for scenario in SCENARIOS:
        show(f"PostgreSQL, {scenario}, {how}", pg[scenario])
        checks += bars(scenario, pg[scenario])
    for scenario in SCENARIOS if lite is not None else ():
        assert lite is not None
        show(f"SQLite (one file, WAL), {scenario}, {how}: reported, no bars", lite[scenario])
    errors = sum(f.errors for runs in pg.values() for f in runs.values()) + sum(
        f.errors for runs in (lite or {}).values() for f in runs.values()
    )
    checks.append(("no errors", errors == 0))
    for text, met in checks:
        print(f"{'met   ' if met else 'MISSED'} {text}")
    return 0 if all(met for _, met in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
