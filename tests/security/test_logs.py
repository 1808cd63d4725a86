"""No secret reaches a log: not through an error's text, a traceback or a served request."""

import logging
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from partnerfleet_backend.db.engines import make_engine
from partnerfleet_backend.kit.redact import install_log_redaction, redact
from partnerfleet_backend.settings import Settings
from tests.support.api import (
    Caller,
    PartnerHandle,
    make_customer,
    make_partner,
    product_reports,
    school_license,
)
from tests.support.server import running_service

LICENSE_KEY = "PF-ABCDE-FGHJK-LMNPQ-RSTUV-WXYZ2"
API_KEY = "pfk_" + "s3cr3t" * 7
WEBHOOK_SECRET = "whsec_" + "q" * 40


def test_redact_masks_every_kind_of_secret() -> None:
    line = f"key {API_KEY} license {LICENSE_KEY} hook {WEBHOOK_SECRET} partner ptn_123"
    masked = redact(line)
    for secret in (API_KEY, LICENSE_KEY, WEBHOOK_SECRET):
        assert secret not in masked
    assert "ptn_123" in masked and "pfk_[redacted]" in masked


def test_a_database_error_logs_no_values(
    settings: Settings, partner: PartnerHandle, caplog: pytest.LogCaptureFixture
) -> None:
    """A unique violation on the license key: neither the error nor its logged traceback
    carries the key (SQL parameters hidden, the server's detail masked)."""
    install_log_redaction()
    key = school_license(partner, seats=3)["license_key"]
    school_license(partner, seats=3)  # another license to give the same key
    engine = make_engine(settings.resolved_database_url())
    try:
        with pytest.raises(IntegrityError) as raised, engine.begin() as c:
            c.execute(
                text("UPDATE licenses SET license_key = :k WHERE license_key <> :k"), {"k": key}
            )
    finally:
        engine.dispose()
    assert key not in str(raised.value).split("DETAIL")[0]  # no [parameters: ...]
    with caplog.at_level(logging.ERROR):
        try:
            raise raised.value
        except IntegrityError:
            logging.getLogger("partnerfleet").exception("unhandled error")
    assert caplog.records and key not in caplog.text


@pytest.fixture
def served_log(service_env: dict[str, str], tmp_path: Path) -> Iterator[tuple[str, Path]]:
    log = tmp_path / "service.log"
    with running_service(service_env, workers=2, log=log) as base:
        yield base, log


def test_the_served_log_holds_no_secret(served_log: tuple[str, Path], operator_key: str) -> None:
    base, log = served_log
    secrets: list[str] = [operator_key]
    with requests.Session() as http:
        operator = Caller(http, base, operator_key)
        p = make_partner(operator, top_up_cents=55_000)
        secrets += [p.write.key, p.read.key]
        hook = p.write.patch("/v1/me", {"webhook_url": "http://127.0.0.1:9/h"}, expect=200)
        secrets.append(hook.json()["webhook_secret"])
        customer = make_customer(p)
        body = {
            "customer_id": customer["id"],
            "product": "dns-filter",
            "edition": "pro",
            "term_months": 12,
            "seats": 3,
            "reference": "same",
        }
        lic = p.write.post("/v1/licenses", body, expect=201).json()
        secrets.append(lic["license_key"])
        p.write.post("/v1/licenses", body, expect=409)  # the same reference
        product_reports(p.read, lic["license_key"], 2)
        http.get(f"{base}/v1/license-keys/{lic['license_key']}/validate").raise_for_status()
        Caller(http, base, p.write.key + "x").get("/v1/me", expect=401)
        p.write.post("/v1/licenses", {**body, "seats": "many"}, expect=422)
    subprocess.run(["sync"], check=False)
    written = log.read_text()
    for secret in secrets:
        assert secret not in written
