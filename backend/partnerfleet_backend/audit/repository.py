"""Queries of the audit trail."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from partnerfleet_backend.kit.schemas import page_rows
from partnerfleet_backend.models import AuditEvent


def events_page(
    session: Session, partner_id: str, limit: int, cursor: str | None, object_id: str | None
) -> tuple[list[AuditEvent], str | None]:
    statement = select(AuditEvent).where(AuditEvent.partner_id == partner_id)
    if object_id is not None:
        statement = statement.where(AuditEvent.object_id == object_id)
    return page_rows(session, statement, AuditEvent.id, limit, cursor)
