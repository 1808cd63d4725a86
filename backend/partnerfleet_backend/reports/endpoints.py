"""Reports over the API: the month's billing data as CSV, the statement and a customer org's
report as PDF (the portal serves the same files)."""

from collections.abc import Iterator

from fastapi import APIRouter
from fastapi.responses import Response, StreamingResponse

from partnerfleet_backend.partner import service as partners
from partnerfleet_backend.pipeline.api import Api, PartnerReadApi
from partnerfleet_backend.reports import pdf, service
from partnerfleet_backend.reports.schemas import Month, MonthInPath

router = APIRouter(prefix="/v1", tags=["reports"])
PDF = {"200": {"content": {"application/pdf": {}}, "description": "A PDF document"}}
CSV = {"200": {"content": {"text/csv": {}}, "description": "UTF-8 with BOM, comma-separated"}}


def ledger_csv_response(api: Api, partner_id: str, month: str) -> StreamingResponse:
    """The CSV, streamed from one read transaction (the month is checked before)."""
    service.month_range(month)
    api.read(lambda ctx: partners.get(ctx, partner_id))

    def stream() -> Iterator[bytes]:
        for chunk in api.stream(lambda ctx: service.ledger_csv(ctx, partner_id, month)):
            yield chunk.encode("utf-8")

    return StreamingResponse(
        stream(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="ledger-{month}.csv"'},
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
    assert pid is not None
    return ledger_csv_response(api, pid, month)


@router.get("/statements/{month}", responses=PDF)  # type: ignore[arg-type]
def get_statement(month: MonthInPath, api: PartnerReadApi) -> Response:
    """The month's statement as PDF: opening and closing credit, top-ups with their
    discounts, charges per customer and license, refunds, adjustments, expiries."""
    pid = api.partner_id
    assert pid is not None
    data = api.read(
        lambda ctx: pdf.statement_pdf(service.statement(ctx, pid, month), ctx.settings.vendor_name),
        one_transaction=True,  # the month's entries come through a server-side cursor
    )
    return pdf_response(data, f"statement-{month}.pdf")


@router.get("/customers/{customer_id}/report", responses=PDF)  # type: ignore[arg-type]
def get_customer_report(customer_id: str, api: PartnerReadApi) -> Response:
    """A customer org's report as PDF: its licenses and their use (your logo with white
    label)."""
    pid = api.partner_id
    assert pid is not None
    data = api.read(
        lambda ctx: pdf.customer_report_pdf(service.customer_report(ctx, pid, customer_id))
    )
    return pdf_response(data, f"report-{customer_id}.pdf")
