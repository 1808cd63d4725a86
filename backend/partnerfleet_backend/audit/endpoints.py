"""The audit trail."""

from fastapi import APIRouter

from partnerfleet_backend.audit import service
from partnerfleet_backend.audit.schemas import AuditEventRead
from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.kit.schemas import Cursor, Limit, Page
from partnerfleet_backend.pipeline.api import PartnerReadApi

router = APIRouter(prefix="/v1", tags=["audit"])


@router.get("/audit-events", response_model=Page[AuditEventRead])
def list_audit_events(
    api: PartnerReadApi, limit: Limit = 50, cursor: Cursor = None, object_id: str | None = None
) -> Page[AuditEventRead]:
    """Who changed what, when, with which key and request id."""
    pid = api.partner_id

    def work(ctx: Ctx) -> Page[AuditEventRead]:
        rows, next_cursor = service.list_events(ctx.session, pid, limit, cursor, object_id)
        return Page(items=[AuditEventRead.model_validate(r) for r in rows], next_cursor=next_cursor)

    return api.read(work)
