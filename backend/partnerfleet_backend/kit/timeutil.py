"""Calendar arithmetic in UTC."""

import calendar
from datetime import UTC, date, datetime


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time `months` later, clamped to the month's end (31 Jan + 1 -> 28 Feb)."""
    month_index = moment.month - 1 + months
    year = moment.year + month_index // 12
    month = month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def start_of_next_month(moment: datetime) -> datetime:
    """00:00:00 UTC on the 1st of the month after `moment`."""
    first = moment.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return add_months(first, 1)


def whole_days(start: date, end: date) -> int:
    """Whole calendar days from `start` to `end` (0 when `end` is not after `start`)."""
    return max((end - start).days, 0)


def isoformat_z(moment: datetime) -> str:
    """RFC 3339 in UTC with a ``Z`` suffix."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def period_of(moment: datetime) -> str:
    """The calendar month of `moment` in UTC, as YYYY-MM."""
    moment = moment.astimezone(UTC)
    return f"{moment.year:04d}-{moment.month:02d}"


def start_of_month(moment: datetime) -> datetime:
    """00:00:00 UTC on the 1st of the month of `moment`."""
    return moment.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def months_between(start: datetime, end: datetime) -> int:
    """Calendar months from the month of `start` to the month of `end`."""
    return (end.year - start.year) * 12 + end.month - start.month
