"""A signed-in person confirms a grave step with its password (ending a partnership)."""

from sqlalchemy.orm import Session

from partnerfleet_backend.accounts import repository
from partnerfleet_backend.accounts.service import matches, verifying
from partnerfleet_backend.db.engines import run_in_transaction
from partnerfleet_backend.kit.errors import RateLimited, ServiceError
from partnerfleet_backend.kit.ratelimit import take_shared
from partnerfleet_backend.settings import Settings


class PasswordNotConfirmed(ServiceError):
    status = 403
    code = "password_not_confirmed"
    title = "Password not confirmed"


def confirm_password(settings: Settings, user_id: str, password: str) -> None:
    """A signed-in person confirms a grave step (ending a partnership) with its password;
    at most five tries a minute per person, then 429."""

    def look(session: Session) -> tuple[bool, int, str | None]:
        allowed, retry_after = take_shared(session, f"confirm:{user_id}", 5)
        user = repository.get_user(session, user_id)
        return allowed, retry_after, user.password_hash if user is not None else None

    allowed, retry_after, stored = run_in_transaction(look, settings)
    if not allowed:
        refused = RateLimited(f"too many tries; wait {retry_after} seconds")
        refused.headers["Retry-After"] = str(retry_after)
        raise refused
    with verifying.taken(wait=10):
        right = matches(stored, password)
    if stored is None or not right:
        raise PasswordNotConfirmed("that is not your password", field="password")
