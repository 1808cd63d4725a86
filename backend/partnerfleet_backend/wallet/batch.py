"""The charges of a job run over many partners, in a few statements instead of a few per
partner: the wallets are locked together (in partner order, as every charge locks them), their
open lots loaded as rows, each charge drawn in memory oldest lot first (`service.draw`, the
same rule as a single charge) or refused, and `write()` stores the ledger entries, lot
consumptions, lots and balances in bulk."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table

from partnerfleet_backend.audit.service import money_event
from partnerfleet_backend.db.bulk import update_rows
from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.models import CreditLot, EntryKind, Wallet
from partnerfleet_backend.notification.service import Note, notify_many
from partnerfleet_backend.wallet import repository
from partnerfleet_backend.wallet.service import (
    CONSUMPTIONS,
    LEDGER,
    Charge,
    consumption_rows,
    draw,
    expire_due_credit,
    ledger_row,
)


def rows_by_partner(rows: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """A run's rows grouped by their partner (the unit `JobCharges.charge` works in)."""
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[row["partner_id"]].append(row)
    return grouped


@dataclass
class _Lot:
    id: str
    remaining_cents: int
    discount_bp: int


class JobCharges:
    """Same rules as `service.charge`: a charge is paid in full or refused (False) and changes
    nothing; the balance can never go below zero (checked against the locked wallet)."""

    def __init__(self, ctx: Ctx, partner_ids: set[str]) -> None:
        self.ctx = ctx
        session = ctx.session
        ids = sorted(partner_ids)
        self.balances = repository.lock_wallets(session, ids)
        for partner_id in repository.partners_with_expired_credit(session, ctx.now, ids):
            expire_due_credit(ctx, partner_id)  # usually none: the expiry job ran first
            session.flush()
            self.balances[partner_id] = repository.balance(session, partner_id)
        self.lots: dict[str, list[_Lot]] = {pid: [] for pid in ids}
        for pid, lot_id, remaining, discount in repository.open_lot_rows(session, ids, ctx.now):
            self.lots[pid].append(_Lot(lot_id, remaining, discount))
        self.charged: dict[str, int] = defaultdict(int)
        self.taken: set[str] = set()  # ids of the lots drawn from
        self.entries: list[dict[str, object]] = []
        self.consumptions: list[dict[str, object]] = []

    def available(self, partner_id: str) -> int:
        """The credit the partner's open lots hold now (after the charges so far)."""
        return sum(lot.remaining_cents for lot in self.lots[partner_id])

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
            net, taken = draw(lots, amount)
            entry = ledger_row(self.ctx, partner_id, EntryKind.CHARGE, -amount, -net, what)
            self.entries.append(entry)
            self.consumptions.extend(consumption_rows(entry["id"], taken))
            self.taken.update(lot_id for lot_id, _ in taken)
            available -= amount
            self.charged[partner_id] += amount
        return results

    def finish(
        self,
        table: Table,
        rows: Iterable[dict[str, Any]],
        columns: Sequence[str],
        notes: list[Note],
        events: list[dict[str, Any]],
        *,
        touch: bool = True,
    ) -> None:
        """Store a whole run: the charges (`write`), the `columns` of every row it changed
        (their row_version moves, not the client's version; `updated_at` too unless `touch` is
        off), its notifications and its audit events."""
        self.write()
        touched = {"updated_at": self.ctx.now} if touch else {}
        update_rows(
            self.ctx.session,
            table,
            [
                {
                    "id": row["id"],
                    **{column: row[column] for column in columns},
                    **touched,
                    "row_version": row["row_version"] + 1,
                }
                for row in rows
            ],
        )
        notify_many(self.ctx, notes)
        self.ctx.audit_many(events)

    def write(self) -> None:
        """Store what was charged (once, after the last `charge`)."""
        session = self.ctx.session
        for partner_id, total in self.charged.items():
            if total > self.balances[partner_id]:
                raise RuntimeError(f"wallet of {partner_id} disagrees with its lots")
        self.ctx.unit.add_many(LEDGER, self.entries)
        self.ctx.unit.add_many(CONSUMPTIONS, self.consumptions)
        self.ctx.audit_many([money_event(entry) for entry in self.entries])
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
