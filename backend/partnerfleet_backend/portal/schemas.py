"""What the portal's pages show that no API body has: a table page, a form's fields."""

from dataclasses import dataclass, field
from typing import Any


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
