"""What each context registers when its tables module is imported: its tables, in an order they can be created
in, and the table holding the status of each entity it owns. Lets core serve every context without importing one."""
from __future__ import annotations

import peewee

from models.core.errors import InvalidTransition
from models.core.text_messages import TextMessage
from models.core.texts import Text

_tables: list[type[peewee.Model]] = []
_status_tables: dict[str, type[peewee.Model]] = {}


def register_tables(*tables: type[peewee.Model]) -> None:
    """Declare a context's tables; call after the tables they reference are declared (their module imported)."""
    for table in tables:
        if table not in _tables:
            _tables.append(table)


def register_status_table(entity: str, table: type[peewee.Model]) -> None:
    """Declare which table holds ``entity``'s ``status``, so ``transition(entity, …)`` can update it."""
    known = _status_tables.get(entity)
    if known is not None and known is not table:
        raise ValueError(f"{entity!r} already has its status in {known.__name__}, not {table.__name__}")
    _status_tables[entity] = table


def registered_tables() -> list[type[peewee.Model]]:
    return list(_tables)


def status_table(entity: str) -> type[peewee.Model]:
    try:
        return _status_tables[entity]
    except KeyError:
        known = ", ".join(sorted(_status_tables)) or "none yet"
        raise InvalidTransition(TextMessage(Text(
            "unknown entity %(entity)s; registered: %(known)s (import the context's tables module first)",
            entity=repr(entity), known=known))) from None
