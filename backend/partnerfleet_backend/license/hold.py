"""The vendor's hold on a license: the operator suspends it (the product stops accepting its
key) and lifts it. The term, renewals and charges go on; the usage check leaves a held license
alone; the partner sees the hold and its reason, and cannot lift it."""

from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.kit.errors import Conflict, NotFound
from partnerfleet_backend.license import repository
from partnerfleet_backend.models import CHANGEABLE, License, LicenseStatus


class NotHeld(Conflict):
    code = "license_not_held"


class CannotHold(Conflict):
    code = "license_not_active"


def _license(ctx: Ctx, partner_id: str, license_id: str) -> License:
    lic = repository.get(ctx.session, license_id)
    if lic is None or lic.partner_id != partner_id:
        raise NotFound(f"license {license_id} not found")
    return lic


def hold(ctx: Ctx, partner_id: str, license_id: str, reason: str) -> License:
    """Suspend the license until lifted (the same reason again: nothing changes)."""
    lic = _license(ctx, partner_id, license_id)
    if lic.held_at is not None:
        if lic.hold_reason == reason:
            return lic
        raise Conflict(f"license {license_id} is held already ({lic.hold_reason})")
    if lic.status not in CHANGEABLE:
        raise CannotHold(f"the license is {lic.status}: there is nothing to suspend")
    before = {"status": lic.status}
    lic.held_status, lic.status = lic.status, LicenseStatus.SUSPENDED
    lic.held_at, lic.hold_reason, lic.updated_at = ctx.now, reason, ctx.now
    lic.version += 1
    ctx.audit(
        "license.held",
        "license",
        lic.id,
        partner_id=partner_id,
        before=before,
        after={"status": lic.status, "reason": reason},
    )
    return lic


def lift(ctx: Ctx, partner_id: str, license_id: str) -> License:
    """End the hold: the license is back where it was (the usage check may flag it again)."""
    lic = _license(ctx, partner_id, license_id)
    if lic.held_at is None:
        raise NotHeld(f"license {license_id} is not held")
    before = {"status": lic.status, "reason": lic.hold_reason}
    if lic.status == LicenseStatus.SUSPENDED:  # not cancelled or lapsed meanwhile
        lic.status = lic.held_status or LicenseStatus.ACTIVE
    lic.held_at = lic.hold_reason = lic.held_status = None
    lic.updated_at = ctx.now
    lic.version += 1
    ctx.audit(
        "license.hold_lifted",
        "license",
        lic.id,
        partner_id=partner_id,
        before=before,
        after={"status": lic.status},
    )
    return lic
