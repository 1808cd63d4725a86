"""Reports over the API: the month's billing data as CSV, the statement and a customer org's
report as PDF (the portal serves the same files)."""

from collections.abc import Iterator

from fastapi import APIRouter
from fastapi.responses import Response, StreamingResponse

from partnerfleet_backend.pipeline.api import PartnerReadApi
from partnerfleet_backend.pipeline.streams import BoundedStream
from partnerfleet_backend.reports import pdf, service
from partnerfleet_backend.reports.schemas import Month, MonthInPath
from partnerfleet_backend.settings import Settings

router = APIRouter(prefix="/v1", tags=["reports"])
PDF = {"200": {"content": {"application/pdf": {}}, "description": "A PDF document"}}
CSV = {"200": {"content": {"text/csv": {}}, "description": "UTF-8 with BOM, comma-separated"}}


def ledger_csv_response(
    read: service.Reader, settings: Settings, partner_id: str, month: str
) -> StreamingResponse:
    """The month's ledger as CSV (`csv_response`)."""
    return csv_response(
        service.ledger_csv(read, partner_id, month), settings, partner_id, f"ledger-{month}.csv"
    )


def csv_response(
    chunks: Iterator[str], settings: Settings, partner_id: str, filename: str
) -> StreamingResponse:
    """A CSV streamed page by page, each page read in a short transaction of its own (the
    first is read before the answer starts, so a bad month or partner is a 4xx, not a broken
    stream); at most a few at once per partner and worker, whatever key or person asks (a
    partner with many keys makes no more of them: their making is work the other partners'
    requests wait for), and within the send deadline."""
    first = next(chunks)

    def stream() -> Iterator[bytes]:
        yield first.encode("utf-8")
        for chunk in chunks:
            yield chunk.encode("utf-8")

    return BoundedStream(
        stream(),
        holder=partner_id,
        deadline=settings.export_send_seconds,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def pdf_response(data: bytes, filename: str) -> Response:
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/exports/ledger.csv", responses=CSV)  # type: ignore[arg-type]
def export_ledger(api: PartnerReadApi, month: Month) -> StreamingResponse:
    """The month's ledger as CSV: every entry, nominal and net, with its customer and
    license (or add-on, or top-up)."""
    pid = api.partner_id
    return ledger_csv_response(api.read, api.settings, pid, month)


@router.get("/statements/{month}", responses=PDF)  # type: ignore[arg-type]
def get_statement(month: MonthInPath, api: PartnerReadApi) -> Response:
    """The month's statement as PDF: opening and closing credit, top-ups with their
    discounts, charges per customer and license, refunds, adjustments, expiries."""
    pid = api.partner_id
    statement = api.read(lambda ctx: service.statement(ctx, pid, month))
    return pdf_response(
        pdf.statement_pdf(statement, api.settings.vendor_name), f"statement-{month}.pdf"
    )


@router.get("/customers/{customer_id}/report", responses=PDF)  # type: ignore[arg-type]
def get_customer_report(customer_id: str, api: PartnerReadApi) -> Response:
    """A customer org's report as PDF: its licenses and their use (your logo with white
    label)."""
    pid = api.partner_id
    report = api.read(lambda ctx: service.customer_report(ctx, pid, customer_id))
    return pdf_response(pdf.customer_report_pdf(report), f"report-{customer_id}.pdf")
