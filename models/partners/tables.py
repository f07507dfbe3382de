"""Trading partners (customers, distributors, suppliers), users and their API tokens."""
from __future__ import annotations

import hashlib
import secrets

import peewee

from models.core.base import BaseModel, MoneyField, utc_now
from models.core.registry import register_tables

PARTNER_KINDS = ("customer", "distributor", "supplier")
ROLES = ("ops_admin", "ops_agent", "credit_controller", "supplier", "distributor")
OPS_ROLES = ("ops_admin", "ops_agent", "credit_controller")
# A role listed here must be bound to a partner of that kind.
ROLE_PARTNER_KIND = {"supplier": "supplier", "distributor": "distributor"}


class Partner(BaseModel):
    """A customer, a distributor (a customer that also serves customers) or a supplier."""

    code = peewee.CharField(max_length=64, unique=True)
    name = peewee.CharField(max_length=200)
    kind = peewee.CharField(max_length=16, index=True)
    distributor = peewee.ForeignKeyField("self", null=True, backref="served_customers", on_delete="SET NULL")
    email = peewee.CharField(max_length=254, default="")
    region = peewee.CharField(max_length=64, default="")
    credit_limit = MoneyField(null=True)  # NULL: no limit
    payment_terms_days = peewee.IntegerField(default=30)
    outstanding_balance = MoneyField(default=0)
    blocked = peewee.BooleanField(default=False)
    allow_backorders = peewee.BooleanField(default=True)  # False: a line no source can fill is held at review
    lead_time_days = peewee.IntegerField(null=True)  # suppliers
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

    @property
    def is_ops(self) -> bool:
        return self.role in OPS_ROLES


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

    @classmethod
    def issue(cls, user: User) -> str:
        """Create a token for ``user`` and return its clear text (never stored)."""
        token = "oms_" + secrets.token_urlsafe(32)
        cls.create(user=user, token_hash=hash_token(token), prefix=token[:12])
        return token

    @classmethod
    def user_for(cls, token: str) -> User | None:
        row = (cls.select(cls, User).join(User)
               .where(cls.token_hash == hash_token(token), cls.revoked_at.is_null(), User.active == True)  # noqa: E712
               .first())
        return row.user if row else None


register_tables(Partner, User, ApiToken)
