"""The reports: the month's CSV is the ledger to the cent, the PDFs open, say whose they are
and for whom, and carry the partner's logo only under white label."""

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pypdfium2
from fastapi.testclient import TestClient
from PIL import Image
from pypdf import PdfReader

from partnerfleet_backend.settings import Settings, get_settings
from tests.support.api import (
    Caller,
    PartnerHandle,
    SetClock,
    ledger,
    make_customer,
    make_partner,
    upload_logo,
)
from tests.support.portal import browser, make_user

T0 = datetime(2033, 2, 10, tzinfo=UTC)
ARTIFACTS = Path(__file__).resolve().parents[2] / "build" / "test-artifacts"


def logo_png() -> bytes:
    image = Image.new("RGB", (120, 40), (11, 92, 173))
    for x in range(10, 50):
        for y in range(10, 30):
            image.putpixel((x, y), (255, 200, 0))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def images_in(pdf: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages)


def rendered(pdf: bytes, name: str) -> Image.Image:
    """Page 1 as a PNG (proves the file opens in a real PDF engine); kept as an artifact."""
    document = pypdfium2.PdfDocument(pdf)
    image: Image.Image = document[0].render(scale=1.5).to_pil()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    image.save(ARTIFACTS / f"{name}.png")
    return image


def test_the_csv_is_the_month_s_ledger(
    operator: Caller, set_clock: SetClock, client: TestClient, settings: Settings
) -> None:
    set_clock(T0)
    p = make_partner(operator, top_up_cents=110_000)
    org = make_customer(p, name="Müller & Söhne", reference="CRM-7")
    p.write.post(
        "/v1/licenses",
        {
            "customer_id": org["id"],
            "product": "dns-filter",
            "edition": "pro",
            "term_months": 12,
            "seats": 13,
        },
        expect=201,
    )
    answer = p.read.get("/v1/exports/ledger.csv", params={"month": "2033-02"}, expect=200)
    assert answer.headers["content-type"].startswith("text/csv")
    raw = answer.content
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    entries = [e for e in ledger(p.read) if e["created_at"].startswith("2033-02")]
    assert [r["entry_id"] for r in rows] == [e["id"] for e in entries]
    for row, entry in zip(rows, entries, strict=True):
        assert int(row["nominal_cents"]) == entry["amount_cents"]
        assert int(row["net_cents"]) == entry["net_cents"]
        assert row["nominal_eur"] == f"{entry['amount_cents'] / 100:.2f}"
    charge = next(r for r in rows if r["kind"] == "charge")
    assert (charge["customer"], charge["customer_reference"]) == ("Müller & Söhne", "CRM-7")
    assert p.read.get("/v1/exports/ledger.csv", params={"month": "2033-13"}).status_code == 422
    assert (
        p.read.get("/v1/exports/ledger.csv", params={"month": "2033-01"}, expect=200).text.count(
            "\r\n"
        )
        == 1
    )  # the header only
    person = browser(client.app)
    person.sign_in(make_user(settings, "partner", "billing", partner_id=p.id))
    portal = person.get(f"/portal/p/{p.id}/exports/ledger.csv?month=2033-02")
    assert portal.status_code == 200 and portal.content == raw


def test_the_statement_and_the_customer_report(operator: Caller, set_clock: SetClock) -> None:
    set_clock(T0)
    p = make_partner(operator, name="Nordlicht IT", top_up_cents=110_000)
    assert upload_logo(p.write, logo_png()).status_code == 204
    assert upload_logo(p.write, b"GIF89a....").status_code == 422
    org = make_customer(p, name="Gymnasium Am Hafen")
    p.write.post(
        "/v1/licenses",
        {
            "customer_id": org["id"],
            "product": "dns-filter",
            "edition": "proplus",
            "term_months": 12,
            "seats": 40,
        },
        expect=201,
    )
    entries = ledger(p.read)
    # without white label: the vendor's name, no logo
    plain = p.read.get("/v1/statements/2033-02", expect=200)
    assert plain.headers["content-type"] == "application/pdf"
    text = text_of(plain.content)
    assert get_settings().vendor_name in text and "made for Nordlicht IT" in text
    assert images_in(plain.content) == 0
    closing = sum(e["amount_cents"] for e in entries)
    assert f"{closing // 100}.{closing % 100:02d} EUR" in text
    assert "Gymnasium Am Hafen" in text
    # with white label: the partner's name and logo
    p.write.post("/v1/addons", {"option": "white-label"}, expect=201)
    branded = p.read.get("/v1/statements/2033-02", expect=200).content
    assert images_in(branded) == 1
    assert text_of(branded).splitlines()[0].startswith("Nordlicht IT")
    page = rendered(branded, "statement-white-label")
    pixel = page.getpixel((132, 64))  # inside the logo, top left (10 mm in, 14 mm high)
    assert isinstance(pixel, tuple) and page.width > 500
    assert pixel[2] > 120 and pixel[0] < 100, pixel
    report = p.read.get(f"/v1/customers/{org['id']}/report", expect=200).content
    words = text_of(report)
    assert "made for Gymnasium Am Hafen" in words and "Nordlicht IT" in words
    assert "dns-filter" in words and "proplus" in words and "EUR" not in words
    assert images_in(report) == 1
    rendered(report, "customer-report")


def test_csv_cells_a_spreadsheet_would_run_as_formulas_are_defused(
    operator: Caller, set_clock: SetClock
) -> None:
    set_clock(T0)
    p = make_partner(operator, top_up_cents=110_000)
    org = make_customer(p, name='=HYPERLINK("http://evil.example","x")', reference="+cmd|calc")
    p.write.post(
        "/v1/licenses",
        {
            "customer_id": org["id"],
            "product": "dns-filter",
            "edition": "pro",
            "term_months": 12,
            "seats": 13,
        },
        expect=201,
    )
    raw = p.read.get("/v1/exports/ledger.csv", params={"month": "2033-02"}, expect=200).content
    charge = next(
        r for r in csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))) if r["kind"] == "charge"
    )
    assert charge["customer"] == "'" + org["name"]
    assert charge["customer_reference"].startswith("'+cmd")
    assert (
        charge["nominal_eur"].startswith("-")
        and charge["nominal_eur"] == f"{int(charge['nominal_cents']) / 100:.2f}"
    )


def test_months_outside_the_calendar_are_refused_with_the_field_named(
    partner: PartnerHandle, client: TestClient, settings: Settings
) -> None:
    for month in ("9999-12", "1999-12", "2026-1", "2026-13"):
        for path, params in (
            ("/v1/exports/ledger.csv", {"month": month}),
            (f"/v1/statements/{month}", None),
        ):
            answer = partner.read.get(path, params=params)
            assert answer.status_code == 422, (path, month, answer.text)
            problem = answer.json()
            named = [problem.get("field"), *(e["field"] for e in problem.get("errors", []))]
            assert any(str(f).endswith("month") for f in named), answer.text
    person = browser(client.app)
    person.sign_in(make_user(settings, "partner", "billing", partner_id=partner.id))
    for month in ("2026-1", "9999-12"):
        assert (
            person.get(f"/portal/p/{partner.id}/exports/ledger.csv?month={month}").status_code
            == 422
        )
        assert person.get(f"/portal/p/{partner.id}/statements/{month}.pdf").status_code == 422
