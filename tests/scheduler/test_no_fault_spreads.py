"""One partner's bad data never stops the calendar for the others: a logo that is no image is
refused at the upload (and one stored before that was checked is left out of the PDF), a step
that fails for one partner is done for every other partner, recorded, reported, skipped and
retried alone until it works."""

import io
import time
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from partnerfleet_backend.reports import pdf
from partnerfleet_backend.settings import Settings
from tests.support.api import (
    Caller,
    PartnerHandle,
    SetClock,
    extend_credit,
    keep_level,
    ledger,
    make_partner,
    run_jobs,
    school_license,
    upload_logo,
)
from tests.support.database import execute, query

T0 = datetime(2041, 3, 10, 9, 0, tzinfo=UTC)


def png(width: int, height: int, mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height)).save(out, format="PNG", optimize=True)
    return out.getvalue()


class TestLogoUpload:
    def test_magic_bytes_followed_by_anything_else_are_refused(
        self, partner: PartnerHandle
    ) -> None:
        answer = upload_logo(partner.write, b"\x89PNG\r\n\x1a\nnot an image")
        assert answer.status_code == 422
        assert answer.json()["field"] == "logo"

    def test_a_small_file_claiming_a_huge_image_is_refused_without_decoding_it(
        self, partner: PartnerHandle
    ) -> None:
        bomb = png(14_000, 14_000, "1")
        assert len(bomb) < 60 * 1024
        started = time.monotonic()
        answer = upload_logo(partner.write, bomb)
        assert answer.status_code == 422 and "at most 4,000,000 pixels" in answer.json()["detail"]
        assert time.monotonic() - started < 2

    def test_a_truncated_image_is_refused(self, partner: PartnerHandle) -> None:
        whole = png(200, 100)
        assert upload_logo(partner.write, whole[: len(whole) // 2]).status_code == 422

    def test_a_good_logo_is_stored_as_encoded_again_and_at_most_1024_wide(
        self, partner: PartnerHandle, operator: Caller, client: TestClient
    ) -> None:
        assert upload_logo(partner.write, png(3000, 300)).status_code == 204
        from partnerfleet_backend.db.engines import session_scope
        from partnerfleet_backend.partner.repository import logo

        with session_scope(write=False) as session:
            stored = logo(session, partner.id)
            assert stored is not None
            image = Image.open(io.BytesIO(stored.data))
            assert image.size == (1024, 102) and image.format == "PNG"


def _statement_partner(operator: Caller, name: str) -> PartnerHandle:
    p = make_partner(operator, name=name, top_up_cents=110_000)
    p.write.patch("/v1/me", {"billing_email": "billing@" + name.lower() + ".example"}, expect=200)
    return p


def _queued_statements(settings: Settings, partner_id: str) -> list[str]:
    rows = query(
        settings,
        "SELECT dedupe_key FROM outbox WHERE partner_id = :p AND kind = 'statement'",
        p=partner_id,
    )
    return [str(row["dedupe_key"]) for row in rows]


def test_a_logo_stored_before_uploads_were_checked_leaves_the_pdf_without_it(
    operator: Caller, set_clock: SetClock, settings: Settings
) -> None:
    set_clock(T0)
    broken = _statement_partner(operator, "Brokenlogo")
    broken.write.post("/v1/addons", {"option": "white-label"}, expect=201)
    execute(
        settings,
        "INSERT INTO partner_logos (partner_id, content_type, data, updated_at) "
        "VALUES (:p, 'image/png', :d, :t)",
        p=broken.id,
        d=b"\x89PNG\r\n\x1a\nnot an image",
        t=T0.replace(tzinfo=None),
    )
    other = _statement_partner(operator, "Neighbour")
    set_clock(T0 + timedelta(days=25))  # March is over
    report = run_jobs(operator)
    assert [f for f in report["failures"] if f["partner_id"] in (broken.id, other.id)] == []
    assert _queued_statements(settings, broken.id) == [f"statement:{broken.id}:2041-03"]
    assert _queued_statements(settings, other.id) == [f"statement:{other.id}:2041-03"]


def test_a_statement_that_cannot_be_made_stops_no_one_else(
    operator: Caller, set_clock: SetClock, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_clock(datetime(2041, 5, 10, tzinfo=UTC))
    broken = _statement_partner(operator, "Unlucky")
    other = _statement_partner(operator, "Lucky")
    made = pdf._statement_pdf

    def fails_for_one(s: object, vendor: str) -> bytes:
        if getattr(s, "partner_id", None) == broken.id:
            raise RuntimeError("the PDF engine broke on this partner's data")
        return made(s, vendor)  # type: ignore[arg-type]

    monkeypatch.setattr(pdf, "_statement_pdf", fails_for_one)
    set_clock(datetime(2041, 6, 1, 0, 5, tzinfo=UTC))
    report = run_jobs(operator)
    mine = [f for f in report["failures"] if f["partner_id"] == broken.id]
    assert [(f["step"], f["attempts"]) for f in mine] == [("statements_queued", 1)]
    assert "RuntimeError" in mine[0]["error"]
    assert _queued_statements(settings, other.id) == [f"statement:{other.id}:2041-05"]
    assert _queued_statements(settings, broken.id) == []
    listed = operator.get("/v1/jobs/failures", expect=200).json()["items"]
    assert any(f["partner_id"] == broken.id for f in listed)
    monkeypatch.setattr(pdf, "_statement_pdf", made)  # repaired
    set_clock(datetime(2041, 6, 1, 0, 20, tzinfo=UTC))  # after the first pause (5 minutes)
    again = run_jobs(operator)
    assert [f for f in again["failures"] if f["partner_id"] == broken.id] == []
    assert _queued_statements(settings, broken.id) == [f"statement:{broken.id}:2041-05"]
    listed = operator.get("/v1/jobs/failures", expect=200).json()["items"]
    assert not any(f["partner_id"] == broken.id for f in listed)


def test_a_renewal_that_fails_for_one_partner_is_done_for_the_others(
    operator: Caller, set_clock: SetClock, settings: Settings
) -> None:
    """A license whose edition the catalog no longer has cannot be priced: its partner's
    renewal fails; another partner's renewal and API-call pack renew as if nothing happened,
    and the failing partner is skipped until its retry, then renewed once it can be."""
    set_clock(T0)
    broken = make_partner(operator, top_up_cents=110_000)
    other = make_partner(operator, top_up_cents=110_000)
    stale = school_license(broken, seats=10)
    fine = school_license(other, seats=10)
    pack = other.write.post("/v1/addons", {"option": "api-calls-25k"}, expect=201).json()
    execute(settings, "UPDATE licenses SET edition = 'legacy' WHERE id = :i", i=stale["id"])
    for p in (broken, other):
        extend_credit(operator, p, set_clock, T0 + timedelta(days=300))
    due = T0 + timedelta(days=365, hours=1)
    set_clock(due)
    report = run_jobs(operator)
    mine = [f for f in report["failures"] if f["partner_id"] == broken.id]
    assert [f["step"] for f in mine] == ["licenses"]
    assert not [f for f in report["failures"] if f["partner_id"] == other.id]
    keep_level(operator, other)
    assert other.read.get(f"/v1/licenses/{fine['id']}").json()["ends_at"].startswith("2043-03-10")
    renewals = [e["object_id"] for e in ledger(other.read) if e["kind"] == "charge"]
    assert renewals.count(fine["id"]) == 2 and renewals.count(pack["id"]) >= 2
    # the next minute: skipped (not retried before its pause is over), nothing charged twice
    set_clock(due + timedelta(minutes=1))
    report = run_jobs(operator)
    assert not [f for f in report["failures"] if f["partner_id"] == broken.id]
    assert [e["object_id"] for e in ledger(other.read)].count(fine["id"]) == 2
    # retried after its pause, failing again: counted, a longer pause
    set_clock(due + timedelta(minutes=6))
    again = [f for f in run_jobs(operator)["failures"] if f["partner_id"] == broken.id]
    assert [(f["step"], f["attempts"]) for f in again] == [("licenses", 2)]
    # repaired (the catalog knows the edition again): renewed at the next try
    execute(settings, "UPDATE licenses SET edition = 'proplus' WHERE id = :i", i=stale["id"])
    set_clock(due + timedelta(minutes=20))
    report = run_jobs(operator)
    assert not [f for f in report["failures"] if f["partner_id"] == broken.id]
    keep_level(operator, broken)
    renewed = broken.read.get(f"/v1/licenses/{stale['id']}").json()
    assert renewed["ends_at"].startswith("2043-03-10") and renewed["status"] == "active"
    listed = operator.get("/v1/jobs/failures", expect=200).json()["items"]
    assert not any(f["partner_id"] == broken.id for f in listed)
