"""Which partners a calendar step works for: all of them (the usual run), one alone (a step
retried partner by partner after it failed), or all but some (those whose last try failed,
retried on their own so that one partner's fault never stops the others)."""

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, true
from sqlalchemy.orm import QueryableAttribute


@dataclass(frozen=True)
class PartnerScope:
    only: frozenset[str] | None = None
    skip: frozenset[str] = frozenset()

    @classmethod
    def one(cls, partner_id: str) -> "PartnerScope":
        return cls(only=frozenset({partner_id}))

    def where(self, column: ColumnElement[str] | QueryableAttribute[str]) -> ColumnElement[bool]:
        """The condition on a partner id column (always true for every partner)."""
        clauses: list[ColumnElement[bool]] = []
        if self.only is not None:
            clauses.append(column.in_(sorted(self.only)))
        if self.skip:
            clauses.append(column.not_in(sorted(self.skip)))
        return and_(true(), *clauses)

    def holds(self, partner_id: str) -> bool:
        """The same condition in Python."""
        return (self.only is None or partner_id in self.only) and partner_id not in self.skip


EVERY = PartnerScope()
