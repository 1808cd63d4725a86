"""A request whose route fails still finishes the pipeline before the answer: who calls is
checked first (a bad key is 401 whatever else is wrong), and a partner's failed call is
counted against the quota, with the RateLimit headers on the error."""

from tests.support.api import Caller, PartnerHandle


def test_a_bad_key_is_401_before_a_bad_body_is_422(operator: Caller) -> None:
    stranger = Caller(operator.http, operator.base, "pf_live_not-a-key")
    r = stranger.post("/v1/customers", {"name": ""})
    assert (r.status_code, r.json()["code"]) == (401, "unauthenticated")
    r = stranger.patch("/v1/licenses/lic_nope", {"seats": "many"})
    assert r.status_code == 401


def test_a_partners_failed_calls_are_counted_before_the_answer(partner: PartnerHandle) -> None:
    used = partner.read.get("/v1/quota", expect=200).json()["used"]
    bad_body = partner.write.post("/v1/customers", {"name": ""})
    assert bad_body.status_code == 422
    assert int(bad_body.headers["ratelimit-remaining"]) >= 0
    missing = partner.read.get("/v1/licenses/lic_nope")
    assert missing.status_code == 404
    assert (
        int(missing.headers["ratelimit-remaining"])
        == int(bad_body.headers["ratelimit-remaining"]) - 1
    )
    wrong_scope = partner.read.post("/v1/customers", {"name": "x"})
    assert wrong_scope.status_code == 403
    # the two failures, the read key's refused write and this read itself
    assert partner.read.get("/v1/quota", expect=200).json()["used"] == used + 4
