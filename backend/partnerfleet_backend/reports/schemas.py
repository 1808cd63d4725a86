"""Parameters of the report routes."""

from typing import Annotated

from fastapi import Path, Query

Month = Annotated[str, Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM (UTC)")]
MonthInPath = Annotated[str, Path(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM (UTC)")]
