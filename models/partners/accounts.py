"""Creating users, checking their passwords (hashed with werkzeug's scrypt/pbkdf2) and ending their sessions."""
from __future__ import annotations

import functools
import secrets

from werkzeug.security import check_password_hash, generate_password_hash

from models.core.errors import ValidationFailed
from models.core.text_messages import TextMessage
from models.core.texts import Text
from models.partners.tables import ROLE_PARTNER_KIND, ROLES, Partner, User


def create_user(email: str, role: str, *, partner_code: str | None = None,
                password: str | None = None) -> tuple[User, str]:
    """Create or update the user ``email``; return (user, password). A password is generated when none is given."""
    email = email.strip().lower()
    if "@" not in email:
        raise ValidationFailed({"email": [TextMessage(Text("%(email)s is not an email address", email=repr(email)))]})
    if role not in ROLES:
        raise ValidationFailed({"role": [TextMessage(Text("unknown role %(role)s; one of %(roles)s", role=repr(role),
                                                           roles=", ".join(ROLES)))]})
    partner = _partner_for(role, partner_code)
    password = password or secrets.token_urlsafe(12)
    if len(password) < 8:
        raise ValidationFailed({"password": [TextMessage(Text("at least 8 characters"))]})
    user = User.get_or_none(User.email == email)
    if user is None:
        user = User.create(email=email, role=role, partner=partner, password_hash=generate_password_hash(password))
    else:
        user.role, user.partner, user.active = role, partner, True
        user.password_hash = generate_password_hash(password)
        user.save()
        end_sessions(user.id)  # a new password signs out whoever held the old one
    return user, password


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, else None."""
    user = User.get_or_none(User.email == email.strip().lower(), User.active == True)  # noqa: E712
    # An unknown or inactive email is checked against a dummy hash of the same algorithm: answering it without
    # hashing would be ~30x quicker and tell an attacker which emails have accounts.
    matches = check_password_hash(user.password_hash if user else _dummy_hash(), password)
    return user if user is not None and matches else None


def deactivate_user(email: str) -> User | None:
    """Stop the user signing in or using tokens and end their sessions; None when there is no such user."""
    user = User.get_or_none(User.email == email.strip().lower())
    if user is not None:
        User.update(active=False, session_version=User.session_version + 1).where(User.id == user.id).execute()
    return user


def end_sessions(user_id: int) -> None:
    """Refuse every session cookie issued to the user so far (see portal.auth.PortalUser.get_id)."""
    User.update(session_version=User.session_version + 1).where(User.id == user_id).execute()


@functools.cache
def _dummy_hash() -> str:
    return generate_password_hash(secrets.token_urlsafe(16))


def _partner_for(role: str, partner_code: str | None) -> Partner | None:
    kind = ROLE_PARTNER_KIND.get(role)
    if kind is None:
        if partner_code:
            raise ValidationFailed({"partner": [TextMessage(Text("role %(role)s is not bound to a partner",
                                                                  role=role))]})
        return None
    if not partner_code:
        raise ValidationFailed({"partner": [TextMessage(Text(
            "role %(role)s needs --partner with the code of a %(kind)s", role=role, kind=kind))]})
    partner = Partner.get_or_none(Partner.code == partner_code)
    if partner is None or partner.kind != kind:
        raise ValidationFailed({"partner": [TextMessage(Text("no %(kind)s with code %(code)s", kind=kind,
                                                              code=repr(partner_code)))]})
    return partner
