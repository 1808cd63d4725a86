"""a person's TOTP key sealed with the server's key (kit/sealed.py) instead of kept as is: the
column widened, the keys already set up sealed in place

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 13:00:00
"""

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import context, op

from partnerfleet_backend.kit import sealed

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEALED_FOR = "totp secret"  # accounts/second_factor.py's purpose, as of this revision
users = sa.table("users", sa.column("id", sa.String), sa.column("totp_secret", sa.String))


def _server_key() -> bytes:
    key = context.config.attributes.get("server_key")
    if not isinstance(key, bytes):
        raise RuntimeError("run the migrations with `partnerfleet-backend migrate` (the key)")
    return key


def _rewrite(change: Callable[[bytes, str, str], str | None]) -> None:
    """Each set key through `change` (None: left as it is)."""
    key = _server_key()
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(users.c.id, users.c.totp_secret).where(users.c.totp_secret.is_not(None))
    ).all()
    for user_id, stored in rows:
        changed = change(key, user_id, stored)
        if changed is not None:
            connection.execute(
                users.update().where(users.c.id == user_id).values(totp_secret=changed)
            )


def _seal(key: bytes, user_id: str, stored: str) -> str | None:
    return None if sealed.is_sealed(stored) else sealed.seal(key, SEALED_FOR, stored, user_id)


def _open(key: bytes, user_id: str, stored: str) -> str | None:
    if not sealed.is_sealed(stored):
        return None
    return sealed.open_sealed(key, SEALED_FOR, stored, user_id)


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.alter_column(
            "totp_secret", existing_type=sa.String(length=64), type_=sa.String(length=128)
        )
    _rewrite(_seal)


def downgrade() -> None:
    _rewrite(_open)
    with op.batch_alter_table("users") as batch:
        batch.alter_column(
            "totp_secret", existing_type=sa.String(length=128), type_=sa.String(length=64)
        )
