"""License keys: made at assignment, validated by the product without an API key."""

import secrets

from sqlalchemy.orm import Session

from partnerfleet_backend.db.engines import run_in_transaction
from partnerfleet_backend.kit.errors import RateLimited
from partnerfleet_backend.kit.ratelimit import take_shared
from partnerfleet_backend.license import repository
from partnerfleet_backend.models import VALIDATING
from partnerfleet_backend.operations.clock import current_time
from partnerfleet_backend.settings import get_settings

KEY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_license_key() -> str:
    """25 random characters (about 125 bits) in five groups: PF-XXXXX-XXXXX-..."""
    chars = "".join(secrets.choice(KEY_ALPHABET) for _ in range(25))
    return "PF-" + "-".join(chars[i : i + 5] for i in range(0, 25, 5))


def validate_from(client: str, key: str) -> dict[str, object]:
    """Validity, product, edition, seats and expiry of a key, nothing else; 429 when `client`
    (the peer address, or what a trusted proxy says it is) asks too often, counted across all
    workers and hosts."""
    settings = get_settings()

    def work(session: Session) -> dict[str, object]:
        allowed, retry_after = take_shared(
            session, f"validate:{client}", settings.validate_rate_per_minute
        )
        if not allowed:
            error = RateLimited("too many validations from this address; slow down")
            error.headers["Retry-After"] = str(retry_after)
            raise error
        now = current_time(session, settings)
        lic = repository.by_key(session, key)
        usable = (
            lic is not None
            and lic.status in VALIDATING
            and (lic.ends_at is None or lic.ends_at > now)
        )
        if lic is None or not usable:
            return {"valid": False}
        return {
            "valid": True,
            "product": lic.product,
            "edition": lic.edition,
            "seats": lic.seats,
            "expires_at": lic.ends_at,
        }

    return run_in_transaction(work, settings)
