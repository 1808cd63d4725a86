"""The calendar's bills (renewals, trial conversions, usage bills): each item to whoever pays
for its customer, with the same rule as a single order (`service.bill`): the partner's wallet
through the run's `JobCharges` (False where its credit cannot pay), or an invoice to the
customer, appended to the unit of work like every invoice (always issued; unpaid, it lapses
later)."""

from partnerfleet_backend.billing import repository
from partnerfleet_backend.billing.service import invoice_row
from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.level.service import LEVELS
from partnerfleet_backend.wallet.batch import JobCharges
from partnerfleet_backend.wallet.service import Charge

# (customer id, amount in cents, what)
Bill = tuple[str, int, Charge]


class JobBills:
    def __init__(self, ctx: Ctx, charges: JobCharges, customer_ids: set[str]) -> None:
        self.ctx, self.charges = ctx, charges
        self.self_paying = repository.self_paying(ctx.session, customer_ids)
        self.rates = {
            partner_id: LEVELS[level].cashback_bp
            for partner_id, level in repository.levels_of(
                ctx.session, set(self.self_paying.values())
            ).items()
        }

    def bill(self, partner_id: str, bills: list[Bill]) -> list[bool]:
        """Bill each item in order; False where the partner pays and its credit cannot."""
        theirs = [cid in self.self_paying for cid, _, _ in bills]
        paid = iter(
            self.charges.charge(
                partner_id,
                [
                    (amount, what)
                    for (_, amount, what), t in zip(bills, theirs, strict=True)
                    if not t
                ],
            )
        )
        results: list[bool] = []
        for (customer_id, amount, what), invoiced in zip(bills, theirs, strict=True):
            if not invoiced:
                results.append(next(paid))
                continue
            if amount > 0:
                invoice_row(self.ctx, partner_id, customer_id, amount, what, self.rates[partner_id])
            results.append(True)
        return results
