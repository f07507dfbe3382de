"""Signing in with a lock-out per email: too many wrong passwords lock the email out for a while.

Failures are counted per email typed, whether or not an account has it, so a lock-out answers the same for every
email and tells nobody which ones exist. An ops admin lifts a lock-out early with ``unlock_account``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from peewee import Case

from models.core.base import utc_now
from models.core.db import database
from models.partners.accounts import authenticate
from models.partners.tables import LoginThrottle, User


@dataclass(frozen=True)
class LockoutPolicy:
    max_failures: int  # wrong passwords in a row that lock the email out
    lockout: timedelta  # how long the lock lasts; failures further apart than this start the count again


@dataclass(frozen=True)
class SignInOutcome:
    """A signed-in user, or None; ``locked_until`` is set when the email is locked out (now or by this try)."""

    user: User | None = None
    locked_until: datetime | None = None


def sign_in(email: str, password: str, *, policy: LockoutPolicy, now: datetime | None = None) -> SignInOutcome:
    """Check the password unless the email is locked out; count a wrong one, clear the count on success."""
    email, now = normalise_email(email), now or utc_now()
    until = locked_until(email, now=now)
    if until is not None:
        return SignInOutcome(locked_until=until)
    user = authenticate(email, password)
    if user is not None:
        LoginThrottle.delete().where(LoginThrottle.email == email).execute()
        return SignInOutcome(user=user)
    return SignInOutcome(locked_until=record_failure(email, policy=policy, now=now))


def locked_until(email: str, *, now: datetime | None = None) -> datetime | None:
    """When the lock-out of ``email`` ends, or None when it is not locked out."""
    row = (LoginThrottle.select(LoginThrottle.locked_until)
           .where(LoginThrottle.email == normalise_email(email), LoginThrottle.locked_until > (now or utc_now()))
           .first())
    return row.locked_until if row else None


def record_failure(email: str, *, policy: LockoutPolicy, now: datetime | None = None) -> datetime | None:
    """Count one wrong password for ``email``; when that makes ``max_failures``, lock it out and return until when."""
    email, now = normalise_email(email), now or utc_now()
    with database.atomic():
        restart = LoginThrottle.last_failure_at < now - policy.lockout
        (LoginThrottle.insert(email=email, failures=1, last_failure_at=now)
         .on_conflict(conflict_target=[LoginThrottle.email],
                      update={LoginThrottle.failures: Case(None, ((restart, 1),), LoginThrottle.failures + 1),
                              LoginThrottle.last_failure_at: now})
         .execute())
        failures = LoginThrottle.get(LoginThrottle.email == email).failures
        if failures < policy.max_failures:
            return None
        until = now + policy.lockout
        LoginThrottle.update(failures=0, locked_until=until).where(LoginThrottle.email == email).execute()
        # Someone is guessing this account's password: whoever is signed in to it signs in again after the lock.
        User.update(session_version=User.session_version + 1).where(User.email == email).execute()
    return until


def unlock_account(email: str, *, now: datetime | None = None) -> bool:
    """Lift the lock-out of ``email`` and forget its failures (ending its sessions); True if it was locked out."""
    email = normalise_email(email)
    with database.atomic():
        was_locked = locked_until(email, now=now) is not None
        LoginThrottle.delete().where(LoginThrottle.email == email).execute()
        User.update(session_version=User.session_version + 1).where(User.email == email).execute()
    return was_locked


def lockouts(emails: list[str], *, now: datetime | None = None) -> dict[str, datetime]:
    """The emails among ``emails`` that are locked out now, with when each lock ends (one query)."""
    rows = (LoginThrottle.select(LoginThrottle.email, LoginThrottle.locked_until)
            .where(LoginThrottle.email.in_([normalise_email(email) for email in emails]),
                   LoginThrottle.locked_until > (now or utc_now())))
    return {row.email: row.locked_until for row in rows}


def forget_old_failures(*, older_than: timedelta, now: datetime | None = None) -> int:
    """Delete counts whose last failure is older than ``older_than`` and that lock nothing now; how many went."""
    now = now or utc_now()
    return (LoginThrottle.delete()
            .where(LoginThrottle.last_failure_at < now - older_than,
                   LoginThrottle.locked_until.is_null() | (LoginThrottle.locked_until <= now))
            .execute())


def normalise_email(email: str) -> str:
    return email.strip().lower()[:254]
