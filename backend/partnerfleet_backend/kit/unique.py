"""Per-partner uniqueness of a caller's own keys (reference, client_reference)."""

from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import InstrumentedAttribute

from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.kit.errors import Conflict


class ReferenceExists(Conflict):
    code = "reference_exists"


class ClientReferenceExists(Conflict):
    code = "client_reference_exists"


def ensure_unique(
    ctx: Ctx,
    column: InstrumentedAttribute[Any],
    partner_id: str,
    value: str | None,
    *,
    own_id: str | None = None,
    what: str,
    among: ColumnElement[bool] | None = None,
) -> None:
    """409 naming the object that already has `value` in `column` among the partner's."""
    if value is None:
        return
    model = column.class_
    query = select(model.id).where(model.partner_id == partner_id, column == value)
    if among is not None:  # the rows the uniqueness is about (e.g. not cancelled)
        query = query.where(among)
    existing = ctx.session.scalar(query)
    if existing is None or existing == own_id:
        return
    field = column.key
    error = ReferenceExists if field == "reference" else ClientReferenceExists
    raise error(
        f"{what} {existing} already has {field} '{value}'", field=field, existing_id=existing
    )
