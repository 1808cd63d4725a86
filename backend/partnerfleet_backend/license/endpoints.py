"""Licenses, usage reports and license-key validation."""

import threading
import time
from collections import defaultdict, deque

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from partnerfleet_backend.api import PartnerReadApi, PartnerWriteApi
from partnerfleet_backend.clock import current_time
from partnerfleet_backend.context import Ctx
from partnerfleet_backend.db import run_in_transaction
from partnerfleet_backend.kit.errors import RateLimited
from partnerfleet_backend.kit.schemas import Cursor, Limit, Page
from partnerfleet_backend.license import service
from partnerfleet_backend.license.schemas import (
    LicenseCreate,
    LicenseKeyValidation,
    LicenseRead,
    LicenseUpdate,
    Status,
    UsageCreate,
    UsageRead,
)
from partnerfleet_backend.settings import get_settings

router = APIRouter(prefix="/v1")
L = "licenses"


@router.post("/licenses", status_code=201, response_model=LicenseRead, tags=[L])
def create_license(body: LicenseCreate, api: PartnerWriteApi) -> JSONResponse:
    """Assign a license; a prepaid term is charged in full now (402 when credit is short)."""
    pid = api.partner_id
    assert pid is not None
    return api.write(lambda ctx: LicenseRead.model_validate(service.create(ctx, pid, body)), 201)


@router.get("/licenses", response_model=Page[LicenseRead], tags=[L])
def list_licenses(
    api: PartnerReadApi,
    limit: Limit = 50,
    cursor: Cursor = None,
    customer_id: str | None = Query(default=None, max_length=40),
    status: Status | None = None,
    reference: str | None = Query(default=None, max_length=100),
) -> Page[LicenseRead]:
    """Your licenses, filterable by customer, status and reference."""
    pid = api.partner_id
    assert pid is not None

    def work(ctx: Ctx) -> Page[LicenseRead]:
        rows, next_cursor = service.list_licenses(
            ctx, pid, limit, cursor, customer_id=customer_id, status=status, reference=reference
        )
        return Page(items=[LicenseRead.model_validate(r) for r in rows], next_cursor=next_cursor)

    return api.read(work)


@router.get("/licenses/{license_id}", response_model=LicenseRead, tags=[L])
def get_license(license_id: str, api: PartnerReadApi) -> JSONResponse:
    """One license with its key, seats now and next term, and seats in use."""
    pid = api.partner_id
    assert pid is not None
    return api.respond(
        api.read(lambda ctx: LicenseRead.model_validate(service.get(ctx, pid, license_id)))
    )


@router.patch("/licenses/{license_id}", response_model=LicenseRead, tags=[L])
def update_license(license_id: str, body: LicenseUpdate, api: PartnerWriteApi) -> JSONResponse:
    """Seats up or edition up: charged now, prorated. Down: at the next renewal, no refund."""
    pid = api.partner_id
    assert pid is not None
    return api.write(
        lambda ctx: LicenseRead.model_validate(service.update(ctx, pid, license_id, body))
    )


@router.delete("/licenses/{license_id}", response_model=LicenseRead, tags=[L])
def cancel_license(license_id: str, api: PartnerWriteApi) -> JSONResponse:
    """Cancel a license; a prepaid term is not refunded."""
    pid = api.partner_id
    assert pid is not None
    return api.write(lambda ctx: LicenseRead.model_validate(service.cancel(ctx, pid, license_id)))


@router.post("/licenses/{license_id}/usage", status_code=201, response_model=UsageRead, tags=[L])
def report_usage(license_id: str, body: UsageCreate, api: PartnerWriteApi) -> JSONResponse:
    """A usage report from the product: seats actually in use."""
    pid = api.partner_id
    assert pid is not None

    def work(ctx: Ctx) -> UsageRead:
        report = service.report_usage(ctx, pid, license_id, body)
        return UsageRead(license_id=report.license_id, used=report.used, at=report.at)

    return api.write(work, 201)


class _Window:
    """Requests per client address in the last minute, per worker process."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.hits: dict[str, deque[float]] = defaultdict(deque)

    def allow(self, client: str, per_minute: int) -> tuple[bool, int]:
        now = time.monotonic()
        with self.lock:
            hits = self.hits[client]
            while hits and hits[0] <= now - 60:
                hits.popleft()
            if len(hits) >= per_minute:
                return False, int(hits[0] + 60 - now) + 1
            hits.append(now)
            if len(self.hits) > 10_000:
                self.hits = defaultdict(deque, {client: hits})
            return True, 0


_validate_window = _Window()


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
    settings = get_settings()
    client = request.client.host if request.client else "unknown"
    allowed, retry_after = _validate_window.allow(client, settings.validate_rate_per_minute)
    if not allowed:
        error = RateLimited("too many validations from this address; slow down")
        error.headers["Retry-After"] = str(retry_after)
        raise error

    def work(session: Session) -> dict[str, object]:
        ctx = Ctx(
            session=session,
            now=current_time(session, settings),
            actor=None,
            request_id=None,
            settings=settings,
        )
        return service.validate_key(ctx, license_key)

    return LicenseKeyValidation.model_validate(run_in_transaction(work, settings, write=False))
