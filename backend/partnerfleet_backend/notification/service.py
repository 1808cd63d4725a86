"""Notifications to partners, stored once per dedupe key (delivered by ``webhooks``)."""

from typing import Any, cast

from sqlalchemy import Table

from partnerfleet_backend.db.bulk import insert_rows
from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.kit.errors import ValidationFailed
from partnerfleet_backend.kit.ids import new_id
from partnerfleet_backend.models import Notification
from partnerfleet_backend.notification import repository
from partnerfleet_backend.notification.destinations import DestinationRefused, Destinations
from partnerfleet_backend.settings import Settings

# (partner_id, kind, message, dedupe_key, data)
Note = tuple[str, str, str, str, dict[str, Any] | None]


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
    return notify_many(ctx, [(partner_id, kind, message, dedupe_key, data)]) == 1


def notify_many(ctx: Ctx, items: list[Note]) -> int:
    """Store many notifications (partner_id, kind, message, dedupe_key, data); one query for the
    dedupe keys already present. Returns how many were stored."""
    if not items:
        return 0
    present = repository.dedupe_keys_present(ctx.session, [item[3] for item in items])
    new: dict[str, Note] = {}
    for item in items:
        if item[3] not in present:
            new.setdefault(item[3], item)  # the first of two with one key in a batch
    insert_rows(
        ctx.session,
        cast(Table, Notification.__table__),
        [
            {
                "id": new_id("ntf"),
                "partner_id": partner_id,
                "kind": kind,
                "message": message,
                "data": data,
                "dedupe_key": key,
                "created_at": ctx.now,
            }
            for partner_id, kind, message, key, data in new.values()
        ],
    )
    return len(new)


def list_notifications(
    ctx: Ctx, partner_id: str, limit: int, cursor: str | None
) -> tuple[list[Notification], str | None]:
    """One page of a partner's notifications, oldest first."""
    return repository.notifications_page(ctx.session, partner_id, limit, cursor)


def check_webhook_url(settings: Settings, url: str) -> None:
    """422 on `webhook_url` unless it points at a public destination (see destinations)."""
    try:
        Destinations.of(settings).check_url(url)
    except DestinationRefused as refused:
        raise ValidationFailed(str(refused), field="webhook_url") from None
