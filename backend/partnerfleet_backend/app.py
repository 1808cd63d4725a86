"""The application factory: every domain's router behind the request pipeline."""

from fastapi import FastAPI

from partnerfleet_backend import __version__
from partnerfleet_backend.addon.endpoints import router as addon_router
from partnerfleet_backend.audit.endpoints import router as audit_router
from partnerfleet_backend.catalog.endpoints import router as catalog_router
from partnerfleet_backend.customer.endpoints import router as customer_router
from partnerfleet_backend.keys.endpoints import router as keys_router
from partnerfleet_backend.kit.redact import install_log_redaction
from partnerfleet_backend.license.endpoints import router as license_router
from partnerfleet_backend.notification.endpoints import router as notification_router
from partnerfleet_backend.operations.endpoints import router as operations_router
from partnerfleet_backend.overview.endpoints import router as overview_router
from partnerfleet_backend.partner.endpoints import router as partner_router
from partnerfleet_backend.pipeline.contract import install_contract
from partnerfleet_backend.pipeline.middleware import RequestIdAndBodyLimit
from partnerfleet_backend.pipeline.problems import install_problem_handlers
from partnerfleet_backend.plan.endpoints import router as plan_router
from partnerfleet_backend.quota.endpoints import router as quota_router
from partnerfleet_backend.settings import get_settings
from partnerfleet_backend.support.endpoints import router as support_router
from partnerfleet_backend.usage.endpoints import router as usage_router
from partnerfleet_backend.wallet.endpoints import router as wallet_router

ROUTERS = (
    partner_router,
    keys_router,
    wallet_router,
    customer_router,
    license_router,
    usage_router,
    addon_router,
    support_router,
    plan_router,
    overview_router,
    quota_router,
    catalog_router,
    notification_router,
    audit_router,
    operations_router,
)


def create_app() -> FastAPI:
    """The service."""
    settings = get_settings()
    install_log_redaction()
    app = FastAPI(
        title="partnerfleet licensing backend",
        version=__version__,
        description="The vendor's partner-program service: partners, wallet, customer orgs, "
        "licenses, add-ons and support levels. Errors are application/problem+json with a "
        "stable `code`. Money is integer cents, percentages integer basis points.",
    )
    install_problem_handlers(app)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    for router in ROUTERS:
        app.include_router(router)
    install_contract(app)
    app.add_middleware(
        RequestIdAndBodyLimit,
        max_body_bytes=settings.max_body_bytes,
        read_seconds=settings.request_read_seconds,
    )
    return app
