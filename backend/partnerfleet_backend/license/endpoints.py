"""Licenses, and license-key validation for the product."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime

from partnerfleet_backend.billing.schemas import PurchaseRead
from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.kit.schemas import CatalogName, Cursor, Limit, Page
from partnerfleet_backend.license import hold, keys, rightsizing, service, undo
from partnerfleet_backend.license.schemas import (
    HoldCreate,
    LicenseCreate,
    LicenseKeyValidation,
    LicenseRead,
    LicenseStatus,
    LicenseUpdate,
)
from partnerfleet_backend.pipeline.api import (
    CHARGES,
    OperatorApi,
    PartnerReadApi,
    TeamWriteApi,
)

router = APIRouter(prefix="/v1")
L = "licenses"


def _id_of(row: Any) -> str:
    return str(row["id"] if isinstance(row, dict) else row.id)


@router.post("/licenses", status_code=201, response_model=LicenseRead, tags=[L], responses=CHARGES)
def create_license(body: LicenseCreate, api: TeamWriteApi) -> JSONResponse:
    """Assign a license; a prepaid term is charged in full now (402 when credit is short)."""
    pid = api.partner_id
    return api.write(
        lambda ctx: LicenseRead.model_validate(service.create(ctx, pid, body)),
        201,
        restore=lambda ctx, stored: {
            **stored,
            "license_key": service.get(ctx, pid, stored["id"]).license_key,
        },
    )


@router.get("/licenses", response_model=Page[LicenseRead], tags=[L])
def list_licenses(
    api: PartnerReadApi,
    limit: Limit = 50,
    cursor: Cursor = None,
    customer_id: str | None = Query(default=None, max_length=40),
    status: LicenseStatus | None = None,
    reference: str | None = Query(
        default=None,
        max_length=100,
        description="The license that holds this reference now (a cancelled license has "
        "released its own).",
    ),
    product: CatalogName | None = None,
    ends_before: Annotated[
        AwareDatetime | None, Query(description="Only terms ending by then (RFC 3339)")
    ] = None,
) -> Page[LicenseRead]:
    """Your licenses, filterable by customer, status, reference, product and end date."""
    pid = api.partner_id

    def work(ctx: Ctx) -> Page[LicenseRead]:
        rows, next_cursor = service.list_licenses(
            ctx,
            pid,
            limit,
            cursor,
            customer_id=customer_id,
            status=status,
            reference=reference,
            product=product,
            ends_before=ends_before,
        )
        found = rightsizing.savings(ctx, rows)
        items = [
            LicenseRead.model_validate(r).model_copy(update={"rightsizing": found.get(_id_of(r))})
            for r in rows
        ]
        return Page(items=items, next_cursor=next_cursor)

    return api.read(work)


@router.get("/licenses/{license_id}", response_model=LicenseRead, tags=[L])
def get_license(license_id: str, api: PartnerReadApi) -> JSONResponse:
    """One license with its key, seats now and next term, and seats in use."""
    pid = api.partner_id

    def work(ctx: Ctx) -> LicenseRead:
        found = service.view(ctx, pid, license_id)
        saving = rightsizing.savings(ctx, [found]).get(license_id)
        return LicenseRead.model_validate({**found, "rightsizing": saving})

    return api.respond(api.read(work))


@router.get("/licenses/{license_id}/undo", response_model=list[PurchaseRead], tags=[L])
def undoable(license_id: str, api: PartnerReadApi) -> list[PurchaseRead]:
    """Its purchases still within the 168-hour grace window, newest first (at most 100): what
    each cost, who paid, until when, and how to undo it (cancel, or set the seats and edition
    back)."""
    pid = api.partner_id

    def work(ctx: Ctx) -> list[PurchaseRead]:
        found = service.view(ctx, pid, license_id)
        return undo.undoable(ctx, found)

    return api.read(work)


@router.patch("/licenses/{license_id}", response_model=LicenseRead, tags=[L], responses=CHARGES)
def update_license(license_id: str, body: LicenseUpdate, api: TeamWriteApi) -> JSONResponse:
    """Seats up or edition up: charged now, prorated. Down: at the next renewal, no refund;
    but seats and edition set back to what they were before an increase within the last 168
    hours undo it: at once, and the charge is given back in full; and fewer seats than a
    purchase of the last 168 hours made (more than it started from) buy it again with the
    lower count, priced as on its day, the first charge given back in full."""
    pid = api.partner_id
    return api.write(
        lambda ctx: LicenseRead.model_validate(service.update(ctx, pid, license_id, body))
    )


@router.delete("/licenses/{license_id}", response_model=LicenseRead, tags=[L])
def cancel_license(license_id: str, api: TeamWriteApi) -> JSONResponse:
    """Cancel a license; what it was charged within the last 168 hours (a new license, an
    increase, a renewal) is given back in full, an earlier prepaid term is not."""
    pid = api.partner_id
    return api.write(lambda ctx: LicenseRead.model_validate(service.cancel(ctx, pid, license_id)))


@router.post(
    "/partners/{partner_id}/licenses/{license_id}/suspension",
    response_model=LicenseRead,
    tags=["partners"],
)
def suspend_license(
    partner_id: str, license_id: str, body: HoldCreate, api: OperatorApi
) -> JSONResponse:
    """Suspend a license until lifted: its key stops validating; the term and renewals go on,
    the partner sees the hold and its reason (operator)."""
    return api.write(
        lambda ctx: LicenseRead.model_validate(hold.hold(ctx, partner_id, license_id, body.reason))
    )


@router.delete(
    "/partners/{partner_id}/licenses/{license_id}/suspension",
    response_model=LicenseRead,
    tags=["partners"],
)
def lift_license_suspension(partner_id: str, license_id: str, api: OperatorApi) -> JSONResponse:
    """Lift the vendor's suspension: the license is back where it was (operator)."""
    return api.write(lambda ctx: LicenseRead.model_validate(hold.lift(ctx, partner_id, license_id)))


@router.get(
    "/license-keys/{license_key}/validate",
    response_model=LicenseKeyValidation,
    tags=["license keys"],
)
def validate_license_key(
    request: Request, license_key: str = Path(max_length=64)
) -> LicenseKeyValidation:
    """For the product: is this key valid, for what, how many seats, until when.

    No authentication; rate-limited per client address. An unknown key is simply not valid.
    """
    client = request.client.host if request.client else "unknown"
    return LicenseKeyValidation.model_validate(keys.validate_from(client, license_key))
