"""A unique index the database enforced, answered as the 409 of the rule it holds.

The database, not a check before the insert, holds the "at most one" rules; when two
requests race, the second one's insert fails here. The answer names the rule and never the
values (an error text can carry a new license key).
"""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Index, Table
from sqlalchemy.exc import IntegrityError

from partnerfleet_backend.kit.errors import Conflict

RULES: dict[str, tuple[str, str]] = {
    "uq_addons_single_option": ("addon_already_active", "this option is already active"),
    "uq_licenses_one_trial": (
        "trial_already_used",
        "this customer org already had a trial of this product",
    ),
    "uq_licenses_partner_reference": ("reference_exists", "a license has this reference"),
    "uq_customers_partner_reference": ("reference_exists", "a customer has this reference"),
    "uq_licenses_partner_client_reference": (
        "client_reference_exists",
        "a license has this client_reference",
    ),
    "uq_access_requests_one_pending": (
        "access_request_pending",
        "a request of yours waits for this customer's answer: resend or withdraw it",
    ),
    "uq_partner_invitations_one_pending": (
        "invitation_pending",
        "an invitation of this organisation waits for a partner's answer: resend or withdraw it",
    ),
    "uq_tender_offers_tender_id_partner_id": (
        "offer_exists",
        "you answered this request already",
    ),
    "uq_top_up_requests_one_open": (
        "top_up_pending",
        "a top-up request of yours waits for its payment",
    ),
    "uq_ledger_entries_refunds_entry_id": (
        "already_refunded",
        "this purchase was undone already",
    ),
    "uq_addons_partner_client_reference": (
        "client_reference_exists",
        "an add-on has this client_reference",
    ),
}


class RuleConflict(Conflict):
    """A conflict with a stable code taken from the rule."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code


def _by_columns(tables: list[Table]) -> dict[str, str]:
    """SQLite names the columns, not the index: 'licenses.customer_id, licenses.product'."""
    found: dict[str, str] = {}
    for table in tables:
        for index in table.indexes:
            if isinstance(index, Index) and index.unique and index.name:
                columns = ", ".join(f"{table.name}.{c.name}" for c in index.columns)
                found[columns] = str(index.name)
    return found


def conflict_of(error: IntegrityError) -> Conflict | None:
    """The 409 for a unique index of ours, or None (another integrity error: a bug)."""
    from partnerfleet_backend.models import Base

    original = error.orig
    name = getattr(getattr(original, "diag", None), "constraint_name", None)
    if name is None:
        text = str(original)
        if "UNIQUE constraint failed: " in text:
            columns = text.split("UNIQUE constraint failed: ", 1)[1].strip()
            name = _by_columns(list(Base.metadata.tables.values())).get(columns)
    if name not in RULES:
        return None
    code, detail = RULES[name]
    return RuleConflict(code, f"{detail} (another request got there first)")


@contextmanager
def rules_held() -> Iterator[None]:
    """A unique index of ours that the database enforced is answered as its rule's 409 (the
    API's writes and the portal's alike); any other integrity error is a bug and goes on."""
    try:
        yield
    except IntegrityError as violated:
        conflict = conflict_of(violated)
        if conflict is None:
            raise
        raise conflict from None
