"""Usage on the calendar: monthly bills of usage-billed licenses, and the over-limit check of
prepaid ones."""

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from partnerfleet_backend.billing.batch import JobBills
from partnerfleet_backend.catalog.pricing import UsageBill as UsageBillFigures
from partnerfleet_backend.catalog.pricing import usage_bill
from partnerfleet_backend.catalog.service import load_catalog
from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.kit.scope import EVERY, PartnerScope
from partnerfleet_backend.kit.timeutil import add_months, period_of, start_of_month
from partnerfleet_backend.license import repository as licenses
from partnerfleet_backend.models import FLAGGED, LicenseStatus
from partnerfleet_backend.notification.service import Note, notify
from partnerfleet_backend.usage import repository
from partnerfleet_backend.wallet.batch import JobCharges, rows_by_partner
from partnerfleet_backend.wallet.service import Charge

OVER_LIMIT_DAYS, SUSPEND_DAYS, USAGE_WINDOW_DAYS = 3, 10, 30


def bill_usage(ctx: Ctx, scope: PartnerScope = EVERY) -> int:
    """On the 1st (or the first run after it): bill last month's peak usage.

    Set-based, like the renewals: the bills are claimed in bulk (a bill another runner made
    first is skipped), the billed licenses locked and read as rows, their partners' wallets
    charged together (`JobCharges`), and the licenses, ledger rows, notifications and audit
    events written in bulk.
    """
    this_month = start_of_month(ctx.now)
    last_month = add_months(this_month, -1)
    period = period_of(last_month)
    catalog = load_catalog(ctx.session)
    due = repository.unbilled(ctx.session, catalog.usage_products, period, this_month, scope)
    if not due:
        return 0
    state = {row["id"]: row for row in licenses.lock_rows(ctx.session, due)}
    peaks = repository.peaks(ctx.session, due, last_month, this_month)
    bills: dict[str, UsageBillFigures] = {}
    for lic in state.values():
        unit = catalog.unit_cents(lic["product"], "business", lic["edition"], None)
        bills[lic["id"]] = usage_bill(peaks.get(lic["id"], 0), lic["seats"], unit)
    claimed = repository.claim_bills(
        ctx.session,
        [
            {
                "license_id": license_id,
                "period": period,
                "peak_used": bill.peak,
                "amount_cents": bill.amount_cents,
                "charged": False,
                "created_at": ctx.now,
            }
            for license_id, bill in bills.items()
        ],
    )
    by_partner = rows_by_partner(state[license_id] for license_id in sorted(claimed))
    charges = JobCharges(ctx, set(by_partner))
    to_payers = JobBills(ctx, charges, {state[lid]["customer_id"] for lid in claimed})
    paid_ids: list[str] = []
    notes: list[Note] = []
    events: list[dict[str, Any]] = []
    for partner_id, billed in by_partner.items():
        paid = to_payers.bill(
            partner_id,
            [
                (
                    lic["customer_id"],
                    bills[lic["id"]].amount_cents,
                    Charge(
                        f"{lic['product']} {period}: peak {bills[lic['id']].peak}, "
                        f"billed {bills[lic['id']].units}",
                        "license",
                        lic["id"],
                        covers=(last_month, this_month),
                        units=bills[lic["id"]].units,
                    ),
                )
                for lic in billed
            ],
        )
        for lic, ok in zip(billed, paid, strict=True):
            amount = bills[lic["id"]].amount_cents
            if ok:
                paid_ids.append(lic["id"])
                lic["monthly_nominal_cents"] = amount
                continue
            events.append(
                {
                    "action": "license.lapsed",
                    "object_type": "license",
                    "object_id": lic["id"],
                    "partner_id": partner_id,
                    "before": {"status": lic["status"]},
                    "after": {"status": LicenseStatus.LAPSED.value, "unpaid_usage_bill": period},
                }
            )
            lic["status"] = LicenseStatus.LAPSED.value
            left = charges.available(partner_id)
            notes.append(
                (
                    partner_id,
                    "license_lapsed",
                    f"license {lic['id']} lapsed: the usage bill for {period} ({amount} cents) "
                    "could not be paid from the credit",
                    f"usage-lapsed:{lic['id']}:{period}",
                    {"license_id": lic["id"], "needed_cents": amount, "available_cents": left},
                )
            )
    repository.mark_charged(ctx.session, paid_ids, period)
    changed = [lic for rows in by_partner.values() for lic in rows]
    columns = ("status", "monthly_nominal_cents")
    charges.finish(licenses.TABLE, changed, columns, notes, events, touch=False)
    return len(claimed)


def check_usage_limits(ctx: Ctx, scope: PartnerScope = EVERY) -> dict[str, int]:
    """Over its seats on 3+ days in 30: over_limit; on 10+: suspended; raising seats heals."""
    since = ctx.now - timedelta(days=USAGE_WINDOW_DAYS)
    peaks: dict[str, dict[date, int]] = defaultdict(dict)
    reports = repository.reports_of_prepaid_in_force(ctx.session, since, ctx.now, scope)
    for license_id, at, used in reports:
        day = at.date()
        peaks[license_id][day] = max(peaks[license_id].get(day, 0), used)
    flagged = {"over_limit": 0, "suspended": 0, "cleared": 0}
    candidates = set(peaks) | set(licenses.ids_with_status(ctx.session, list(FLAGGED), scope))
    for license_id in candidates:
        lic = licenses.get_locked(ctx.session, license_id)
        if lic is None or lic.seats is None or lic.held_at is not None:
            continue  # nothing to count, or held by the vendor: the vendor decides
        days_over = sum(1 for used in peaks.get(license_id, {}).values() if used > lic.seats)
        status = (
            LicenseStatus.SUSPENDED
            if days_over >= SUSPEND_DAYS
            else LicenseStatus.OVER_LIMIT
            if days_over >= OVER_LIMIT_DAYS
            else LicenseStatus.ACTIVE
        )
        if status == lic.status:
            continue
        key = "cleared" if status == LicenseStatus.ACTIVE else str(status)
        ctx.audit(
            f"license.usage_{key}",
            "license",
            lic.id,
            partner_id=lic.partner_id,
            before={"status": lic.status},
            after={"status": status.value, "days_over": days_over, "seats": lic.seats},
        )
        lic.status = status
        lic.updated_at = ctx.now
        flagged[key] += 1
        if status != LicenseStatus.ACTIVE:
            notify(
                ctx,
                lic.partner_id,
                f"license_{status}",
                f"license {lic.id} used more than its {lic.seats} seats on {days_over} of the "
                f"last {USAGE_WINDOW_DAYS} days; raise its seats to resolve it",
                dedupe_key=f"{status}:{lic.id}:{ctx.now.date()}",
                data={"license_id": lic.id, "days_over": days_over, "seats": lic.seats},
            )
    return flagged
