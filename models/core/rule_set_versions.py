"""Versioned configuration documents (review rules, allocation rules, return rules): every change is a new row
and the newest row is the version in force, so each decision can name the version that made it."""
from __future__ import annotations

import json
from typing import Protocol, TypeVar

import peewee

from models.core.base import BaseModel, utc_now
from models.core.db import database, is_sqlite
from models.core.errors import InvariantViolated, RuleSetChanged

Version = TypeVar("Version", bound="RuleSetVersion")


class Document(Protocol):
    def to_document(self) -> dict: ...


class RuleSetVersion(BaseModel):
    """Base of a table of configuration versions; a subclass reads its settings from ``document_json``."""

    document_json = peewee.TextField()
    created_by = peewee.CharField(max_length=254)
    note = peewee.CharField(max_length=500, default="")
    created_at = peewee.DateTimeField(default=utc_now)

    @property
    def version(self) -> int:
        return self.id

    @classmethod
    def record(cls, settings: Document, *, actor: str, note: str = ""):
        """Make ``settings`` the version in force, unchecked: editors go through ``save_rule_set``."""
        return cls.create(document_json=json.dumps(settings.to_document(), sort_keys=True),
                          created_by=actor, note=note[:500])

    @classmethod
    def in_force(cls, defaults: Document):
        """The newest version; a table still empty records ``defaults`` as its first version."""
        newest = cls.newest()
        return newest if newest is not None else cls.record(defaults, actor="system", note="defaults")

    @classmethod
    def newest(cls):
        return cls.select().order_by(cls.id.desc()).first()

    @classmethod
    def lock_versions(cls) -> None:
        """Hold the table against other savers until the transaction ends (call inside one).

        PostgreSQL: SHARE ROW EXCLUSIVE conflicts with itself and with every INSERT, where a row lock on the
        newest version would not stop a new row; SQLite: the IMMEDIATE transaction already holds the write lock.
        """
        if not is_sqlite():
            database.execute(peewee.NodeList((peewee.SQL("LOCK TABLE"), cls._meta.entity,
                                              peewee.SQL("IN SHARE ROW EXCLUSIVE MODE"))))


def save_rule_set(table: type[Version], settings: Document, *, expected_version: int | None, actor: str,
                  note: str = "") -> Version:
    """Record ``settings`` as the next version of ``table`` if the newest is still ``expected_version``, else
    raise RuleSetChanged; ``None`` skips the check and is for system callers (migrations, defaults) only."""
    with database.atomic("IMMEDIATE") if is_sqlite() else database.atomic():
        table.lock_versions()
        if expected_version is not None:
            # read after the lock, in a new statement: on PostgreSQL that sees a version committed while we waited
            newest = table.newest()
            if newest is None:
                raise InvariantViolated(f"{table.__name__} has no version yet; version 1 comes from the migration")
            if newest.version != expected_version:
                raise RuleSetChanged(expected_version, newest)
        return table.record(settings, actor=actor, note=note)
