"""API tokens as their owners and ops admins manage them: created with a name and an optional expiry (the clear
token shown once), listed by prefix, revoked."""
from __future__ import annotations

from datetime import datetime, timedelta

import peewee

from models.core.base import utc_now
from models.core.errors import NotFound, ValidationFailed
from models.core.text_messages import TextMessage
from models.core.texts import Text
from models.partners.tables import ApiToken, User, hash_token

MAX_NAME = 100
MAX_EXPIRY_DAYS = 3650


def create_token(user: User, *, name: str = "", expires_days: int | None = None,
                 now: datetime | None = None) -> tuple[ApiToken, str]:
    """Issue a token for ``user``; returns the row and the clear token, which is not kept anywhere."""
    name = name.strip()
    if len(name) > MAX_NAME:
        raise ValidationFailed({"name": [TextMessage(Text("at most %(most)s characters", most=MAX_NAME))]})
    if expires_days is not None and not 1 <= expires_days <= MAX_EXPIRY_DAYS:
        raise ValidationFailed({"expires_days": [TextMessage(Text("from 1 to %(most)s days, or none for no expiry",
                                                                   most=MAX_EXPIRY_DAYS))]})
    expires_at = (now or utc_now()) + timedelta(days=expires_days) if expires_days is not None else None
    clear = ApiToken.issue(user, name=name, expires_at=expires_at)
    return ApiToken.get(ApiToken.token_hash == hash_token(clear)), clear


def tokens_of(user_id: int) -> peewee.ModelSelect:
    """Every token of one user, revoked ones too, newest first."""
    return ApiToken.select().where(ApiToken.user == user_id).order_by(ApiToken.id.desc())


def unrevoked_tokens(*, before: int | None = None) -> peewee.ModelSelect:
    """Tokens of every user not revoked yet (expired ones too), newest first, with their owner; ``before`` is the
    id of the last token of the page before."""
    query = (ApiToken.select(ApiToken, User).join(User)
             .where(ApiToken.revoked_at.is_null()).order_by(ApiToken.id.desc()))
    return query.where(ApiToken.id < before) if before is not None else query


def revoke_token(token_id: int, *, owner_id: int | None = None, now: datetime | None = None) -> bool:
    """Revoke one token (only if it belongs to ``owner_id`` when given); False when there was none to revoke."""
    query = ApiToken.update(revoked_at=now or utc_now()).where(ApiToken.id == token_id, ApiToken.revoked_at.is_null())
    if owner_id is not None:
        query = query.where(ApiToken.user == owner_id)
    return query.execute() > 0


def revoke_by_prefix(prefix: str, *, now: datetime | None = None) -> ApiToken:
    """Revoke the one unrevoked token whose prefix is ``prefix`` (as lists show it); NotFound when none,
    ValidationFailed when several share it."""
    prefix = prefix.strip().rstrip("…")  # as copied from a list
    matches = list(ApiToken.select(ApiToken, User).join(User)
                   .where(ApiToken.prefix == prefix, ApiToken.revoked_at.is_null()).limit(2))
    if not matches:
        raise NotFound(TextMessage(Text("no unrevoked token with prefix %(prefix)s", prefix=repr(prefix))))
    if len(matches) > 1:
        raise ValidationFailed({"prefix": [TextMessage(Text(
            "%(prefix)s names more than one token; revoke it in the portal", prefix=repr(prefix)))]})
    revoke_token(matches[0].id, now=now)
    return matches[0]
