"""Usage: the seats a product reports in use."""

from datetime import timedelta

from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.kit.errors import (
    Conflict,
    Forbidden,
    NotFound,
    RateLimited,
    ValidationFailed,
)
from partnerfleet_backend.kit.ratelimit import take_shared
from partnerfleet_backend.license import repository as licenses_repository
from partnerfleet_backend.license import service as licenses
from partnerfleet_backend.models import CHANGEABLE, License, UsageReport
from partnerfleet_backend.usage import repository
from partnerfleet_backend.usage.schemas import UsageCreate


class UsageByTheProduct(Forbidden):
    code = "usage_is_reported_by_the_product"


class LicenseNotInForce(Conflict):
    code = "license_not_active"


# How late a report may arrive (a product that was offline for a while sends what it measured).
LATEST_REPORT = timedelta(hours=48)


def refuse_partner_report(ctx: Ctx, partner_id: str, license_id: str) -> None:
    """Usage is the product's evidence of use, and the partner is the billed party: a partner
    reads usage but never writes it (its own license first, so another's stays a 404)."""
    licenses.get(ctx, partner_id, license_id)
    raise UsageByTheProduct(
        "usage is reported by the product with its license key: "
        "POST /v1/license-keys/{license_key}/usage; partners read it at "
        f"GET /v1/licenses/{license_id}/usage"
    )


def report_from_product(ctx: Ctx, license_key: str, body: UsageCreate) -> UsageReport:
    """A product reports the seats it uses, authenticated by the license key it holds."""
    lic = licenses_repository.by_key(ctx.session, license_key)
    if lic is None:
        raise NotFound("no license has this key", field="license_key")
    allowed, retry_after = take_shared(
        ctx.session, f"usage:{lic.id}", ctx.settings.usage_reports_per_minute
    )
    if not allowed:
        error = RateLimited("too many usage reports for this license; report at most once a second")
        error.headers["Retry-After"] = str(retry_after)
        raise error
    if lic.status not in CHANGEABLE:
        raise LicenseNotInForce(f"the license is {lic.status}: it takes no usage reports")
    report = _record(ctx, lic, body)
    ctx.audit(
        "usage.reported",
        "license",
        lic.id,
        partner_id=lic.partner_id,
        before=None,
        after={"used": report.used, "at": report.at.isoformat(), "by": "product"},
    )
    return report


def list_reports(
    ctx: Ctx, partner_id: str, license_id: str, limit: int, cursor: str | None
) -> tuple[list[UsageReport], str | None]:
    """A license's usage reports, oldest first."""
    lic = licenses.get(ctx, partner_id, license_id)
    return repository.reports_page(ctx.session, lic.id, limit, cursor)


def _record(ctx: Ctx, lic: License, body: UsageCreate) -> UsageReport:
    """Store a report; the newest one is the license's `used_seats`."""
    at = body.at or ctx.now
    if at.tzinfo is None:
        raise ValidationFailed("at must carry a time zone (RFC 3339)", field="at")
    if at > ctx.now + timedelta(minutes=5):
        raise ValidationFailed("at lies in the future", field="at")
    if at < ctx.now - LATEST_REPORT:
        raise ValidationFailed(
            f"at lies more than {LATEST_REPORT.days * 24} hours in the past: a usage report is "
            "sent when it is measured (a late one could change a month that is billed already)",
            field="at",
        )
    if lic.starts_at is not None and at < lic.starts_at:
        raise ValidationFailed("at lies before the license started", field="at")
    report = UsageReport(license_id=lic.id, used=body.used, at=at, created_at=ctx.now)
    ctx.session.add(report)
    latest = repository.latest_report_at(ctx.session, lic.id)
    if latest is None or at >= latest:
        lic.used_seats = body.used
    ctx.session.flush()
    return report
