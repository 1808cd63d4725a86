"""A server whose local time zone is far from UTC counts months exactly like UTC."""

from datetime import UTC, datetime

import requests

from tests.support.api import Caller, make_partner
from tests.support.server import running_service


def test_month_boundaries_ignore_the_servers_time_zone(
    service_env: dict[str, str], operator_key: str
) -> None:
    env = {**service_env, "TZ": "Pacific/Kiritimati"}  # UTC+14
    with running_service(env, workers=1) as base, requests.Session() as http:
        operator = Caller(http, base, operator_key)
        operator.put(
            "/v1/clock",
            {"now": datetime(2028, 8, 31, 23, 59, 59, tzinfo=UTC).isoformat()},
            expect=200,
        )
        p = make_partner(operator)
        last_second = p.read.get("/v1/quota", expect=200)
        assert last_second.json()["resets_at"].startswith("2028-09-01T00:00:00")
        assert last_second.headers["RateLimit-Reset"] == "1"
        operator.put("/v1/clock", {"now": "2028-09-01T00:00:00Z"}, expect=200)
        first_second = p.read.get("/v1/quota", expect=200).json()
        assert first_second["used"] == 1  # a new month, a new count
        assert first_second["resets_at"].startswith("2028-10-01T00:00:00")
