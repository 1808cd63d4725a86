"""A session's objects and the prepared statements (`kit.prepared`): an object made from a row a
prepared statement read, as if the ORM had loaded it, and an object's changes written by one
prepared UPDATE, as the ORM's flush writes them."""

from typing import Any, TypeVar, cast

from sqlalchemy import bindparam, inspect, update
from sqlalchemy.orm import Session, make_transient, make_transient_to_detached
from sqlalchemy.orm.exc import StaleDataError

from partnerfleet_backend.db.compiled import Prepared

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


_UPDATES: dict[tuple[type, tuple[str, ...]], Prepared] = {}


def write_changes(session: Session, obj: object) -> None:
    """Write the changed columns of `obj`, an object the session holds, now, as the ORM's flush
    would write them (only the changed ones; a mapped version column guards the row the same
    way: bumped, and a row changed meanwhile raises StaleDataError), with one statement
    compiled once per set of columns, without the unit of work around it. The object then
    counts as the database's again (nothing left to flush)."""
    state = inspect(obj)
    mapper = state.mapper
    values = state.dict
    changed = tuple(
        sorted(key for key, old in state.committed_state.items() if values.get(key) != old)
    )
    if not changed:
        return
    version = mapper.version_id_col
    version_key = None if version is None else mapper.get_property_by_column(version).key
    keys = (*changed, version_key) if version_key and version_key not in changed else changed
    params = {key: values[key] for key in changed}
    if version_key is not None:
        params["expected_version"] = values[version_key]
        params[version_key] = mapper.version_id_generator(values[version_key])
    identity = [mapper.get_property_by_column(c).key for c in mapper.primary_key]
    params.update({f"pk_{key}": values[key] for key in identity})
    statement = _UPDATES.get((mapper.class_, keys)) or _updating(mapper, keys, identity)
    if not statement.first(session, params):
        raise StaleDataError(
            f"UPDATE of {mapper.local_table.name} expected to update 1 row; 0 were matched"
        )
    if version_key is not None:
        values[version_key] = params[version_key]
    # The public way to say "these values are the database's": detach, forget, hold again.
    session.expunge(obj)
    make_transient(obj)
    make_transient_to_detached(obj)
    session.add(obj)


def _updating(mapper: Any, keys: tuple[str, ...], identity: list[str]) -> Prepared:
    table = mapper.local_table
    column = {key: mapper.get_property(key).columns[0] for key in (*keys, *identity)}
    condition = [column[key] == bindparam(f"pk_{key}") for key in identity]
    if mapper.version_id_col is not None:
        condition.append(mapper.version_id_col == bindparam("expected_version"))
    statement = (
        update(table)
        .where(*condition)
        .values({column[key].name: bindparam(key, type_=column[key].type) for key in keys})
        .returning(*(column[key] for key in identity))
    )
    made = _UPDATES[(mapper.class_, keys)] = Prepared(statement)
    return made
