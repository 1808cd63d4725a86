"""One key, one charge, whatever the timing: a request whose charge waits (a held wallet row
lock stands in for a slow one) keeps its Idempotency-Key until its transaction ends; a retry
with the same key and body waits for it and replays its answer. (The service used to claim
keys in a transaction of their own with a lock time; given a lock time of one second, the
retry below took the key over and both requests charged.)"""

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import requests

from tests.conftest import DB_KIND
from tests.support.api import Caller, all_items, ledger, make_customer, make_partner
from tests.support.server import running_service

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(DB_KIND != "postgresql", reason="row locks that wait: PostgreSQL"),
]


@pytest.fixture(scope="module")
def short_lock_service(
    service_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    env = {**service_env, "PARTNERFLEET_IDEMPOTENCY_LOCK_SECONDS": "1"}  # the old knob
    log = Path(tmp_path_factory.mktemp("claim")) / "service.log"
    with running_service(env, workers=2, log=log) as base:
        yield base


def test_a_retry_waits_for_the_running_request_and_replays_it(
    short_lock_service: str, operator: Caller, service_env: dict[str, str]
) -> None:
    p = make_partner(operator, top_up_cents=110_000)
    body = {
        "customer_id": make_customer(p, segment="school")["id"],
        "product": "dns-filter",
        "edition": "pro",
        "term_months": 12,
        "seats": 10,
    }
    headers = {"Authorization": f"Bearer {p.write.key}", "Idempotency-Key": str(uuid.uuid4())}
    answers: dict[str, Any] = {}

    def send(name: str) -> None:
        answers[name] = requests.post(
            f"{short_lock_service}/v1/licenses", json=body, headers=headers, timeout=60
        )

    url = service_env["PARTNERFLEET_DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as holder:  # the slow charge: the wallet stays locked for a while
        holder.execute("SELECT 1 FROM wallets WHERE partner_id = %s FOR UPDATE", [p.id])
        first = threading.Thread(target=send, args=("first",))
        first.start()
        time.sleep(1.5)
        retry = threading.Thread(target=send, args=("retry",))
        retry.start()
        time.sleep(2.5)  # well past the old lock time
        assert "first" not in answers and "retry" not in answers  # both wait
        holder.rollback()
    first.join(timeout=60)
    retry.join(timeout=60)
    assert answers["first"].status_code == answers["retry"].status_code == 201
    assert answers["retry"].json() == answers["first"].json()
    assert answers["retry"].headers.get("Idempotent-Replayed") == "true"
    licenses = all_items(p.read, "/v1/licenses", customer_id=body["customer_id"])
    assert [lic["id"] for lic in licenses] == [answers["first"].json()["id"]]
    assert len([e for e in ledger(p.read) if e["kind"] == "charge"]) == 1
