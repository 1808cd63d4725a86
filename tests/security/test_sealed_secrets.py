"""A person's TOTP key is kept sealed with the server's key (kit/sealed.py): a dump of the
users table shows no key an authenticator could be set up from; a sealed key copied into
another person's row does not open there; the migration seals the keys set up before it
(and its downgrade opens them again). On the suite's database (SQLite or PostgreSQL)."""

import base64
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from partnerfleet_backend.db.engines import alembic_config
from partnerfleet_backend.kit import sealed
from partnerfleet_backend.settings import Settings
from tests.portal.test_portal import signed_in
from tests.portal.test_second_factor import sign_in_with_code
from tests.support.api import PartnerHandle
from tests.support.database import execute, query
from tests.support.portal import make_user, set_up_second_factor, totp_code

KEY = b"k" * 32


def test_a_sealed_value_opens_only_with_its_key_purpose_and_row() -> None:
    stored = sealed.seal(KEY, "totp secret", "JBSWY3DPEHPK3PXP", "usr_a")
    assert stored.startswith("v1:") and "JBSWY3DPEHPK3PXP" not in stored
    assert sealed.open_sealed(KEY, "totp secret", stored, "usr_a") == "JBSWY3DPEHPK3PXP"
    assert sealed.seal(KEY, "totp secret", "JBSWY3DPEHPK3PXP", "usr_a") != stored  # a new nonce
    raw = bytearray(base64.urlsafe_b64decode(stored.removeprefix("v1:")))
    raw[20] ^= 1  # one bit of the sealed bytes (a base64 letter may only change unused bits)
    tampered = "v1:" + base64.urlsafe_b64encode(bytes(raw)).decode()
    for key, purpose, value, row in (
        (b"x" * 32, "totp secret", stored, "usr_a"),  # another server's key
        (KEY, "other", stored, "usr_a"),  # sealed for another purpose
        (KEY, "totp secret", stored, "usr_b"),  # another person's row
        (KEY, "totp secret", tampered, "usr_a"),
        (KEY, "totp secret", "JBSWY3DPEHPK3PXP", "usr_a"),  # never sealed
        (KEY, "totp secret", "v1:not base64!", "usr_a"),
    ):
        with pytest.raises(sealed.Unsealable):
            sealed.open_sealed(key, purpose, value, row)


def _stored(settings: Settings, email: str) -> dict[str, object]:
    rows = query(
        settings,
        "SELECT id, totp_secret, totp_enabled_at FROM users WHERE email = :e",
        e=email,
    )
    return rows[0]


def test_the_key_shown_to_scan_is_stored_sealed_and_opens_for_its_person_only(
    client: TestClient, partner: PartnerHandle, settings: Settings
) -> None:
    email = make_user(settings, "partner", "admin", partner_id=partner.id)
    secret, _ = set_up_second_factor(signed_in(client, email))
    row = _stored(settings, email)
    stored = str(row["totp_secret"])
    assert stored.startswith("v1:") and secret not in stored
    key = settings.resolved_secret_key()
    assert sealed.open_sealed(key, "totp secret", stored, str(row["id"])) == secret
    _, answer = sign_in_with_code(client, email, totp_code(secret, 1))
    assert answer.url.path == f"/portal/p/{partner.id}"

    # the same sealed value in another person's row opens nothing: the code is refused
    other = make_user(settings, "partner", "admin", partner_id=partner.id)
    execute(
        settings,
        "UPDATE users SET totp_secret = :s, totp_enabled_at = :at WHERE email = :e",
        s=stored,
        at=row["totp_enabled_at"],
        e=other,
    )
    _, refused = sign_in_with_code(client, other, totp_code(secret, -1))
    assert refused.status_code == 401


@pytest.fixture
def empty_database(settings: Settings) -> Iterator[str]:
    """A database of its own beside the suite's (a file, or a database on the same server)."""
    url = make_url(settings.resolved_database_url())
    name = f"pf_migration_{uuid.uuid4().hex[:8]}"
    if url.get_backend_name() == "sqlite":
        assert url.database is not None
        yield str(url.set(database=url.database.replace(".db", f"-{name}.db")))
        return
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
        admin.dispose()


def test_the_migration_seals_the_keys_set_up_before_it_and_its_downgrade_opens_them(
    empty_database: str,
) -> None:
    engine = create_engine(empty_database)
    config = alembic_config()
    config.attributes["server_key"] = KEY

    def migrate(step: str, to: str) -> None:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            (command.upgrade if step == "up" else command.downgrade)(config, to)

    def secret_of(user_id: str) -> str | None:
        with engine.connect() as connection:
            found: str | None = connection.execute(
                text("SELECT totp_secret FROM users WHERE id = :i"), {"i": user_id}
            ).scalar_one()
            return found

    try:
        migrate("up", "0019")
        with engine.begin() as connection:
            for user_id, secret in (("usr_one", "JBSWY3DPEHPK3PXP"), ("usr_two", None)):
                connection.execute(
                    text(
                        "INSERT INTO users (id, email, name, password_hash, kind, role, "
                        "failed_logins, created_at, totp_secret) VALUES (:i, :e, 'A', 'x', "
                        "'operator', 'admin', 0, :at, :s)"
                    ),
                    {
                        "i": user_id,
                        "e": f"{user_id}@x.example",
                        "at": datetime.now(UTC),
                        "s": secret,
                    },
                )
        migrate("up", "head")
        stored = secret_of("usr_one")
        assert stored is not None and stored.startswith("v1:") and "JBSWY3DPEHPK3PXP" not in stored
        assert sealed.open_sealed(KEY, "totp secret", stored, "usr_one") == "JBSWY3DPEHPK3PXP"
        assert secret_of("usr_two") is None  # none set up: left alone
        migrate("down", "0019")
        assert secret_of("usr_one") == "JBSWY3DPEHPK3PXP"
    finally:
        engine.dispose()
