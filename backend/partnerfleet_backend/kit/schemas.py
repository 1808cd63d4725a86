"""Base models for request and response bodies, and list pages."""

from typing import Annotated, Any, Generic, TypeVar

from email_validator import EmailNotValidError, validate_email
from fastapi import Query
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute, Session

T = TypeVar("T")

MAX_PAGE_SIZE = 100


# Bidirectional overrides and isolates: they make a value read differently from what it is.
_DIRECTION = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def unseen(char: str) -> bool:
    """C0 and C1 control characters (tab, CR, LF, ESC, BEL ...) and direction overrides."""
    code = ord(char)
    return code < 0x20 or 0x7F <= code <= 0x9F or char in _DIRECTION


class InputModel(BaseModel):
    """A request body: unknown fields are refused (no mass assignment), and no string carries
    NUL, control characters or direction overrides."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("must not contain NUL characters")
        if isinstance(value, str) and any(unseen(c) for c in value):
            raise ValueError(
                "must not contain control characters (escapes, bells, line breaks) or "
                "direction overrides: a person reads this value"
            )
        return value


class OutputModel(BaseModel):
    """A response body read from a row."""

    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[T]):
    """One page of a list; pass `next_cursor` as `cursor` for the next."""

    items: list[T]
    next_cursor: str | None = None


Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Page size, 1 to 100.")]
Cursor = Annotated[
    str | None, Query(max_length=64, description="`next_cursor` of the previous page.")
]


def page_rows(
    session: Session,
    statement: Select[T],
    id_column: InstrumentedAttribute[str],
    limit: int,
    cursor: str | None,
) -> tuple[list[T], str | None]:
    """Rows after `cursor` in id order, and the cursor of the next page."""
    if cursor:
        statement = statement.where(id_column > cursor)
    rows = list(session.scalars(statement.order_by(id_column).limit(limit + 1)))
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, str(getattr(rows[-1], id_column.key))
    return rows, None


def valid_email(value: str) -> str:
    """One mailbox, as email-validator reads it (no display name, no list, no line break, a
    domain with a dot), in its normal form; ValueError saying why not."""
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise ValueError(f"not one valid email address: {error}") from None


Email = Annotated[
    str,
    Field(max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
    AfterValidator(valid_email),
]

# Money, seats, terms and counts: JSON integers only (true, "5" and 1.0 are refused, not read
# as 1 or 5).
StrictInt = Annotated[int, Field(strict=True)]

# A name the catalog defines (product, edition, option): checked against the catalog in force.
CatalogName = Annotated[str, Field(min_length=1, max_length=40)]
