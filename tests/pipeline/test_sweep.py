"""Generated bad (and good) input against every operation of the served OpenAPI: never a 5xx,
and never a status the operation does not document (the shared pipeline's, or one the route
declares itself, such as `responses=CHARGES`)."""

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from partnerfleet_backend.app import create_app
from tests.support.api import Caller, PartnerHandle, make_partner

# Moving the shared test clock or running the jobs at random times would disturb other tests;
# both are exercised by their own tests.
EXCLUDED = {("PUT", "/v1/clock"), ("POST", "/v1/jobs/run")}
OPERATIONS = sorted(
    (method.upper(), path)
    for path, item in create_app().openapi()["paths"].items()
    for method in item
    if (method.upper(), path) not in EXCLUDED
)


@pytest.fixture(scope="module")
def api_schema(service_env: dict[str, str]) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", create_app())


@pytest.fixture(scope="module")
def sweep_partner(client: Any, operator_key: str) -> PartnerHandle:
    return make_partner(Caller(client, "", operator_key), top_up_cents=1_100_000)


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_no_input_makes_a_server_error(
    method: str, path: str, api_schema: Any, operator_key: str, sweep_partner: PartnerHandle
) -> None:
    operation = api_schema[path][method]
    key = operator_key if path.startswith("/v1/partners") else sweep_partner.write.key
    seen: set[int] = set()
    documented = {int(s) for s in operation.definition.raw["responses"] if s.isdigit()}

    cases = st.one_of(
        operation.as_strategy(schemathesis.GenerationMode.POSITIVE),
        operation.as_strategy(schemathesis.GenerationMode.NEGATIVE),
    )

    @given(case=cases, _=st.just(None))
    @settings(
        max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def sweep(case: schemathesis.Case, _: None) -> None:  # type: ignore[type-arg]
        response = case.call(headers={"Authorization": f"Bearer {key}"})
        seen.add(response.status_code)
        assert response.status_code < 500, f"{method} {path}: {response.text[:500]}"
        answered = response.status_code
        assert answered in documented, f"{method} {path}: {answered} {response.text[:300]}"
        if response.status_code >= 400:
            assert response.headers["content-type"][0].startswith("application/problem+json")
            assert "code" in response.json()

    sweep()
    assert seen, "no request was sent"
