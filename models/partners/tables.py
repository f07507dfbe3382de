"""Trading partners (customers, distributors, suppliers), users and their API tokens."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import peewee

from models.core.base import BaseModel, MoneyField, utc_now
from models.core.registry import register_tables

PARTNER_KINDS = ("customer", "distributor", "supplier")
ROLES = ("ops_admin", "ops_agent", "credit_controller", "sales_manager", "supplier", "distributor")
OPS_ROLES = ("ops_admin", "ops_agent", "credit_controller", "sales_manager")
# A role listed here must be bound to a partner of that kind.
ROLE_PARTNER_KIND = {"supplier": "supplier", "distributor": "distributor"}
# A token's last use is noted at most this often, so a busy integration does not write on every call.
LAST_USED_PRECISION = timedelta(minutes=1)


class Partner(BaseModel):
    """A customer, a distributor (a customer that also serves customers) or a supplier."""

    code = peewee.CharField(max_length=64, unique=True)
    name = peewee.CharField(max_length=200)
    kind = peewee.CharField(max_length=16, index=True)
    distributor = peewee.ForeignKeyField("self", null=True, backref="served_customers", on_delete="SET NULL")
    email = peewee.CharField(max_length=254, default="")
    region = peewee.CharField(max_length=64, default="")
    credit_limit = MoneyField(null=True)  # NULL: no limit
    # A distributor's cap on the exposure of all the customers it serves together, in its currency; NULL: none.
    group_credit_limit = MoneyField(null=True)
    payment_terms_days = peewee.IntegerField(default=30)
    outstanding_balance = MoneyField(default=0)
    blocked = peewee.BooleanField(default=False)
    allow_backorders = peewee.BooleanField(default=True)  # False: a line no source can fill is held at review
    lead_time_days = peewee.IntegerField(null=True)  # suppliers
    auto_replenish = peewee.BooleanField(default=False)  # suppliers: suggestions for their SKUs order themselves
    currency = peewee.CharField(max_length=3, default="USD")  # of its credit limit and statements
    customer_group = peewee.CharField(max_length=64, default="")  # picks the group's price list; "" = none
    locale = peewee.CharField(max_length=16, default="")  # of the documents it receives; "" = English
    created_at = peewee.DateTimeField(default=utc_now)
    updated_at = peewee.DateTimeField(default=utc_now)

    class Meta:
        constraints = [peewee.Check("kind IN ('customer', 'distributor', 'supplier')")]

    @property
    def is_buyer(self) -> bool:
        return self.kind in ("customer", "distributor")


class User(BaseModel):
    email = peewee.CharField(max_length=254, unique=True)
    password_hash = peewee.CharField(max_length=255)
    role = peewee.CharField(max_length=32)
    partner = peewee.ForeignKeyField(Partner, null=True, backref="users", on_delete="RESTRICT")
    active = peewee.BooleanField(default=True)
    created_at = peewee.DateTimeField(default=utc_now)
    # Part of every session's id: raising it (sign-out, new password, deactivation, lock-out) ends the user's
    # sessions everywhere, including a copied cookie.
    session_version = peewee.IntegerField(default=0)
    locale = peewee.CharField(max_length=16, default="")  # the portal's language; "" = the browser's choice

    @property
    def is_ops(self) -> bool:
        return self.role in OPS_ROLES


class LoginThrottle(BaseModel):
    """Recent wrong passwords for one email, known or not, and the lock-out they led to."""

    email = peewee.CharField(max_length=254, unique=True)  # as typed, trimmed and lower-cased
    failures = peewee.IntegerField(default=0)
    last_failure_at = peewee.DateTimeField()
    locked_until = peewee.DateTimeField(null=True)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(BaseModel):
    """A bearer token; only its SHA-256 is stored, the token itself is shown once at creation."""

    user = peewee.ForeignKeyField(User, backref="tokens", on_delete="CASCADE")
    token_hash = peewee.CharField(max_length=64, unique=True)
    prefix = peewee.CharField(max_length=12)
    created_at = peewee.DateTimeField(default=utc_now)
    last_used_at = peewee.DateTimeField(null=True)
    revoked_at = peewee.DateTimeField(null=True)
    name = peewee.CharField(max_length=100, default="")  # what the owner uses it for
    expires_at = peewee.DateTimeField(null=True)  # NULL: until revoked

    @classmethod
    def issue(cls, user: User, *, name: str = "", expires_at: datetime | None = None) -> str:
        """Create a token for ``user`` and return its clear text (never stored)."""
        token = "oms_" + secrets.token_urlsafe(32)
        cls.create(user=user, token_hash=hash_token(token), prefix=token[:12], name=name, expires_at=expires_at)
        return token

    @classmethod
    def user_for(cls, token: str, *, now: datetime | None = None) -> User | None:
        """The active user a live (unrevoked, unexpired) token belongs to, noting when it was used."""
        now = now or utc_now()
        row = (cls.select(cls, User).join(User)
               .where(cls.token_hash == hash_token(token), cls.revoked_at.is_null(),
                      cls.expires_at.is_null() | (cls.expires_at > now), User.active == True)  # noqa: E712
               .first())
        if row is None:
            return None
        if row.last_used_at is None or row.last_used_at < now - LAST_USED_PRECISION:
            cls.update(last_used_at=now).where(cls.id == row.id).execute()
        return row.user

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= utc_now()


register_tables(Partner, User, LoginThrottle, ApiToken)
