"""Wallet invariants under random sequences of top-ups, charges, refunds, expiry and time."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from sqlalchemy import func, select

from partnerfleet_backend.catalog.pricing import top_up_discount_bp
from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.db.engines import run_in_transaction
from partnerfleet_backend.kit.errors import InsufficientCredit, ServiceError
from partnerfleet_backend.kit.timeutil import add_months
from partnerfleet_backend.models import CreditLot, LedgerEntry, Wallet
from partnerfleet_backend.partner import service as partners
from partnerfleet_backend.partner.schemas import PartnerCreate
from partnerfleet_backend.settings import Settings
from partnerfleet_backend.wallet import corrections
from partnerfleet_backend.wallet import service as wallet
from partnerfleet_backend.wallet.service import Charge

T = TypeVar("T")


def _entry_id(entry: LedgerEntry | None) -> str:
    assert entry is not None
    return entry.id


class Model:
    """The SPEC's wallet in plain Python: lots [amount left, expiry], oldest first."""

    def __init__(self) -> None:
        self.lots: list[list[Any]] = []
        self.topped_up = False

    def expire(self, now: datetime) -> None:
        for lot in self.lots:
            if lot[1] <= now:
                lot[0] = 0

    def available(self, now: datetime) -> int:
        return sum(amount for amount, expiry in self.lots if expiry > now)


class WalletMachine(RuleBasedStateMachine):
    """The wallet's service against `Model`, on the suite's database (`app_settings`)."""

    app_settings: Settings

    def __init__(self) -> None:
        super().__init__()
        self.now = datetime(2026, 1, 1, tzinfo=UTC)
        self.model = Model()
        self.charges: list[str] = []
        self.refunded: set[str] = set()
        self.seen_ledger: dict[str, tuple[Any, ...]] = {}

    def ctx_run(self, work: Callable[[Ctx], T]) -> T:
        return run_in_transaction(
            lambda s: work(
                Ctx(
                    session=s,
                    now=self.now,
                    actor=None,
                    request_id="prop",
                    settings=self.app_settings,
                )
            ),
            self.app_settings,
        )

    @initialize()
    def make_partner(self) -> None:
        self.partner_id = self.ctx_run(
            lambda ctx: partners.create(ctx, PartnerCreate(name="prop")).id
        )

    @rule(amount=st.integers(1, 3_000_000))
    def top_up(self, amount: int) -> None:
        try:
            self.ctx_run(lambda ctx: wallet.top_up(ctx, self.partner_id, amount))
        except ServiceError:
            assert not self.model.topped_up and amount < 55_000
            return
        self.model.expire(self.now)
        expiry = add_months(self.now, 12)
        for lot in self.model.lots:
            if lot[0] > 0:
                lot[1] = expiry
        self.model.lots.append([amount, expiry])
        self.model.topped_up = True

    @rule(amount=st.integers(1, 400_000))
    def charge(self, amount: int) -> None:
        try:
            entry = self.ctx_run(
                lambda ctx: _entry_id(wallet.charge(ctx, self.partner_id, amount, Charge("p")))
            )
        except InsufficientCredit as refused:
            assert self.model.available(self.now) < amount
            assert refused.extra["available_cents"] == self.model.available(self.now)
            return
        assert self.model.available(self.now) >= amount
        self.model.expire(self.now)  # a charge records due expiries first
        left = amount
        for lot in self.model.lots:
            take = min(left, lot[0])
            lot[0] -= take
            left -= take
        self.charges.append(entry)

    @precondition(lambda self: len(self.charges) > len(self.refunded))
    @rule(data=st.data())
    def refund(self, data: st.DataObject) -> None:
        open_charges = [c for c in self.charges if c not in self.refunded]
        entry_id = data.draw(st.sampled_from(open_charges))
        self.ctx_run(lambda ctx: corrections.refund(ctx, self.partner_id, entry_id))
        self.refunded.add(entry_id)
        self.model.lots = [[lot.remaining_cents, lot.expires_at] for lot in self.lots()]

    @rule()
    def expire(self) -> None:
        self.ctx_run(lambda ctx: wallet.expire_due_credit(ctx, self.partner_id))
        self.model.expire(self.now)

    @rule(days=st.integers(1, 400))
    def advance_clock(self, days: int) -> None:
        self.now += timedelta(days=days)

    def lots(self) -> list[CreditLot]:
        return self.ctx_run(
            lambda ctx: list(
                ctx.session.scalars(
                    select(CreditLot)
                    .where(CreditLot.partner_id == self.partner_id)
                    .order_by(CreditLot.created_at, CreditLot.id)
                )
            )
        )

    @invariant()
    def balance_is_the_ledger_and_the_lots_and_never_negative(self) -> None:
        def read(ctx: Ctx) -> tuple[int, int, int]:
            s = ctx.session
            balance = s.scalar(
                select(Wallet.balance_cents).where(Wallet.partner_id == self.partner_id)
            )
            ledger = s.scalar(
                select(func.coalesce(func.sum(LedgerEntry.amount_cents), 0)).where(
                    LedgerEntry.partner_id == self.partner_id
                )
            )
            lots = s.scalar(
                select(func.coalesce(func.sum(CreditLot.remaining_cents), 0)).where(
                    CreditLot.partner_id == self.partner_id
                )
            )
            return int(balance or 0), int(ledger or 0), int(lots or 0)

        balance, ledger, lots = self.ctx_run(read)
        assert balance == ledger == lots >= 0
        assert balance == sum(lot[0] for lot in self.model.lots)
        assert [lot.remaining_cents for lot in self.lots()] == [
            lot[0] for lot in self.model.lots
        ], "lots are not drawn oldest first"

    @invariant()
    def ledger_rows_are_never_changed(self) -> None:
        rows = self.ctx_run(
            lambda ctx: [
                (e.id, e.kind, e.amount_cents, e.net_cents, e.created_at)
                for e in ctx.session.scalars(
                    select(LedgerEntry).where(LedgerEntry.partner_id == self.partner_id)
                )
            ]
        )
        current = {r[0]: r for r in rows}
        for entry_id, row in self.seen_ledger.items():
            assert current.get(entry_id) == row
        self.seen_ledger = current

    @invariant()
    def net_never_exceeds_nominal(self) -> None:
        rows = self.ctx_run(
            lambda ctx: [
                (e.kind, e.amount_cents, e.net_cents)
                for e in ctx.session.scalars(
                    select(LedgerEntry).where(LedgerEntry.partner_id == self.partner_id)
                )
            ]
        )
        for kind, amount, net in rows:
            assert abs(net) <= abs(amount), (kind, amount, net)
            if kind == "top_up":
                exact = amount * (10_000 - top_up_discount_bp(amount))
                assert abs(net * 10_000 - exact) <= 5_000  # rounded once, to the cent


def test_wallet_state_machine(settings_fixture: Settings) -> None:
    WalletMachine.app_settings = settings_fixture
    WalletMachine.TestCase.settings = settings(
        max_examples=60,
        stateful_step_count=30,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    WalletMachine.TestCase().runTest()
