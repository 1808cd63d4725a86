"""Every query of the wallet: balances, credit lots, the ledger."""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, bindparam, exists, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, aliased

from partnerfleet_backend.db.bulk import chunks
from partnerfleet_backend.db.compiled import Prepared
from partnerfleet_backend.kit.schemas import page_rows
from partnerfleet_backend.kit.scope import EVERY, PartnerScope
from partnerfleet_backend.models import (
    Base,
    CreditLot,
    EntryKind,
    LedgerEntry,
    LotConsumption,
    NumberSequence,
    Partner,
    Wallet,
)

# A loaded wallet object is brought up to date by the row's key (RETURNING), not by evaluating
# the WHERE against every object the session holds (a plan holds thousands).
SYNC = "fetch"


OLDEST_FIRST = (CreditLot.created_at, CreditLot.id)  # the order a charge draws lots in


def with_credit_left() -> ColumnElement[bool]:
    """The one definition of a lot that still holds credit (expired or not)."""
    return CreditLot.remaining_cents > 0


# wallets -------------------------------------------------------------------------------------
def get_wallet(session: Session, partner_id: str) -> Wallet | None:
    return session.get(Wallet, partner_id)


def lock_wallet(session: Session, partner_id: str) -> Wallet | None:
    """The wallet row, locked for this transaction (every debit and credit takes it first)."""
    return session.scalar(select(Wallet).where(Wallet.partner_id == partner_id).with_for_update())


def balance(session: Session, partner_id: str) -> int:
    return int(
        session.scalar(select(Wallet.balance_cents).where(Wallet.partner_id == partner_id)) or 0
    )


_DEBIT = Prepared(
    update(Wallet)
    .where(Wallet.partner_id == bindparam("partner"), Wallet.balance_cents >= bindparam("cents"))
    .values(balance_cents=Wallet.balance_cents - bindparam("cents"))
    .returning(Wallet.balance_cents),
    sees=(Partner, Wallet),
)


def debit(session: Session, partner_id: str, amount_cents: int) -> bool:
    """One guarded UPDATE: the balance goes down only if it covers the amount (a wallet
    object the session holds reads its balance again)."""
    done = _DEBIT.first(session, {"partner": partner_id, "cents": amount_cents})
    _forget(session, Wallet, partner_id, "balance_cents")
    return done is not None


def _forget(session: Session, model: type[Base], key: str, attribute: str) -> None:
    """A statement changed `attribute` of this row: an object the session holds for it loads
    it again when next read."""
    held = session.identity_map.get(session.identity_key(model, key))
    if held is not None:
        session.expire(held, [attribute])


def credit(session: Session, partner_id: str, amount_cents: int, *, top_up: bool = False) -> None:
    """Raise the balance (a top-up also marks the wallet as topped up)."""
    values: dict[str, object] = {"balance_cents": Wallet.balance_cents + amount_cents}
    if top_up:
        values["has_topped_up"] = True
    session.execute(
        update(Wallet)
        .where(Wallet.partner_id == partner_id)
        .values(values)
        .execution_options(synchronize_session=SYNC)
    )


def lock_wallets(session: Session, partner_ids: Sequence[str]) -> dict[str, int]:
    """Lock many wallets in partner order (the order every charge locks in): their balances."""
    balances: dict[str, int] = {}
    for chunk in chunks(sorted(partner_ids)):
        balances.update(
            (str(pid), int(cents))
            for pid, cents in session.execute(
                select(Wallet.partner_id, Wallet.balance_cents)
                .where(Wallet.partner_id.in_(chunk))
                .order_by(Wallet.partner_id)
                .with_for_update()
            )
        )
    return balances


# lots ----------------------------------------------------------------------------------------
def lots_with_credit(session: Session, partner_id: str) -> list[CreditLot]:
    """Every lot with credit left, expired or not, oldest first."""
    return list(
        session.scalars(
            select(CreditLot)
            .where(CreditLot.partner_id == partner_id, with_credit_left())
            .order_by(*OLDEST_FIRST)
        )
    )


@dataclass
class LotToDraw:
    """What a charge needs of a lot with credit left (`service.draw` takes from it)."""

    id: str
    remaining_cents: int
    discount_bp: int
    expires_at: datetime


_LOTS_TO_DRAW = Prepared(
    select(CreditLot.id, CreditLot.remaining_cents, CreditLot.discount_bp, CreditLot.expires_at)
    .where(CreditLot.partner_id == bindparam("partner_id"), with_credit_left())
    .order_by(*OLDEST_FIRST),
    sees=(CreditLot,),
)
_TAKE = Prepared(
    update(CreditLot)
    .where(CreditLot.id == bindparam("lot"))
    .values(remaining_cents=CreditLot.remaining_cents - bindparam("cents")),
)


def lots_to_draw(session: Session, partner_id: str) -> list[LotToDraw]:
    """`lots_with_credit` as plain rows (one prepared statement: every charge reads them)."""
    return [LotToDraw(*row) for row in _LOTS_TO_DRAW.all(session, {"partner_id": partner_id})]


def take_from_lots(session: Session, taken: Sequence[tuple[str, int]]) -> None:
    """Lower each lot by what a charge took from it."""
    for lot_id, cents in taken:
        _TAKE.first(session, {"lot": lot_id, "cents": cents})
        _forget(session, CreditLot, lot_id, "remaining_cents")


def open_lots(session: Session, partner_id: str, now: datetime) -> list[CreditLot]:
    """Lots with credit left that has not expired, oldest first."""
    return [lot for lot in lots_with_credit(session, partner_id) if lot.expires_at > now]


def expired_lots(session: Session, partner_id: str, now: datetime) -> list[CreditLot]:
    """Lots past their date that still hold credit, oldest first."""
    return [lot for lot in lots_with_credit(session, partner_id) if lot.expires_at <= now]


def partners_with_expired_credit(
    session: Session,
    now: datetime,
    among: Sequence[str] | None = None,
    scope: PartnerScope = EVERY,
) -> list[str]:
    """Partners holding credit past its date (all of them in `scope`, or those in `among`)."""
    statement = (
        select(CreditLot.partner_id)
        .where(with_credit_left(), CreditLot.expires_at <= now, scope.where(CreditLot.partner_id))
        .distinct()
    )
    if among is None:
        return [str(pid) for pid in session.scalars(statement)]
    found: list[str] = []
    for chunk in chunks(among):
        found.extend(
            str(p) for p in session.scalars(statement.where(CreditLot.partner_id.in_(chunk)))
        )
    return found


def lots_expiring(
    session: Session, now: datetime, until: datetime, scope: PartnerScope = EVERY
) -> list[CreditLot]:
    """Lots with credit left that expire after `now` and by `until`."""
    return list(
        session.scalars(
            select(CreditLot).where(
                with_credit_left(),
                CreditLot.expires_at > now,
                CreditLot.expires_at <= until,
                scope.where(CreditLot.partner_id),
            )
        )
    )


def open_lot_rows(
    session: Session, partner_ids: Sequence[str], now: datetime
) -> Iterator[tuple[str, str, int, int]]:
    """(partner id, lot id, remaining, discount) of the open lots of many partners, each
    partner's oldest first."""
    for chunk in chunks(sorted(partner_ids)):
        for pid, lot_id, remaining, discount in session.execute(
            select(
                CreditLot.partner_id, CreditLot.id, CreditLot.remaining_cents, CreditLot.discount_bp
            )
            .where(CreditLot.partner_id.in_(chunk), with_credit_left(), CreditLot.expires_at > now)
            .order_by(CreditLot.partner_id, *OLDEST_FIRST)
        ):
            yield str(pid), str(lot_id), int(remaining), int(discount)


def extend_open_lots(session: Session, partner_id: str, now: datetime, until: datetime) -> None:
    """Make the partner's remaining, unexpired credit valid until `until`."""
    session.execute(
        update(CreditLot)
        .where(CreditLot.partner_id == partner_id, with_credit_left(), CreditLot.expires_at > now)
        .values(expires_at=until)
    )


def get_lot(session: Session, lot_id: str) -> CreditLot | None:
    return session.get(CreditLot, lot_id)


# ledger --------------------------------------------------------------------------------------
def get_entry(session: Session, entry_id: str) -> LedgerEntry | None:
    return session.get(LedgerEntry, entry_id)


def refund_of(session: Session, entry_id: str) -> str | None:
    """The id of the refund of a charge, if it was refunded."""
    return session.scalar(select(LedgerEntry.id).where(LedgerEntry.refunds_entry_id == entry_id))


def consumptions_of(session: Session, entry_id: str) -> list[LotConsumption]:
    """What a ledger entry took from (or gave back to) which lots."""
    return list(session.scalars(select(LotConsumption).where(LotConsumption.entry_id == entry_id)))


def ledger_page(
    session: Session, partner_id: str, limit: int, cursor: str | None
) -> tuple[list[LedgerEntry], str | None]:
    """Ledger entries of a partner, oldest first."""
    return page_rows(
        session,
        select(LedgerEntry).where(LedgerEntry.partner_id == partner_id),
        LedgerEntry.id,
        limit,
        cursor,
    )


def charges_since(
    session: Session,
    object_type: str,
    object_ids: Sequence[str],
    since: datetime,
    newest: int | None = None,
) -> list[LedgerEntry]:
    """The charges for these objects whose grace window started at `since` or later (made
    then, or correcting a purchase made then) and not refunded, newest first (only the
    `newest` of them when given)."""
    if not object_ids:
        return []
    refund = aliased(LedgerEntry)  # found through its unique index on refunds_entry_id
    refunded = exists().where(refund.refunds_entry_id == LedgerEntry.id)
    window_from = func.coalesce(LedgerEntry.window_from, LedgerEntry.created_at)
    return list(
        session.scalars(
            select(LedgerEntry)
            .where(
                LedgerEntry.object_id.in_(sorted(object_ids)),
                LedgerEntry.object_type == object_type,
                LedgerEntry.kind == EntryKind.CHARGE,
                window_from >= since,
                ~refunded,
            )
            .order_by(window_from.desc(), LedgerEntry.id.desc())
            .limit(newest)
        )
    )


def next_number(session: Session, sequence: str) -> int:
    """The next number of `sequence` (1 first): one atomic upsert, the row held to the commit
    (two top-ups at once never get one number)."""
    dialect = session.get_bind().dialect.name
    upsert = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(NumberSequence)
    statement = upsert.values(name=sequence, last=1).on_conflict_do_update(
        index_elements=[NumberSequence.name], set_={"last": NumberSequence.last + 1}
    )
    return int(session.scalar(statement.returning(NumberSequence.last)) or 0)
