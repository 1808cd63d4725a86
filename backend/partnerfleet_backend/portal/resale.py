"""A partner's resale billing in the portal: the month's lines to bill its customers (what
the API answers), a month to choose, and the same as CSV for its PSA."""

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, StreamingResponse

from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.portal.web import SignedIn
from partnerfleet_backend.reports.endpoints import csv_response
from partnerfleet_backend.resale import service

router = APIRouter(include_in_schema=False)
PAGE = 100


@router.get("/portal/p/{partner_id}/resale")
def resale(
    partner_id: str, portal: SignedIn, month: str | None = None, cursor: str | None = None
) -> HTMLResponse:
    pid = portal.partner(partner_id)

    def work(ctx: Ctx) -> dict[str, Any]:
        chosen = month or f"{ctx.now:%Y-%m}"
        found, next_cursor = service.lines(ctx, pid, chosen, limit=PAGE, cursor=cursor)
        return {
            "month": chosen,
            "lines": found,
            "prices": service.prices(ctx, pid),
            "next_url": f"/portal/p/{pid}/resale?month={chosen}&cursor={next_cursor}"
            if next_cursor
            else None,
        }

    return portal.render("resale.html", pid=pid, **portal.read(work))


@router.get("/portal/p/{partner_id}/resale/{month}.csv")
def resale_csv(partner_id: str, month: str, portal: SignedIn) -> StreamingResponse:
    pid = portal.partner(partner_id)
    chunks = service.lines_csv(portal.read, pid, month)
    return csv_response(chunks, portal.settings, pid, f"resale-{month}.csv")
