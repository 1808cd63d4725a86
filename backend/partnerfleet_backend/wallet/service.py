"""The wallet: top-ups into lots, charges drawn oldest lot first, refunds, expiry."""

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol, cast

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from partnerfleet_backend.context import Ctx
from partnerfleet_backend.kit.bulk import insert_rows, update_rows
from partnerfleet_backend.kit.errors import Conflict, InsufficientCredit, NotFound, ValidationFailed
from partnerfleet_backend.kit.ids import new_id
from partnerfleet_backend.kit.money import BP_DENOMINATOR, div_round_half_up, net_of_discount
from partnerfleet_backend.kit.timeutil import add_months
from partnerfleet_backend.models import CreditLot, LedgerEntry, LotConsumption, Wallet
from partnerfleet_backend.program import (
    CREDIT_VALIDITY_MONTHS,
    FIRST_TOP_UP_MINIMUM_CENTS,
    top_up_discount_bp,
)


class FirstTopUpTooSmall(ValidationFailed):
    code = "first_top_up_too_small"


class ChargeAlreadyRefunded(Conflict):
    code = "already_refunded"


@dataclass(frozen=True)
class Charge:
    """Where a charge came from, for the ledger."""

    description: str
    object_type: str | None = None
    object_id: str | None = None


def _lock_wallet(session: Session, partner_id: str) -> Wallet:
    wallet = session.scalar(select(Wallet).where(Wallet.partner_id == partner_id).with_for_update())
    if wallet is None:
        raise NotFound(f"partner {partner_id} not found")
    return wallet


def _entry(
    ctx: Ctx, partner_id: str, kind: str, amount: int, net: int, charge: Charge
) -> LedgerEntry:
    entry = LedgerEntry(
        id=new_id("led"),
        partner_id=partner_id,
        kind=kind,
        amount_cents=amount,
        net_cents=net,
        description=charge.description,
        object_type=charge.object_type,
        object_id=charge.object_id,
        request_id=ctx.request_id,
        created_at=ctx.now,
    )
    ctx.session.add(entry)
    return entry


class _Drawable(Protocol):
    id: str
    remaining_cents: int
    discount_bp: int


def _draw(lots: Sequence[_Drawable], amount: int) -> tuple[int, list[tuple[str, int]]]:
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
    session = ctx.session
    _lock_wallet(session, partner_id)  # a no-op round trip if this transaction holds it
    due = session.scalars(
        select(CreditLot)
        .where(
            CreditLot.partner_id == partner_id,
            CreditLot.remaining_cents > 0,
            CreditLot.expires_at <= ctx.now,
        )
        .order_by(CreditLot.created_at, CreditLot.id)
    ).all()
    entries = []
    for lot in due:
        amount = lot.remaining_cents
        entry = _entry(
            ctx,
            partner_id,
            "expiry",
            -amount,
            -net_of_discount(amount, lot.discount_bp),
            Charge(f"credit of top-up {lot.id} expired", "credit_lot", lot.id),
        )
        session.flush()
        session.add(LotConsumption(entry_id=entry.id, lot_id=lot.id, amount_cents=amount))
        lot.remaining_cents = 0
        session.execute(
            update(Wallet)
            .where(Wallet.partner_id == partner_id)
            .values(balance_cents=Wallet.balance_cents - amount)
        )
        entries.append(entry)
    return entries


def _add_lot(
    ctx: Ctx, partner_id: str, amount: int, discount_bp: int, price: int, *, extend: bool
) -> CreditLot:
    expires = add_months(ctx.now, CREDIT_VALIDITY_MONTHS)
    if extend:  # a top-up makes all remaining credit valid for 12 months from now
        ctx.session.execute(
            update(CreditLot)
            .where(
                CreditLot.partner_id == partner_id,
                CreditLot.remaining_cents > 0,
                CreditLot.expires_at > ctx.now,
            )
            .values(expires_at=expires)
        )
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
    ctx.session.execute(
        update(Wallet)
        .where(Wallet.partner_id == partner_id)
        .values(balance_cents=Wallet.balance_cents + amount, has_topped_up=True)
    )
    return lot


def top_up(ctx: Ctx, partner_id: str, amount_cents: int) -> CreditLot:
    """Buy `amount_cents` of nominal credit at the discount its bracket gives."""
    if amount_cents <= 0:
        raise ValidationFailed("amount_cents must be positive", field="amount_cents")
    wallet = _lock_wallet(ctx.session, partner_id)
    if not wallet.has_topped_up and amount_cents < FIRST_TOP_UP_MINIMUM_CENTS:
        raise FirstTopUpTooSmall(
            f"the first top-up must be at least {FIRST_TOP_UP_MINIMUM_CENTS} cents (550 EUR)",
            field="amount_cents",
        )
    expire_due_credit(ctx, partner_id)
    discount = top_up_discount_bp(amount_cents)
    price = net_of_discount(amount_cents, discount)
    lot = _add_lot(ctx, partner_id, amount_cents, discount, price, extend=True)
    ctx.session.flush()
    entry = _entry(
        ctx,
        partner_id,
        "top_up",
        amount_cents,
        price,
        Charge(f"top-up of {amount_cents} cents at {discount / 100:g} % off", "credit_lot", lot.id),
    )
    ctx.session.flush()
    ctx.session.add(LotConsumption(entry_id=entry.id, lot_id=lot.id, amount_cents=-amount_cents))
    return lot


def charge(ctx: Ctx, partner_id: str, amount_cents: int, what: Charge) -> LedgerEntry | None:
    """Deduct `amount_cents` nominal, oldest lot first; 402 and nothing changed if short."""
    if amount_cents < 0:
        raise ValueError("a charge cannot be negative")
    if amount_cents == 0:
        return None
    session = ctx.session
    _lock_wallet(session, partner_id)
    lots = list(  # every lot with credit left, expired or not: one query under the lock
        session.scalars(
            select(CreditLot)
            .where(CreditLot.partner_id == partner_id, CreditLot.remaining_cents > 0)
            .order_by(CreditLot.created_at, CreditLot.id)
        )
    )
    if any(lot.expires_at <= ctx.now for lot in lots):
        expire_due_credit(ctx, partner_id)  # rare: the expiry job usually got there first
        lots = [lot for lot in lots if lot.remaining_cents > 0]
    guarded = session.execute(
        update(Wallet)
        .where(Wallet.partner_id == partner_id, Wallet.balance_cents >= amount_cents)
        .values(balance_cents=Wallet.balance_cents - amount_cents)
        .returning(Wallet.balance_cents)
    ).first()
    if guarded is None:
        available = session.scalar(
            select(Wallet.balance_cents).where(Wallet.partner_id == partner_id)
        )
        raise InsufficientCredit(amount_cents, int(available or 0))
    net, consumptions = _draw(lots, amount_cents)  # the guard above: the lots hold enough
    entry = _entry(ctx, partner_id, "charge", -amount_cents, -net, what)
    session.flush()
    for lot_id, take in consumptions:
        session.add(LotConsumption(entry_id=entry.id, lot_id=lot_id, amount_cents=take))
    return entry


@dataclass
class _Lot:
    id: str
    remaining_cents: int
    discount_bp: int


def _chunks(items: list[str], size: int = 1000) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class JobCharges:
    """The charges of a job run over many partners, in a few statements instead of a few per
    partner: the wallets are locked together (in partner order, as every charge locks them),
    their open lots loaded as rows, each charge drawn in memory oldest lot first or refused,
    and `write()` stores the ledger entries, lot consumptions, lots and balances in bulk.

    Same rules as `charge`: a charge is paid in full or refused (False) and changes nothing;
    the balance can never go below zero (checked against the locked wallet)."""

    def __init__(self, ctx: Ctx, partner_ids: set[str]) -> None:
        self.ctx = ctx
        session = ctx.session
        ids = sorted(partner_ids)
        self.balances: dict[str, int] = {}
        for chunk in _chunks(ids):
            self.balances.update(
                (str(pid), int(balance))
                for pid, balance in session.execute(
                    select(Wallet.partner_id, Wallet.balance_cents)
                    .where(Wallet.partner_id.in_(chunk))
                    .order_by(Wallet.partner_id)
                    .with_for_update()
                )
            )
        for chunk in _chunks(ids):
            expiring = session.scalars(
                select(CreditLot.partner_id)
                .where(
                    CreditLot.partner_id.in_(chunk),
                    CreditLot.remaining_cents > 0,
                    CreditLot.expires_at <= ctx.now,
                )
                .distinct()
            ).all()
            for partner_id in expiring:  # usually none: the expiry job ran first
                expire_due_credit(ctx, partner_id)
                session.flush()
                self.balances[partner_id] = int(
                    session.scalar(
                        select(Wallet.balance_cents).where(Wallet.partner_id == partner_id)
                    )
                    or 0
                )
        self.lots: dict[str, list[_Lot]] = {pid: [] for pid in ids}
        for chunk in _chunks(ids):
            for pid, lot_id, remaining, discount in session.execute(
                select(
                    CreditLot.partner_id,
                    CreditLot.id,
                    CreditLot.remaining_cents,
                    CreditLot.discount_bp,
                )
                .where(
                    CreditLot.partner_id.in_(chunk),
                    CreditLot.remaining_cents > 0,
                    CreditLot.expires_at > ctx.now,
                )
                .order_by(CreditLot.partner_id, CreditLot.created_at, CreditLot.id)
            ):
                self.lots[pid].append(_Lot(lot_id, int(remaining), int(discount)))
        self.charged: dict[str, int] = defaultdict(int)
        self.taken: set[str] = set()  # ids of the lots drawn from
        self.entries: list[dict[str, object]] = []
        self.consumptions: list[dict[str, object]] = []

    def charge(self, partner_id: str, charges: list[tuple[int, Charge]]) -> list[bool]:
        """Charge each amount in order; False where the credit left cannot pay it."""
        lots = self.lots[partner_id]
        available = sum(lot.remaining_cents for lot in lots)
        results: list[bool] = []
        for amount, what in charges:
            if amount < 0:
                raise ValueError("a charge cannot be negative")
            if amount > available:
                results.append(False)
                continue
            results.append(True)
            if amount == 0:
                continue
            entry_id = new_id("led")
            net, taken = _draw(lots, amount)
            for lot_id, take in taken:
                self.consumptions.append(
                    {"entry_id": entry_id, "lot_id": lot_id, "amount_cents": take}
                )
                self.taken.add(lot_id)
            self.entries.append(
                {
                    "id": entry_id,
                    "partner_id": partner_id,
                    "kind": "charge",
                    "amount_cents": -amount,
                    "net_cents": -net,
                    "description": what.description,
                    "object_type": what.object_type,
                    "object_id": what.object_id,
                    "refunds_entry_id": None,
                    "request_id": self.ctx.request_id,
                    "created_at": self.ctx.now,
                }
            )
            available -= amount
            self.charged[partner_id] += amount
        return results

    def write(self) -> None:
        """Store what was charged (once, after the last `charge`)."""
        session = self.ctx.session
        for partner_id, total in self.charged.items():
            if total > self.balances[partner_id]:
                raise RuntimeError(f"wallet of {partner_id} disagrees with its lots")
        insert_rows(session, cast(Table, LedgerEntry.__table__), self.entries)
        insert_rows(session, cast(Table, LotConsumption.__table__), self.consumptions)
        update_rows(
            session,
            cast(Table, CreditLot.__table__),
            [
                {"id": lot.id, "remaining_cents": lot.remaining_cents}
                for lots in self.lots.values()
                for lot in lots
                if lot.id in self.taken
            ],
        )
        update_rows(
            session,
            cast(Table, Wallet.__table__),
            [
                {"partner_id": pid, "balance_cents": self.balances[pid] - total}
                for pid, total in self.charged.items()
                if total
            ],
            key="partner_id",
        )


def refund(ctx: Ctx, partner_id: str, entry_id: str) -> LedgerEntry:
    """Give back a whole charge to the lots it came from."""
    session = ctx.session
    _lock_wallet(session, partner_id)
    original = session.get(LedgerEntry, entry_id)
    if original is None or original.partner_id != partner_id or original.kind != "charge":
        raise NotFound(f"charge {entry_id} not found")
    already = session.scalar(select(LedgerEntry.id).where(LedgerEntry.refunds_entry_id == entry_id))
    if already is not None:
        raise ChargeAlreadyRefunded(f"charge {entry_id} was refunded by {already}")
    amount = -original.amount_cents
    entry = _entry(
        ctx,
        partner_id,
        "refund",
        amount,
        -original.net_cents,
        Charge(f"refund of {entry_id}", original.object_type, original.object_id),
    )
    entry.refunds_entry_id = entry_id
    session.flush()
    for used in session.scalars(select(LotConsumption).where(LotConsumption.entry_id == entry_id)):
        lot = session.get(CreditLot, used.lot_id)
        assert lot is not None
        lot.remaining_cents += used.amount_cents
        session.add(
            LotConsumption(entry_id=entry.id, lot_id=lot.id, amount_cents=-used.amount_cents)
        )
    session.execute(
        update(Wallet)
        .where(Wallet.partner_id == partner_id)
        .values(balance_cents=Wallet.balance_cents + amount)
    )
    expire_due_credit(ctx, partner_id)  # credit returned to an expired lot does not revive it
    return entry


def adjust(ctx: Ctx, partner_id: str, amount_cents: int, reason: str) -> LedgerEntry:
    """An operator's manual correction: credit as a lot of its own, or a debit like a charge."""
    if amount_cents == 0:
        raise ValidationFailed("amount_cents must not be zero", field="amount_cents")
    if amount_cents < 0:
        entry = charge(ctx, partner_id, -amount_cents, Charge(f"adjustment: {reason}"))
        assert entry is not None
        entry.kind = "adjustment"
        return entry
    _lock_wallet(ctx.session, partner_id)
    expire_due_credit(ctx, partner_id)
    lot = _add_lot(ctx, partner_id, amount_cents, 0, 0, extend=False)
    ctx.session.flush()
    entry = _entry(
        ctx,
        partner_id,
        "adjustment",
        amount_cents,
        0,
        Charge(f"adjustment: {reason}", "credit_lot", lot.id),
    )
    ctx.session.flush()
    ctx.session.add(LotConsumption(entry_id=entry.id, lot_id=lot.id, amount_cents=-amount_cents))
    return entry


def open_lots(ctx: Ctx, partner_id: str) -> list[CreditLot]:
    """Lots with credit left that has not expired, oldest first."""
    return list(
        ctx.session.scalars(
            select(CreditLot)
            .where(
                CreditLot.partner_id == partner_id,
                CreditLot.remaining_cents > 0,
                CreditLot.expires_at > ctx.now,
            )
            .order_by(CreditLot.created_at, CreditLot.id)
        )
    )
