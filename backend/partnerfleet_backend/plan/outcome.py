"""What one planned change does, gathered while the real operation runs."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from partnerfleet_backend.catalog.pricing import term_price_cents
from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.kit.errors import ServiceError
from partnerfleet_backend.models import AddOn, AddOnStatus, License, LicenseStatus
from partnerfleet_backend.plan.schemas import Effective, PlanChange, PlannedChange, Refusal


def _eur(cents: int) -> str:
    return f"{cents / 100:,.2f} EUR"


@dataclass
class _Before:
    seats: int | None
    edition: str
    term_months: int | None
    auto_renew: bool


@dataclass
class Outcome:
    change: PlanChange
    id: str | None = None
    customer_id: str | None = None
    refused: Refusal | None = None
    effective: Effective = "now"
    effective_at: datetime | None = None
    renewal_at: datetime | None = None  # where a license's next-term change waits
    monthly_before: int = 0
    monthly_after: int = 0
    from_renewal: int | None = None
    forfeit: int = 0
    refund: int = 0
    refund_net: int = 0
    voided: int = 0
    notes: list[str] = field(default_factory=list)
    before: _Before | None = None
    # The API calls the provider makes for this change in `pulumi up`: one request, and one
    # more for a create that first looks for what it may adopt (a SupportLevel's create always
    # looks for a premium-support option bought outside the program).
    calls: int = 1

    def __post_init__(self) -> None:
        self.id = self.change.id
        looks_first = self.change.inputs.get("adopt") or self.change.type == "support"
        if self.change.action == "create" and looks_first:
            self.calls = 2

    # results ---------------------------------------------------------------------------------
    def refuse(self, error: ServiceError, *, shortfall: int | None = None) -> None:
        self.refused = Refusal(
            code=error.code,
            detail=error.detail,
            needed_cents=error.extra.get("needed_cents"),
            available_cents=error.extra.get("available_cents"),
            shortfall_cents=shortfall,
        )

    def skip(self, why: str) -> PlannedChange:
        """A change the up never runs: nothing of it applied, nothing priced."""
        self.note(why)
        return self.planned(0, 0).model_copy(
            update={"skipped": True, "monthly_after_cents": self.monthly_before, "api_calls": 0}
        )

    def planned(
        self, charge_nominal: int, charge_net: int, invoiced: tuple[int, int] = (0, 0)
    ) -> PlannedChange:
        """The change's line: what it draws from the credit, or invoices to its customer with
        the cashback that invoice promises."""
        refused = self.refused is not None
        effective, effective_at = self.effective, self.effective_at
        if self.renewal_at is not None and charge_nominal == invoiced[0] == 0 and not refused:
            effective, effective_at = "renewal", self.renewal_at
        return PlannedChange(
            key=self.change.key,
            label=self.change.label or self.change.key,
            action=self.change.action,
            type=self.change.type,
            id=self.id,
            customer_id=self.customer_id,
            refused=self.refused,
            charge_now_cents=charge_nominal,
            charge_now_net_cents=charge_net,
            payer="customer" if invoiced[0] else "partner",
            invoiced_cents=invoiced[0],
            cashback_cents=invoiced[1],
            effective=effective,
            effective_at=effective_at,
            monthly_before_cents=self.monthly_before,
            monthly_after_cents=self.monthly_before if refused else self.monthly_after,
            monthly_from_renewal_cents=None if refused else self.from_renewal,
            forfeit_cents=0 if refused else self.forfeit,
            refund_cents=0 if refused else self.refund,
            refund_net_cents=0 if refused else self.refund_net,
            voided_cents=0 if refused else self.voided,
            notes=[] if refused else self.notes,
            api_calls=self.calls,
        )

    def note(self, text: str) -> None:
        self.notes.append(text)

    def undone(self, refunds: list[dict[str, Any]], voided: list[dict[str, Any]]) -> None:
        """Purchases the change undid within the grace window: the refund entries it wrote
        (to the wallet) and the invoices it voided (to the customer)."""
        for entry in refunds:
            self.refund += entry["amount_cents"]
            self.refund_net += entry["net_cents"]
            self.note(f"refund {_eur(entry['amount_cents'])}: {entry['description']}")
        for invoice in voided:
            self.voided += invoice["amount_cents"]
            self.note(
                f"voids invoice {invoice['number']} of {_eur(invoice['amount_cents'])} to the "
                f"customer: {invoice['reason']}"
            )

    def adopted(self, object_id: str, *, changed: bool = True) -> None:
        """An existing object taken over (`changed`: its fields brought to the inputs, one
        call more than the look-up; else the look-up was all)."""
        self.id = object_id
        self.note(f"adopts the existing {self.change.type} {object_id}")
        if not changed:
            self.calls -= 1

    # licenses --------------------------------------------------------------------------------
    def license_created(self, lic: License, unit_cents: int) -> None:
        self.id, self.customer_id = lic.id, lic.customer_id
        self.monthly_after = _license_monthly(lic)
        if lic.status == LicenseStatus.TRIAL:
            self.effective, self.effective_at = "trial_end", lic.ends_at
            if lic.term_months and lic.seats and lic.ends_at:
                price = term_price_cents(lic.seats, unit_cents, lic.term_months)
                self.note(
                    f"free until {lic.ends_at.date()}, then {_eur(price)} for "
                    f"{lic.term_months} months (if auto-renew is on)"
                )
        elif lic.ends_at is None:
            self.effective = "monthly_in_arrears"
            self.note("billed monthly in arrears on the peak usage reported")

    def license_before(self, lic: License) -> None:
        self.id, self.customer_id = lic.id, lic.customer_id
        self.monthly_before = self.monthly_after = _license_monthly(lic)
        self.before = _Before(lic.seats, lic.edition, lic.term_months, lic.auto_renew)

    def license_updated(self, lic: License, monthly_from_renewal: int | None) -> None:
        self.monthly_after = _license_monthly(lic)
        before = self.before
        assert before is not None
        end = lic.ends_at.date() if lic.ends_at else None
        # lower now only within the grace window: undone, or bought again (`undone` says more)
        up = (lic.seats or 0) >= (before.seats or 0)
        how = "prorated to" if up else "within the grace window; term to"
        if lic.seats != before.seats:
            self.note(f"seats {before.seats} -> {lic.seats} now, {how} {end}")
        if lic.edition != before.edition:
            self.note(f"edition {before.edition} -> {lic.edition} now, {how} {end}")
        waiting = []
        if lic.seats_next_term is not None:
            waiting.append(f"seats {lic.seats} -> {lic.seats_next_term}")
        if lic.edition_next_term is not None:
            waiting.append(f"edition {lic.edition} -> {lic.edition_next_term}")
        if lic.term_months_next_term is not None:
            waiting.append(f"term {lic.term_months} -> {lic.term_months_next_term} months")
        if waiting:
            self.renewal_at = lic.ends_at
            self.note(f"{', '.join(waiting)} at the renewal on {end}; no refund")
        if monthly_from_renewal is not None and monthly_from_renewal != self.monthly_after:
            self.from_renewal = monthly_from_renewal
        if before.auto_renew and not lic.auto_renew:
            self.note(f"not renewed: ends on {end}")

    def license_cancelled(self, lic: License, forfeit: int) -> None:
        self.monthly_after = 0
        self.forfeit = forfeit
        if forfeit:
            end = lic.ends_at.date() if lic.ends_at else None
            self.note(f"cancels {_eur(forfeit)} of prepaid term (to {end}); no refund")

    # customers, add-ons, support -------------------------------------------------------------
    def customer(self, customer_id: str) -> None:
        self.id = self.customer_id = customer_id

    def addon(self, addon: AddOn, ctx: Ctx) -> None:
        self.id = addon.id
        self.monthly_after = addon_monthly(addon, ctx)
        if addon.status == AddOnStatus.INCLUDED:
            self.note("included in your level: not charged")
        elif addon.status == AddOnStatus.REQUESTED:
            self.note("a quote request: never charged")

    def addon_changed(self, addon: AddOn, monthly_before: int, ctx: Ctx) -> None:
        self.id = addon.id
        self.monthly_before = monthly_before
        self.monthly_after = addon_monthly(addon, ctx)
        if addon.status == AddOnStatus.ENDED and addon.price_cents and monthly_before:
            self.note("ends now: bought within the grace window")
        elif addon.cancelled_at is not None or not addon.auto_renew:
            self.effective_at_end(addon.period_end)
            self.note(f"runs to {addon.period_end.date()}, then ends; no refund")

    def support(self, level: str, source: str, monthly_before: int, monthly_after: int) -> None:
        self.monthly_before, self.monthly_after = monthly_before, monthly_after
        self.note(f"support {level} (from the {source})")

    def effective_at_end(self, at: datetime) -> None:
        self.effective, self.effective_at = "period_end", at


def _license_monthly(lic: License) -> int:
    """A license's part of the monthly run-rate (`License.run_rate_cents`: the level's rule)."""
    return lic.run_rate_cents


def addon_monthly(addon: AddOn | None, ctx: Ctx) -> int:
    """An add-on's part of the monthly run-rate (`AddOn.run_rate_at`: the level's rule)."""
    return 0 if addon is None else addon.run_rate_at(ctx.now)
