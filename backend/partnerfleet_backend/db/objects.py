"""A session's objects from the rows a compiled statement (`db.compiled`) read: an object made
from such a row as if the ORM had loaded it (its changes are then written by the session's own
flush, guarded by its version like every versioned write)."""

from typing import Any, TypeVar, cast

from sqlalchemy import inspect
from sqlalchemy.orm import Session, make_transient_to_detached

M = TypeVar("M")


def columns_of(model: type[Any]) -> tuple[str, ...]:
    """The names of a mapped class's column attributes, in mapper order."""
    return tuple(attribute.key for attribute in inspect(model).column_attrs)


def persistent(session: Session, model: type[M], values: dict[str, Any]) -> M:
    """An object of `model` for a row read by a prepared statement (`values`: every column
    attribute), held by the session as if an ORM query had loaded it: the object the session
    already holds for that row if any (as a query returns it), else a new one whose values
    count as the database's (nothing to flush until it is changed)."""
    mapper = inspect(model)
    primary_key = tuple(values[mapper.get_property_by_column(c).key] for c in mapper.primary_key)
    held = session.identity_map.get(session.identity_key(model, primary_key))
    if held is not None:
        return cast(M, held)
    # As the ORM's own loading makes one: no constructor, the values straight into the
    # object's state (setting them one by one through the attributes cost more than the read)
    made = mapper.class_manager.new_instance()
    made.__dict__.update(values)
    make_transient_to_detached(made)
    session.add(made)
    return cast(M, made)
