"""The priced plan for people and machines: a terminal table, a pull-request comment, JSON."""

import json
from decimal import Decimal
from typing import Any

MARKER = "<!-- partnerfleet-plan -->"  # CI finds its comment by this and updates it in place

EFFECTIVE = {
    "now": "now",
    "renewal": "renewal",
    "trial_end": "trial end",
    "period_end": "period end",
    "monthly_in_arrears": "monthly",
}


def euros(cents: int | None, *, sign: bool = False) -> str:
    """Cents as EUR with two decimals and thousands separators."""
    if cents is None:
        return "-"
    text = f"{abs(cents) / 100:,.2f}"
    if cents < 0:
        return f"-{text}"
    return f"+{text}" if sign and cents > 0 else text


def _when(change: dict[str, Any]) -> str:
    effective = EFFECTIVE.get(change["effective"], change["effective"])
    at = change.get("effective_at")
    return f"{effective} {at[:10]}" if at and change["effective"] != "now" else effective


# Refusals that only the customer's admins (or the vendor) can lift: access and who pays are
# theirs to grant, never the partner's key's.
CUSTOMER_GRANTS = ("access_limited", "access_granted_by_customer")


def warnings(plan: dict[str, Any], customers: dict[str, str]) -> list[str]:
    """What a reviewer must read first: refusals, forfeits, under-licensing, quota, expiry."""
    found = []
    for change in plan["changes"]:
        refused = change["refused"]
        if refused is None:
            continue
        if refused["code"] == "insufficient_credit":
            found.append(
                f"{change['label']}: REFUSED, not enough credit: needs "
                f"{euros(refused['needed_cents'])}, available {euros(refused['available_cents'])} "
                f"(short {euros(refused['shortfall_cents'])} EUR)"
            )
        elif refused["code"] in CUSTOMER_GRANTS:
            found.append(
                f"{change['label']}: WAITS FOR THE CUSTOMER ({refused['code']}): "
                f"{refused['detail']}"
            )
        else:
            found.append(f"{change['label']}: REFUSED ({refused['code']}): {refused['detail']}")
    if any(change["refused"] for change in plan["changes"]):
        applied = [
            change["label"]
            for change in plan["changes"]
            if change["refused"] is None and not change.get("skipped")
        ]
        found.append(
            "`partnerfleet up` refuses the whole up: nothing is applied. A bare `pulumi up` "
            "stops at the refused change; "
            + (
                f"these may apply before it stops: {', '.join(applied)}"
                if applied
                else "nothing else would apply"
            )
        )
    for change in plan["changes"]:
        if change["forfeit_cents"]:
            found.append(
                f"{change['label']}: forfeits {euros(change['forfeit_cents'])} EUR of prepaid "
                "term (no refund)"
            )
    found += _undone(plan)
    for lic in plan["under_licensed"]:
        label = lic["reference"] or lic["license_id"]
        where = lic.get("customer_label") or customers.get(lic["customer_id"], lic["customer_id"])
        found.append(
            f"{label} ({where}): under-licensed: {lic['used_seats']} seats in use, "
            f"{lic['seats']} licensed"
        )
    for lic in plan.get("rightsizing") or []:
        label = lic["reference"] or lic["license_id"]
        found.append(f"{label}: right-size before the renewal: {lic['rightsizing']['said']}")
    quota = plan["quota"]
    if not quota["enough"]:
        found.append(
            f"the up needs {quota['calls_needed']} API calls, {quota['remaining']} are left "
            "this month: buy an API-call pack first"
        )
    if plan["wallet"]["expiring_within_30_days_cents"]:
        found.append(
            f"{euros(plan['wallet']['expiring_within_30_days_cents'])} EUR of credit expire "
            "within 30 days: a top-up of any amount keeps it"
        )
    return found


def _undone(plan: dict[str, Any]) -> list[str]:
    """Purchases the up gives back (within the grace window of 168 hours)."""
    found = []
    for change in plan["changes"]:
        if change.get("refund_cents") or change.get("voided_cents"):
            given = [n for n in change["notes"] if n.startswith(("refund ", "voids invoice "))]
            found.append(f"{change['label']}: UNDONE within the grace window: {'; '.join(given)}")
    return found


def _rows(plan: dict[str, Any], customers: dict[str, str]) -> list[list[str]]:
    rows = []
    for change in plan["changes"]:
        customer = change.get("customer_label") or customers.get(change.get("customer_id") or "")
        if change["type"] == "customer":
            customer = change["label"]
        delta = change["monthly_after_cents"] - change["monthly_before_cents"]
        notes = list(change["notes"])
        now = euros(change["charge_now_cents"])
        if change.get("refund_cents") and not change["charge_now_cents"]:
            now = euros(-change["refund_cents"])  # given back to the wallet
        if change.get("invoiced_cents"):  # the customer pays this one, not the wallet
            now = f"{euros(change['invoiced_cents'])} inv."
            notes.insert(
                0,
                f"the customer pays: invoiced {euros(change['invoiced_cents'])} EUR, your "
                f"cashback {euros(change['cashback_cents'])} EUR when it is paid",
            )
        note = "; ".join(notes)
        if change["refused"] is not None:
            waits = change["refused"]["code"] in CUSTOMER_GRANTS
            note = (
                f"{'WAITS FOR THE CUSTOMER' if waits else 'REFUSED'}: {change['refused']['code']}"
            )
        elif change.get("skipped"):
            note = "NOT RUN: " + note
        rows.append(
            [
                customer or "-",
                change["label"],
                f"{change['action']} {change['type']}",
                now,
                _when(change),
                euros(delta, sign=True),
                note,
            ]
        )
    return sorted(rows, key=lambda row: (row[0], row[1]))


HEADER = ["customer", "object", "change", "now (EUR)", "from", "monthly", "notes"]


def _summary(plan: dict[str, Any]) -> list[str]:
    totals, wallet, level = plan["totals"], plan["wallet"], plan["level"]
    expires = f", expires {wallet['expires_at'][:10]}" if wallet["expires_at"] else ""
    invoiced = (
        [
            f"invoiced to customers that pay for themselves {euros(totals['invoiced_cents'])} EUR"
            f" (not from your wallet; your cashback {euros(totals['cashback_cents'])} EUR when "
            "they pay)"
        ]
        if totals.get("invoiced_cents")
        else []
    )
    undone = (
        [
            f"refunded now {euros(totals['refund_cents'])} EUR nominal "
            f"({euros(totals['refund_net_cents'])} EUR net) for purchases undone within 168 hours"
            + (
                f"; invoices voided {euros(totals['voided_cents'])} EUR"
                if totals.get("voided_cents")
                else ""
            )
        ]
        if totals.get("refund_cents") or totals.get("voided_cents")
        else []
    )
    return [
        f"charged now {euros(totals['charge_now_cents'])} EUR nominal "
        f"({euros(totals['charge_now_net_cents'])} EUR net through your lots)",
        *undone,
        *invoiced,
        f"forfeited {euros(totals['forfeit_cents'])} EUR",
        f"monthly run-rate {euros(totals['monthly_before_cents'])} -> "
        f"{euros(totals['monthly_after_cents'])} EUR "
        f"({euros(totals['monthly_delta_cents'], sign=True)})",
        f"wallet {euros(wallet['available_before_cents'])} -> "
        f"{euros(wallet['available_after_cents'])} EUR available{expires}",
        f"level next month: {level['next_month']} (now {level['current']})"
        + "".join(f"; {reason}" for reason in level.get("next_month_reasons") or []),
        f"API calls for the up: {plan['quota']['calls_needed']} "
        f"of {plan['quota']['remaining']:,} left this month",
    ]


def table(plan: dict[str, Any], customers: dict[str, str]) -> str:
    """A terminal table a reviewer reads in five seconds: warnings first."""
    lines = []
    refused = sum(1 for c in plan["changes"] if c["refused"] is not None)
    head = f"partnerfleet plan: {len(plan['changes'])} change(s)"
    lines.append(head + (f", {refused} REFUSED" if refused else ""))
    for warning in warnings(plan, customers):
        lines.append(f"  ! {warning}")
    rows = _rows(plan, customers)
    if rows:
        widths = [
            min(max(len(str(r[i])) for r in [HEADER, *rows]), 40 if i != 6 else 200)
            for i in range(len(HEADER))
        ]
        lines.append("")
        for row in [HEADER, *rows]:
            cells = [
                str(cell)[: widths[i]].rjust(widths[i])
                if i in (3, 5)
                else str(cell)[: widths[i]].ljust(widths[i])
                for i, cell in enumerate(row)
            ]
            lines.append("  ".join(cells).rstrip())
    lines.append("")
    lines.extend(_summary(plan))
    return "\n".join(lines) + "\n"


def markdown(plan: dict[str, Any], customers: dict[str, str]) -> str:
    """A pull-request comment; the hidden marker lets CI update one comment in place."""
    out = [MARKER, "### partnerfleet plan", ""]
    found = warnings(plan, customers)
    if found:
        out += [f"> :warning: {w}" for w in found] + [""]
    out += ["| " + " | ".join(_summary(plan)) + " |", "|" + "---|" * len(_summary(plan)), ""]
    rows = _rows(plan, customers)
    if rows:
        out.append("| " + " | ".join(HEADER) + " |")
        out.append(
            "|" + "|".join("---:" if i in (3, 5) else "---" for i in range(len(HEADER))) + "|"
        )
        for row in rows:
            out.append("| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |")
    else:
        out.append("No partnerfleet changes.")
    out += ["", f"<sub>Planned at {plan['planned_at']} with the backend's own prices.</sub>", ""]
    return "\n".join(out)


def _decimal(cents: int) -> str:
    return str(Decimal(cents) / 100)


def as_json(plan: dict[str, Any], customers: dict[str, str]) -> str:
    """For machines, in the spirit of Infracost's: past, new and delta monthly totals and
    per-resource components (as decimal strings), plus what is charged now, the wallet,
    refusals and warnings; cents as integers beside them, and the backend's plan itself."""
    totals = plan["totals"]
    document = {
        "version": "1",
        "currency": plan["currency"],
        "pastTotalMonthlyCost": _decimal(totals["monthly_before_cents"]),
        "totalMonthlyCost": _decimal(totals["monthly_after_cents"]),
        "diffTotalMonthlyCost": _decimal(totals["monthly_delta_cents"]),
        "chargeNow": _decimal(totals["charge_now_cents"]),
        "chargeNowNet": _decimal(totals["charge_now_net_cents"]),
        "forfeit": _decimal(totals["forfeit_cents"]),
        "invoicedToCustomers": _decimal(totals.get("invoiced_cents", 0)),
        "cashbackWhenPaid": _decimal(totals.get("cashback_cents", 0)),
        "refused": plan["refused"],
        "warnings": warnings(plan, customers),
        "wallet": plan["wallet"],
        "level": plan["level"],
        "quota": plan["quota"],
        "resources": [
            {
                "name": change["key"],
                "label": change["label"],
                "customer": change.get("customer_label")
                or customers.get(change.get("customer_id") or ""),
                "action": change["action"],
                "type": change["type"],
                "payer": change.get("payer", "partner"),
                "pastMonthlyCost": _decimal(change["monthly_before_cents"]),
                "monthlyCost": _decimal(change["monthly_after_cents"]),
                "components": [
                    {"name": "charge now", "cost": _decimal(change["charge_now_cents"])},
                    {"name": "charge now (net)", "cost": _decimal(change["charge_now_net_cents"])},
                    {"name": "forfeit", "cost": _decimal(change["forfeit_cents"])},
                    {"name": "invoiced", "cost": _decimal(change.get("invoiced_cents", 0))},
                    {"name": "cashback", "cost": _decimal(change.get("cashback_cents", 0))},
                ],
                "effective": change["effective"],
                "effectiveAt": change["effective_at"],
                "refused": change["refused"],
                "notes": change["notes"],
            }
            for change in plan["changes"]
        ],
        "plan": plan,
    }
    return json.dumps(document, indent=2) + "\n"
