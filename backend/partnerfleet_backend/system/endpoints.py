"""Catalog, test clock, jobs, notifications, audit events, health."""

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import select

from partnerfleet_backend import quota
from partnerfleet_backend.api import AnyActorApi, OperatorApi, PartnerReadApi
from partnerfleet_backend.catalog import load_catalog
from partnerfleet_backend.clock import set_test_clock
from partnerfleet_backend.context import Ctx
from partnerfleet_backend.jobs import run_due_jobs
from partnerfleet_backend.kit.errors import NotFound, ValidationFailed
from partnerfleet_backend.kit.schemas import Cursor, InputModel, Limit, OutputModel, Page, page_rows
from partnerfleet_backend.models import AuditEvent, Notification

router = APIRouter(prefix="/v1")


@router.get("/catalog", tags=["catalog"])
def get_catalog(api: AnyActorApi) -> dict[str, Any]:
    """Products, editions, metrics, prices per segment and term (cents per seat and month),
    usage-billed unit prices, and the add-on options."""
    return api.read(lambda ctx: load_catalog(ctx.session).document)


class ClockUpdate(InputModel):
    now: datetime


class ClockRead(BaseModel):
    now: datetime


@router.put("/clock", response_model=ClockRead, tags=["operations"])
def put_clock(body: ClockUpdate, api: OperatorApi) -> JSONResponse:
    """Set the test clock (only when the service runs with --test-clock; else 404)."""
    if not api.settings.test_clock:
        raise NotFound("no such route")
    if body.now.tzinfo is None:
        raise ValidationFailed("now must carry a time zone (RFC 3339)", field="now")
    return api.write(lambda ctx: ClockRead(now=set_test_clock(ctx.session, body.now)))


class JobsRun(InputModel):
    at: datetime | None = None


@router.post("/jobs/run", tags=["operations"])
def run_jobs(api: OperatorApi, body: JobsRun | None = None) -> JSONResponse:
    """Run the periodic jobs that are due now (renewals, reminders, level, credit expiry...)."""
    return api.write(lambda ctx: run_due_jobs(ctx, at=body.at if body else None))


class QuotaRead(BaseModel):
    limit: int
    used: int
    remaining: int
    resets_at: datetime


@router.get("/quota", response_model=QuotaRead, tags=["quota"])
def get_quota(api: PartnerReadApi) -> QuotaRead:
    """This month's API calls: the level's calls plus active packs; resets 00:00 UTC on the 1st."""
    pid = api.partner_id
    assert pid is not None

    def work(ctx: Ctx) -> QuotaRead:
        state = quota.current(ctx.session, pid, ctx.now)
        return QuotaRead(
            limit=state.limit, used=state.used, remaining=state.remaining, resets_at=state.resets_at
        )

    return api.read(work)


class NotificationRead(OutputModel):
    id: str
    kind: str
    message: str
    data: dict[str, Any] | None
    created_at: datetime


@router.get("/notifications", response_model=Page[NotificationRead], tags=["notifications"])
def list_notifications(
    api: PartnerReadApi, limit: Limit = 50, cursor: Cursor = None
) -> Page[NotificationRead]:
    """Reminders, credit and quota warnings, over-limit flags."""
    pid = api.partner_id

    def work(ctx: Ctx) -> Page[NotificationRead]:
        rows, next_cursor = page_rows(
            ctx.session,
            select(Notification).where(Notification.partner_id == pid),
            Notification.id,
            limit,
            cursor,
        )
        return Page(
            items=[NotificationRead.model_validate(r) for r in rows], next_cursor=next_cursor
        )

    return api.read(work)


class AuditEventRead(OutputModel):
    id: str
    actor_key_id: str | None
    request_id: str | None
    action: str
    object_type: str
    object_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    created_at: datetime


@router.get("/audit-events", response_model=Page[AuditEventRead], tags=["audit"])
def list_audit_events(
    api: PartnerReadApi, limit: Limit = 50, cursor: Cursor = None, object_id: str | None = None
) -> Page[AuditEventRead]:
    """Who changed what, when, with which key and request id."""
    pid = api.partner_id

    def work(ctx: Ctx) -> Page[AuditEventRead]:
        statement = select(AuditEvent).where(AuditEvent.partner_id == pid)
        if object_id is not None:
            statement = statement.where(AuditEvent.object_id == object_id)
        rows, next_cursor = page_rows(ctx.session, statement, AuditEvent.id, limit, cursor)
        return Page(items=[AuditEventRead.model_validate(r) for r in rows], next_cursor=next_cursor)

    return api.read(work)
