"""Creating users and checking their passwords (hashed with werkzeug's scrypt/pbkdf2)."""
from __future__ import annotations

import secrets

from werkzeug.security import check_password_hash, generate_password_hash

from models.core.errors import ValidationFailed
from models.partners.tables import ROLE_PARTNER_KIND, ROLES, Partner, User


def create_user(email: str, role: str, *, partner_code: str | None = None,
                password: str | None = None) -> tuple[User, str]:
    """Create or update the user ``email``; return (user, password). A password is generated when none is given."""
    email = email.strip().lower()
    if "@" not in email:
        raise ValidationFailed({"email": [f"{email!r} is not an email address"]})
    if role not in ROLES:
        raise ValidationFailed({"role": [f"unknown role {role!r}; one of {', '.join(ROLES)}"]})
    partner = _partner_for(role, partner_code)
    password = password or secrets.token_urlsafe(12)
    if len(password) < 8:
        raise ValidationFailed({"password": ["at least 8 characters"]})
    user = User.get_or_none(User.email == email)
    if user is None:
        user = User.create(email=email, role=role, partner=partner, password_hash=generate_password_hash(password))
    else:
        user.role, user.partner, user.active = role, partner, True
        user.password_hash = generate_password_hash(password)
        user.save()
    return user, password


def authenticate(email: str, password: str) -> User | None:
    user = User.get_or_none(User.email == email.strip().lower(), User.active == True)  # noqa: E712
    if user is None or not check_password_hash(user.password_hash, password):
        return None
    return user


def _partner_for(role: str, partner_code: str | None) -> Partner | None:
    kind = ROLE_PARTNER_KIND.get(role)
    if kind is None:
        if partner_code:
            raise ValidationFailed({"partner": [f"role {role} is not bound to a partner"]})
        return None
    if not partner_code:
        raise ValidationFailed({"partner": [f"role {role} needs --partner with the code of a {kind}"]})
    partner = Partner.get_or_none(Partner.code == partner_code)
    if partner is None or partner.kind != kind:
        raise ValidationFailed({"partner": [f"no {kind} with code {partner_code!r}"]})
    return partner
