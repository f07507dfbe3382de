"""Versioned configuration documents (review rules, allocation rules): every change is a new row and the
newest row is the version in force, so each decision can name the version that made it."""
from __future__ import annotations

import json

import peewee

from models.core.base import BaseModel, utc_now


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
    def record(cls, settings, *, actor: str, note: str = ""):
        """Make ``settings`` (anything with ``to_document()``) the version in force."""
        return cls.create(document_json=json.dumps(settings.to_document(), sort_keys=True),
                          created_by=actor, note=note[:500])

    @classmethod
    def in_force(cls, defaults):
        """The newest version; a table still empty records ``defaults`` as its first version."""
        newest = cls.select().order_by(cls.id.desc()).first()
        return newest if newest is not None else cls.record(defaults, actor="system", note="defaults")
