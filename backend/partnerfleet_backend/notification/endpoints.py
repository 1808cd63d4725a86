"""The partner's notifications."""

from fastapi import APIRouter

from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.kit.schemas import Cursor, Limit, Page
from partnerfleet_backend.notification import service
from partnerfleet_backend.notification.schemas import NotificationRead
from partnerfleet_backend.pipeline.api import PartnerReadApi

router = APIRouter(prefix="/v1", tags=["notifications"])


@router.get("/notifications", response_model=Page[NotificationRead])
def list_notifications(
    api: PartnerReadApi, limit: Limit = 50, cursor: Cursor = None
) -> Page[NotificationRead]:
    """Reminders, credit and quota warnings, over-limit flags."""
    pid = api.partner_id

    def work(ctx: Ctx) -> Page[NotificationRead]:
        rows, next_cursor = service.list_notifications(ctx, pid, limit, cursor)
        return Page(
            items=[NotificationRead.model_validate(r) for r in rows], next_cursor=next_cursor
        )

    return api.read(work)
