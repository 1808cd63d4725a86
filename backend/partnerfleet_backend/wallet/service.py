"""The wallet: top-ups into lots, charges drawn oldest lot first, refunds, expiry.

Every debit takes the wallet's row lock, then one guarded UPDATE (`repository.debit`) that
cannot take the balance below zero; the lots say what the credit cost (net).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NoReturn, Protocol, cast

from sqlalchemy import Table

from partnerfleet_backend.audit.service import money_event
from partnerfleet_backend.catalog.pricing import top_up_discount_bp
from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.kit.errors import InsufficientCredit, NotFound, ValidationFailed
from partnerfleet_backend.kit.ids import new_id
from partnerfleet_backend.kit.money import BP_DENOMINATOR, div_round_half_up, net_of_discount
from partnerfleet_backend.kit.timeutil import add_months
from partnerfleet_backend.models import CreditLot, EntryKind, LedgerEntry, LotConsumption, Wallet
from partnerfleet_backend.wallet import repository
from partnerfleet_backend.wallet.schemas import LotRead, WalletRead

FIRST_TOP_UP_MINIMUM_CENTS = 55_000
CREDIT_VALIDITY_MONTHS = 12


class FirstTopUpTooSmall(ValidationFailed):
    code = "first_top_up_too_small"


@dataclass(frozen=True)
class Charge:
    """Where a charge came from, for the ledger; a license's charge also says what it pays for
    (`covers`: from, to; `units`: seats or usage units), what resale billing spreads; a
    purchase made again with fewer seats, when its grace window started (`billing/undo.py`)."""

    description: str
    object_type: str | None = None
    object_id: str | None = None
    covers: tuple[datetime, datetime] | None = None
    units: int | None = None
    window_from: datetime | None = None  # a corrected purchase: the window it keeps


def lock_wallet(ctx: Ctx, partner_id: str) -> Wallet:
    wallet = repository.lock_wallet(ctx.session, partner_id)
    if wallet is None:
        raise NotFound(f"partner {partner_id} not found")
    return wallet


LEDGER = cast(Table, LedgerEntry.__table__)
CONSUMPTIONS = cast(Table, LotConsumption.__table__)


def ledger_row(
    ctx: Ctx,
    partner_id: str,
    kind: EntryKind,
    amount: int,
    net: int,
    charge: Charge,
    *,
    refunds: str | None = None,
) -> dict[str, Any]:
    """The one shape of a ledger entry's row (a single charge's and a calendar run's)."""
    return {
        "id": new_id("led"),
        "partner_id": partner_id,
        "kind": kind.value,
        "amount_cents": amount,
        "net_cents": net,
        "description": charge.description,
        "object_type": charge.object_type,
        "object_id": charge.object_id,
        "refunds_entry_id": refunds,
        "request_id": ctx.request_id,
        "created_at": ctx.now,
        "covers_from": charge.covers[0] if charge.covers else None,
        "covers_to": charge.covers[1] if charge.covers else None,
        "units": charge.units,
        "window_from": charge.window_from,
    }


def consumption_rows(entry_id: str, lots: Sequence[tuple[str, int]]) -> list[dict[str, Any]]:
    """What an entry took from (or gave to) each lot: (lot id, cents)."""
    return [{"entry_id": entry_id, "lot_id": lot, "amount_cents": cents} for lot, cents in lots]


def append_entry(
    ctx: Ctx,
    partner_id: str,
    kind: EntryKind,
    amount: int,
    net: int,
    charge: Charge,
    lots: Sequence[tuple[str, int]],
    *,
    refunds: str | None = None,
) -> LedgerEntry:
    """A ledger entry, what it took from (or gave to) each lot and its audit event, appended
    to the unit of work (written before the commit); the entry as an object to read."""
    row = ledger_row(ctx, partner_id, kind, amount, net, charge, refunds=refunds)
    ctx.unit.add(LEDGER, row)
    ctx.unit.add_many(CONSUMPTIONS, consumption_rows(row["id"], lots))
    event = money_event(row)
    ctx.audit(
        event["action"],
        "ledger_entry",
        row["id"],
        partner_id=partner_id,
        before=None,
        after=event["after"],
    )
    return LedgerEntry(**row)


class Drawable(Protocol):
    id: str
    remaining_cents: int
    discount_bp: int


def draw(lots: Sequence[Drawable], amount: int) -> tuple[int, list[tuple[str, int]]]:
    """Take `amount` from `lots` (oldest first; they must hold enough): the net cost in cents
    (each part at its lot's discount, rounded half-up once) and (lot id, cents) per lot used."""
    left, weighted = amount, 0
    taken: list[tuple[str, int]] = []
    for lot in lots:
        take = min(left, lot.remaining_cents)
        if take:
            lot.remaining_cents -= take
            weighted += take * (BP_DENOMINATOR - lot.discount_bp)
            taken.append((lot.id, take))
            left -= take
        if left == 0:
            return div_round_half_up(weighted, BP_DENOMINATOR), taken
    raise RuntimeError(f"the lots hold {amount - left} of {amount} cents")


def expire_due_credit(ctx: Ctx, partner_id: str) -> list[LedgerEntry]:
    """Expire every lot past its date: one ledger entry each (takes the wallet's lock)."""
    lock_wallet(ctx, partner_id)  # a no-op round trip if this transaction holds it
    entries = []
    for lot in repository.expired_lots(ctx.session, partner_id, ctx.now):
        amount = lot.remaining_cents
        entry = append_entry(
            ctx,
            partner_id,
            EntryKind.EXPIRY,
            -amount,
            -net_of_discount(amount, lot.discount_bp),
            Charge(f"credit of top-up {lot.id} expired", "credit_lot", lot.id),
            [(lot.id, amount)],
        )
        lot.remaining_cents = 0
        repository.credit(ctx.session, partner_id, -amount)
        entries.append(entry)
    return entries


def add_lot(
    ctx: Ctx,
    partner_id: str,
    amount: int,
    discount_bp: int,
    price: int,
    *,
    extend: bool,
    top_up: bool = True,
) -> CreditLot:
    expires = add_months(ctx.now, CREDIT_VALIDITY_MONTHS)
    if extend:  # a top-up makes all remaining credit valid for 12 months from now
        repository.extend_open_lots(ctx.session, partner_id, ctx.now, expires)
    lot = CreditLot(
        id=new_id("lot"),
        partner_id=partner_id,
        amount_cents=amount,
        remaining_cents=amount,
        discount_bp=discount_bp,
        price_cents=price,
        created_at=ctx.now,
        expires_at=expires,
    )
    ctx.session.add(lot)
    repository.credit(ctx.session, partner_id, amount, top_up=top_up)
    ctx.session.flush()
    return lot


def top_up(ctx: Ctx, partner_id: str, amount_cents: int) -> CreditLot:
    """Buy `amount_cents` of nominal credit at the discount its bracket gives, with its
    invoice's number (`topup.service.buy` mails the invoice)."""
    if amount_cents <= 0:
        raise ValidationFailed("amount_cents must be positive", field="amount_cents")
    wallet = lock_wallet(ctx, partner_id)
    if not wallet.has_topped_up and amount_cents < FIRST_TOP_UP_MINIMUM_CENTS:
        raise FirstTopUpTooSmall(
            f"the first top-up must be at least {FIRST_TOP_UP_MINIMUM_CENTS} cents (550 EUR)",
            field="amount_cents",
        )
    expire_due_credit(ctx, partner_id)
    discount = top_up_discount_bp(amount_cents)
    price = net_of_discount(amount_cents, discount)
    lot = add_lot(ctx, partner_id, amount_cents, discount, price, extend=True)
    number = repository.next_number(ctx.session, f"TU-{ctx.now:%Y}")
    lot.invoice_number = f"TU-{ctx.now:%Y}-{number:06d}"  # every top-up bought is invoiced
    append_entry(
        ctx,
        partner_id,
        EntryKind.TOP_UP,
        amount_cents,
        price,
        Charge(f"top-up of {amount_cents} cents at {discount / 100:g} % off", "credit_lot", lot.id),
        [(lot.id, -amount_cents)],
    )
    return lot


def credit_cashback(ctx: Ctx, partner_id: str, amount_cents: int, what: Charge) -> LedgerEntry:
    """Cashback earned on a customer's paid invoice: a lot of its own (it cost the partner
    nothing: net 0, valid 12 months and extended by top-ups like any credit) and its entry."""
    if amount_cents <= 0:
        raise ValueError("a cashback is positive")
    lock_wallet(ctx, partner_id)
    expire_due_credit(ctx, partner_id)
    lot = add_lot(ctx, partner_id, amount_cents, BP_DENOMINATOR, 0, extend=False, top_up=False)
    return append_entry(
        ctx, partner_id, EntryKind.CASHBACK, amount_cents, 0, what, [(lot.id, -amount_cents)]
    )


def charge(
    ctx: Ctx,
    partner_id: str,
    amount_cents: int,
    what: Charge,
    *,
    kind: EntryKind = EntryKind.CHARGE,
) -> LedgerEntry | None:
    """Deduct `amount_cents` nominal, oldest lot first; 402 and nothing changed if short."""
    if amount_cents < 0:
        raise ValueError("a charge cannot be negative")
    if amount_cents == 0:
        return None
    # The guarded debit takes the wallet's lock when it pays; the lots are read under it.
    if not repository.debit(ctx.session, partner_id, amount_cents):
        _refuse(ctx, partner_id, amount_cents)
    lots = repository.lots_to_draw(ctx.session, partner_id)
    if any(lot.expires_at <= ctx.now for lot in lots):  # rare: the expiry job usually got there
        repository.credit(ctx.session, partner_id, amount_cents)  # first; undo, expire, again
        expire_due_credit(ctx, partner_id)
        if not repository.debit(ctx.session, partner_id, amount_cents):
            raise InsufficientCredit(amount_cents, repository.balance(ctx.session, partner_id))
        lots = repository.lots_to_draw(ctx.session, partner_id)
    net, consumptions = draw(lots, amount_cents)  # the guard above: the lots hold enough
    repository.take_from_lots(ctx.session, consumptions)
    return append_entry(ctx, partner_id, kind, -amount_cents, -net, what, consumptions)


def _refuse(ctx: Ctx, partner_id: str, amount_cents: int) -> NoReturn:
    """402 for a charge the balance does not cover (404 without a wallet), with the credit
    available once due expiries are recorded (they are rolled back with the refusal)."""
    lock_wallet(ctx, partner_id)
    if repository.expired_lots(ctx.session, partner_id, ctx.now):
        expire_due_credit(ctx, partner_id)
    raise InsufficientCredit(amount_cents, repository.balance(ctx.session, partner_id))


def charge_or(
    ctx: Ctx,
    partner_id: str,
    amount_cents: int,
    what: Charge,
    on_refused: Callable[[InsufficientCredit], None],
) -> bool:
    """The calendar's charge: paid in full (True), or nothing changed and `on_refused` decides
    what follows (the license lapses, the add-on ends, the partner is told)."""
    try:
        with ctx.unit.savepoint(ctx.session):
            charge(ctx, partner_id, amount_cents, what)
    except InsufficientCredit as refused:
        on_refused(refused)
        return False
    return True


def open_wallet(ctx: Ctx, partner_id: str) -> None:
    """A new partner's empty wallet."""
    ctx.session.add(Wallet(partner_id=partner_id, balance_cents=0, has_topped_up=False))


def balance(ctx: Ctx, partner_id: str) -> int:
    """The balance: the sum of the partner's ledger."""
    return repository.balance(ctx.session, partner_id)


def open_lots(ctx: Ctx, partner_id: str) -> list[CreditLot]:
    """Lots with credit left that has not expired, oldest first."""
    return repository.open_lots(ctx.session, partner_id, ctx.now)


@dataclass(frozen=True)
class WalletState:
    balance_cents: int
    available_cents: int
    lots: list[CreditLot]


def view(ctx: Ctx, partner_id: str) -> WalletRead:
    """The wallet as the API shows it."""
    now = state(ctx, partner_id)
    return WalletRead(
        balance_cents=now.balance_cents,
        available_cents=now.available_cents,
        expires_at=max((lot.expires_at for lot in now.lots), default=None),
        lots=[LotRead.model_validate(lot) for lot in now.lots],
    )


def state(ctx: Ctx, partner_id: str) -> WalletState:
    """The balance (the sum of the ledger), the credit valid now and the open lots."""
    wallet = repository.get_wallet(ctx.session, partner_id)
    lots = open_lots(ctx, partner_id)
    return WalletState(
        balance_cents=wallet.balance_cents if wallet else 0,
        available_cents=sum(lot.remaining_cents for lot in lots),
        lots=lots,
    )


def ledger(
    ctx: Ctx, partner_id: str, limit: int, cursor: str | None
) -> tuple[list[LedgerEntry], str | None]:
    """One page of the partner's ledger, oldest first."""
    return repository.ledger_page(ctx.session, partner_id, limit, cursor)
