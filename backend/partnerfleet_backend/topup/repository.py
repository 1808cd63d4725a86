"""Every query of top-up rules and requests."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from partnerfleet_backend.kit.schemas import page_rows
from partnerfleet_backend.kit.scope import PartnerScope
from partnerfleet_backend.models import CreditLot, TopUpRequest, TopUpRule, TopUpStatus


def rule(session: Session, partner_id: str) -> TopUpRule | None:
    return session.get(TopUpRule, partner_id)


def add(session: Session, row: TopUpRule | TopUpRequest) -> None:
    session.add(row)
    session.flush()


def drop(session: Session, row: TopUpRule) -> None:
    session.delete(row)
    session.flush()


def with_rules(session: Session, partner_ids: Sequence[str]) -> dict[str, TopUpRule]:
    """The rules of these partners."""
    if not partner_ids:
        return {}
    rows = session.scalars(select(TopUpRule).where(TopUpRule.partner_id.in_(sorted(partner_ids))))
    return {r.partner_id: r for r in rows}


def all_rules(session: Session, scope: PartnerScope) -> list[TopUpRule]:
    """The rules of the partners in `scope`, in partner order."""
    query = select(TopUpRule).where(scope.where(TopUpRule.partner_id))
    return list(session.scalars(query.order_by(TopUpRule.partner_id)))


def open_request(session: Session, partner_id: str) -> TopUpRequest | None:
    return session.scalar(
        select(TopUpRequest).where(
            TopUpRequest.partner_id == partner_id, TopUpRequest.status == TopUpStatus.REQUESTED
        )
    )


def open_of(session: Session, partner_ids: Sequence[str]) -> set[str]:
    """Of these partners, those with a request waiting."""
    if not partner_ids:
        return set()
    rows = session.scalars(
        select(TopUpRequest.partner_id).where(
            TopUpRequest.partner_id.in_(sorted(partner_ids)),
            TopUpRequest.status == TopUpStatus.REQUESTED,
        )
    )
    return set(rows)


def request_locked(session: Session, request_id: str) -> TopUpRequest | None:
    return session.get(TopUpRequest, request_id, with_for_update=True, populate_existing=True)


def requests_page(
    session: Session, partner_id: str, limit: int, cursor: str | None
) -> tuple[list[TopUpRequest], str | None]:
    return page_rows(
        session,
        select(TopUpRequest).where(TopUpRequest.partner_id == partner_id),
        TopUpRequest.id,
        limit,
        cursor,
    )


def invoices_page(
    session: Session, partner_id: str, limit: int, cursor: str | None
) -> tuple[list[CreditLot], str | None]:
    """The partner's bought top-ups (lots with an invoice number), oldest first."""
    return page_rows(
        session,
        select(CreditLot).where(
            CreditLot.partner_id == partner_id, CreditLot.invoice_number.is_not(None)
        ),
        CreditLot.id,
        limit,
        cursor,
    )


def invoice_lot(session: Session, lot_id: str) -> CreditLot | None:
    return session.get(CreditLot, lot_id)


def waiting_page(
    session: Session, limit: int, cursor: str | None
) -> tuple[list[TopUpRequest], str | None]:
    """Every partner's requests that wait for their payment, oldest first (the operator's)."""
    return page_rows(
        session,
        select(TopUpRequest).where(TopUpRequest.status == TopUpStatus.REQUESTED),
        TopUpRequest.id,
        limit,
        cursor,
    )
