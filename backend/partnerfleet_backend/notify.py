"""Notifications to partners, stored once per dedupe key."""

from typing import Any

from sqlalchemy import select

from partnerfleet_backend.context import Ctx
from partnerfleet_backend.kit.ids import new_id
from partnerfleet_backend.models import Notification


def notify(
    ctx: Ctx,
    partner_id: str,
    kind: str,
    message: str,
    *,
    dedupe_key: str,
    data: dict[str, Any] | None = None,
) -> bool:
    """Store a notification unless one with `dedupe_key` exists; True when stored."""
    exists = ctx.session.scalar(
        select(Notification.id).where(Notification.dedupe_key == dedupe_key)
    )
    if exists is not None:
        return False
    ctx.session.add(
        Notification(
            id=new_id("ntf"),
            partner_id=partner_id,
            kind=kind,
            message=message,
            data=data,
            dedupe_key=dedupe_key,
            created_at=ctx.now,
        )
    )
    ctx.session.flush()
    return True
