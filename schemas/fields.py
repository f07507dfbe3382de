"""Field types shared by the API schemas."""
from __future__ import annotations

from datetime import datetime, timezone

from marshmallow import fields


class UtcDateTime(fields.DateTime):
    """A stored (naive, UTC) timestamp, written as ISO 8601 with its +00:00 offset."""

    def _serialize(self, value: datetime | None, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return super()._serialize(value, attr, obj, **kwargs)
