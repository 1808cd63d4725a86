"""What the portal's pages show that no API body has: a table page, a form's fields."""

from dataclasses import dataclass, field
from typing import Any

from pydantic import Field

from partnerfleet_backend.kit.schemas import Email, InputModel


@dataclass
class FormField:
    name: str
    label: str
    value: Any = None
    type: str = "text"
    choices: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class TablePage:
    heading: str
    columns: list[str]
    rows: list[list[Any]]
    next_url: str | None = None


class InvitationForm(InputModel):
    """Who is invited: one address, a name a person reads (no control characters), a role."""

    email: Email
    name: str = Field(default="", max_length=200)
    role: str = Field(min_length=1, max_length=60)
