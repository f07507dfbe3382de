"""Fixed-window rate limits kept in the database, so every portal process counts the same hits."""
from __future__ import annotations

from datetime import datetime, timedelta

import peewee

from models.core.base import BaseModel, utc_now
from models.core.db import database
from models.core.registry import register_tables


class RateLimitWindow(BaseModel):
    key = peewee.CharField(max_length=128)
    window_start = peewee.DateTimeField()
    hits = peewee.IntegerField(default=0)

    class Meta:
        indexes = ((("key", "window_start"), True),)


def allow_hit(key: str, *, limit: int, window: timedelta, now: datetime | None = None) -> bool:
    """Count one hit for ``key`` in the current window; False once the window already holds ``limit`` hits."""
    now = now or utc_now()
    seconds = int(window.total_seconds())
    start = _window_start(now, seconds)
    with database.atomic():
        counted = (RateLimitWindow.update(hits=RateLimitWindow.hits + 1)
                   .where(RateLimitWindow.key == key, RateLimitWindow.window_start == start,
                          RateLimitWindow.hits < limit).execute())
        if counted:
            return True
        try:
            with database.atomic():
                RateLimitWindow.create(key=key, window_start=start, hits=1)
            return limit >= 1
        except peewee.IntegrityError:  # the window exists and is full
            return False


def forget_old_windows(*, older_than: timedelta) -> int:
    """Delete counters of windows that ended long ago; returns how many rows went."""
    return RateLimitWindow.delete().where(RateLimitWindow.window_start < utc_now() - older_than).execute()


def seconds_until_next_window(now: datetime, window: timedelta) -> int:
    """Whole seconds until the fixed window holding ``now`` ends (windows start at multiples of it since 1970)."""
    seconds = int(window.total_seconds())
    elapsed = int((now - datetime(1970, 1, 1)).total_seconds())
    return seconds - elapsed % seconds


def _window_start(now: datetime, seconds: int) -> datetime:
    epoch = datetime(1970, 1, 1)
    elapsed = int((now - epoch).total_seconds())
    return epoch + timedelta(seconds=elapsed - elapsed % seconds)


register_tables(RateLimitWindow)
