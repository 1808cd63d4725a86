"""Queries of the audit trail."""

from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from partnerfleet_backend.db.compiled import inserting_every_column
from partnerfleet_backend.kit.schemas import page_rows
from partnerfleet_backend.models import AuditEvent

TABLE = cast(Table, AuditEvent.__table__)
_APPEND = inserting_every_column(TABLE)


def append(session: Session, event: dict[str, Any]) -> None:
    """One audit event (every column given)."""
    _APPEND.send(session, event)


def events_page(
    session: Session, partner_id: str, limit: int, cursor: str | None, object_id: str | None
) -> tuple[list[AuditEvent], str | None]:
    statement = select(AuditEvent).where(AuditEvent.partner_id == partner_id)
    if object_id is not None:
        statement = statement.where(AuditEvent.object_id == object_id)
    return page_rows(session, statement, AuditEvent.id, limit, cursor)
