"""A second factor for people who sign in (issue 27): a time-based code (TOTP, RFC 6238, from
any authenticator app; `pyotp` computes it) and ten recovery codes for a lost phone.

- A person turns it on by scanning the secret and confirming one code; the recovery codes are
  shown once (only their hashes are kept). Turning it off takes a code, and is refused where
  it is required.
- The operator's people always need it; a partner's admin can require it of all the
  partner's people. Whoever must have it and has not is signed in only to set it up.
- After the right password, a session with it asks for the code before anything else; a
  code is accepted once (never the same time step twice), five wrong codes end that sign-in
  (the password is asked again, and the address's sign-in limit counts the attempts).
- Times are wall-clock times (the business clock does not move a phone's clock).
- The TOTP key is kept sealed with the server's key (`kit/sealed.py`), bound to its person;
  the functions that read it take the server's key (`Settings.resolved_secret_key`).
"""

import hashlib
import hmac
import logging
import secrets
from datetime import datetime

import pyotp
import segno
from sqlalchemy.orm import Session

from partnerfleet_backend.accounts import repository
from partnerfleet_backend.audit.service import own_account_event
from partnerfleet_backend.kit import sealed
from partnerfleet_backend.kit.errors import Conflict, ValidationFailed
from partnerfleet_backend.models import RecoveryCode, SessionStage, User, UserKind, WebSession
from partnerfleet_backend.operations.clock import utcnow

ISSUER = "partnerfleet"
STEP_SECONDS = 30
DRIFT_STEPS = 1  # a code of the step before or after is accepted (a phone's clock drifts)
CODE_TRIES = 5  # wrong codes per sign-in before the password is asked again
RECOVERY_CODES = 10
SEALED_FOR = "totp secret"  # the purpose the key is sealed for (kit/sealed.py)
log = logging.getLogger("partnerfleet.accounts")


class SecondFactorRequired(Conflict):
    code = "second_factor_required"


def must_have(user: User, *, partner_requires: bool) -> bool:
    """Whether `user` must have a second factor: operators always; a partner's people when its
    admin asks it (`partner_requires`); customers' people when they choose."""
    if user.kind == UserKind.OPERATOR:
        return True
    return user.kind == UserKind.PARTNER and partner_requires


def required(session: Session, user: User) -> bool:
    """`must_have`, the partner's policy read now."""
    partner_requires = user.kind == UserKind.PARTNER and bool(
        user.partner_id and repository.requires_second_factor(session, user.partner_id)
    )
    return must_have(user, partner_requires=partner_requires)


def stage_after_password(session: Session, user: User) -> SessionStage:
    """Where the right password gets a person: the code next, setting it up, or in."""
    if user.totp_enabled_at is not None:
        return SessionStage.CODE
    return SessionStage.ENROL if required(session, user) else SessionStage.FULL


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _audit(session: Session, user: User, action: str, **after: object) -> None:
    own_account_event(session, user, action, None, after)


def _secret(user: User, key: bytes) -> str | None:
    """The person's TOTP key, opened; None without one, or when it does not open with this
    server's key (then only a recovery code signs in, and the operator is told in the log)."""
    if user.totp_secret is None:
        return None
    try:
        return sealed.open_sealed(key, SEALED_FOR, user.totp_secret, user.id)
    except sealed.Unsealable:
        log.warning("the second factor of user %s does not open with the server's key", user.id)
        return None


def begin(user: User, key: bytes) -> str:
    """The secret to scan (new, or the one waiting to be confirmed)."""
    if user.totp_enabled_at is not None:
        raise Conflict("the second factor is on already")
    secret = _secret(user, key)
    if secret is None:
        secret = pyotp.random_base32()
        user.totp_secret = sealed.seal(key, SEALED_FOR, secret, user.id)
    return secret


def qr_svg(user: User, secret: str) -> tuple[str, str]:
    """The provisioning URI an authenticator app reads, and it as an inline SVG QR code."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    return uri, segno.make(uri, error="m").svg_inline(scale=4, border=2)


def _accept(user: User, code: str, now: datetime, key: bytes) -> bool:
    """Whether `code` is the user's code now (a step either side), not used before; the step
    is remembered so that it is never accepted again."""
    code = code.strip().replace(" ", "")
    if len(code) != 6 or not code.isdigit():
        return False
    secret = _secret(user, key)
    if secret is None:
        return False
    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    now_step = int(now.timestamp()) // STEP_SECONDS
    for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
        if user.totp_last_step is not None and step <= user.totp_last_step:
            continue
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            user.totp_last_step = step
            return True
    return False


def confirm(session: Session, user: User, code: str, key: bytes) -> list[str]:
    """Turn the second factor on with a first code from the app: the recovery codes (shown
    once)."""
    if user.totp_enabled_at is not None:
        raise Conflict("the second factor is on already")
    if not _accept(user, code, utcnow(), key):
        raise ValidationFailed(
            "that code is not the one the app shows now; check the phone's time", field="code"
        )
    user.totp_enabled_at = utcnow()
    _audit(session, user, "user.second_factor_enabled")
    return new_recovery_codes(session, user)


def new_recovery_codes(session: Session, user: User) -> list[str]:
    """Ten new recovery codes (the old ones stop working); only their hashes are kept."""
    repository.drop_recovery_codes(session, user.id)
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    now = utcnow()
    repository.add_recovery_codes(
        session,
        [RecoveryCode(id=_digest(c), user_id=user.id, created_at=now) for c in codes],
    )
    session.flush()
    return codes


def renew_recovery_codes(session: Session, user: User, code: str, key: bytes) -> list[str]:
    """New recovery codes, for a person who proves the second factor with a code."""
    if user.totp_enabled_at is None or not _accept(user, code, utcnow(), key):
        raise ValidationFailed("that code is not the one the app shows now", field="code")
    _audit(session, user, "user.recovery_codes_renewed")
    return new_recovery_codes(session, user)


def turn_off(session: Session, user: User, code: str, key: bytes) -> None:
    """Turn it off with a current code; refused where it is required."""
    if required(session, user):
        raise SecondFactorRequired(
            "your account must have a second factor (the operator's people always, a partner's "
            "people when its admin requires it)"
        )
    if user.totp_enabled_at is None or not _accept(user, code, utcnow(), key):
        raise ValidationFailed("that code is not the one the app shows now", field="code")
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
    repository.drop_recovery_codes(session, user.id)
    _audit(session, user, "user.second_factor_disabled")


def prove(session: Session, web: WebSession, user: User, code: str, key: bytes) -> bool | None:
    """The second step of a sign-in: True (signed in), False (wrong; tries left) or None
    (the last try was wrong: this sign-in is ended). A recovery code works once in place of
    the app's code."""
    code = code.strip().lower()
    repository.user_locked(session, user.id)  # two requests with one code: the second waits
    if "-" in code:
        right = repository.use_recovery_code(session, user.id, _digest(code), utcnow())
        how = "recovery_code"
    else:
        right = _accept(user, code, utcnow(), key)
        how = "app"
    if right:
        web.stage = SessionStage.FULL
        web.code_failures = 0
        left = repository.recovery_codes_left(session, user.id) if how == "recovery_code" else None
        _audit(session, user, "user.second_factor_passed", by=how, recovery_codes_left=left)
        return True
    web.code_failures += 1
    _audit(session, user, "user.second_factor_failed", tries=web.code_failures)
    if web.code_failures >= CODE_TRIES:
        repository.end_session(session, web.id)
        return None
    return False


def set_policy(session: Session, by_user_id: str, partner_id: str, require: bool) -> None:
    """A partner's admin requires (or stops requiring) a second factor of all its people."""
    by = repository.get_user(session, by_user_id)
    assert by is not None
    repository.set_second_factor_policy(session, partner_id, require)
    _audit(session, by, "partner.second_factor_policy", partner_id=partner_id, required=require)


def page(session: Session, user_id: str, key: bytes) -> dict[str, object]:
    """What the person's own page shows: on or off, required or not; to set it up the secret
    (new, or the one waiting) with its QR code; once on, the recovery codes left."""
    user = repository.get_user(session, user_id)
    assert user is not None
    shown: dict[str, object] = {
        "on": user.totp_enabled_at is not None,
        "required": required(session, user),
    }
    if user.totp_enabled_at is None:
        secret = begin(user, key)
        uri, svg = qr_svg(user, secret)
        shown.update(secret=secret, uri=uri, qr=svg)
    else:
        shown["left"] = repository.recovery_codes_left(session, user.id)
    return shown
