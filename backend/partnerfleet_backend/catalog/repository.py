"""Queries of the catalog: the operator's document, if one replaced the shipped one."""

from typing import Any

from sqlalchemy.orm import Session

from partnerfleet_backend.models import CatalogDocument


def stored_document(session: Session) -> dict[str, Any] | None:
    """The catalog document an operator stored, or None (the shipped one applies)."""
    row = session.get(CatalogDocument, 1)
    return row.document if row is not None else None
