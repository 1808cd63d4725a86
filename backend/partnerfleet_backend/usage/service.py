"""Usage: the seats a product reports in use."""

from datetime import timedelta

from partnerfleet_backend.kit.errors import ValidationFailed
from partnerfleet_backend.license import service as licenses
from partnerfleet_backend.models import UsageReport
from partnerfleet_backend.pipeline.context import Ctx
from partnerfleet_backend.usage import repository
from partnerfleet_backend.usage.schemas import UsageCreate


def report_usage(ctx: Ctx, partner_id: str, license_id: str, body: UsageCreate) -> UsageReport:
    """Record the seats the product reports in use; the newest report is the license's
    `used_seats`."""
    lic = licenses.get(ctx, partner_id, license_id)
    at = body.at or ctx.now
    if at.tzinfo is None:
        raise ValidationFailed("at must carry a time zone (RFC 3339)", field="at")
    if at > ctx.now + timedelta(minutes=5):
        raise ValidationFailed("at lies in the future", field="at")
    report = UsageReport(license_id=lic.id, used=body.used, at=at, created_at=ctx.now)
    ctx.session.add(report)
    latest = repository.latest_report_at(ctx.session, lic.id)
    if latest is None or at >= latest:
        lic.used_seats = body.used
    ctx.session.flush()
    return report
