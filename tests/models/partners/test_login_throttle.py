"""The sign-in lock-out per email: counted for known and unknown emails alike, lifted by time or by an admin."""
from datetime import datetime, timedelta

import pytest
from werkzeug.security import generate_password_hash

from models.partners import accounts
from models.partners.accounts import create_user
from models.partners.login_throttle import (
    LockoutPolicy,
    SignInOutcome,
    forget_old_failures,
    locked_until,
    lockouts,
    sign_in,
    unlock_account,
)
from models.partners.tables import LoginThrottle, User

POLICY = LockoutPolicy(max_failures=3, lockout=timedelta(minutes=15))
T0 = datetime(2024, 5, 1, 12, 0)
PASSWORD = "correct-horse-1"


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch):
    monkeypatch.setattr(accounts, "generate_password_hash",
                        lambda password: generate_password_hash(password, method="pbkdf2:sha256:1000"))


@pytest.fixture
def agent(any_db):
    return create_user("agent@relay.test", "ops_agent", password=PASSWORD)[0]


def attempt(email, password="wrong-password", *, minutes=0):
    return sign_in(email, password, policy=POLICY, now=T0 + timedelta(minutes=minutes))


def version(user) -> int:
    return User.get_by_id(user.id).session_version


@pytest.mark.parametrize("email", ["agent@relay.test", "nobody@relay.test"], ids=["known", "unknown"])
def test_the_third_wrong_password_locks_the_email_out_known_or_not(agent, email):
    assert attempt(email) == SignInOutcome()  # a plain failure
    assert attempt(email, minutes=1) == SignInOutcome()
    locked = attempt(email, minutes=2)
    assert locked.user is None and locked.locked_until == T0 + timedelta(minutes=17)
    assert attempt(f"  {email.upper()} ", minutes=3).locked_until == T0 + timedelta(minutes=17)
    assert locked_until(email, now=T0 + timedelta(minutes=16)) == T0 + timedelta(minutes=17)


def test_a_locked_out_account_is_refused_even_with_the_right_password(agent):
    for minute in range(3):
        attempt("agent@relay.test", minutes=minute)
    refused = attempt("agent@relay.test", PASSWORD, minutes=5)
    assert refused.user is None and refused.locked_until == T0 + timedelta(minutes=17)
    after = attempt("agent@relay.test", PASSWORD, minutes=17)  # the lock has run out
    assert after.user.id == agent.id and after.locked_until is None
    assert LoginThrottle.select().count() == 0  # success forgets the failures


def test_failures_further_apart_than_the_lockout_start_counting_again(agent):
    attempt("agent@relay.test")
    attempt("agent@relay.test", minutes=10)
    assert attempt("agent@relay.test", minutes=26).locked_until is None  # 16 minutes after the last failure
    assert LoginThrottle.get().failures == 1


def test_a_success_resets_the_count(agent):
    attempt("agent@relay.test")
    attempt("agent@relay.test", minutes=1)
    assert attempt("agent@relay.test", PASSWORD, minutes=2).user.id == agent.id
    assert attempt("agent@relay.test", minutes=3).locked_until is None


def test_the_lock_out_ends_the_accounts_sessions(agent):
    before = version(agent)
    for minute in range(3):
        attempt("agent@relay.test", minutes=minute)
    assert version(agent) == before + 1


def test_unlock_lifts_the_lock_out_and_ends_sessions(agent):
    for minute in range(3):
        attempt("agent@relay.test", minutes=minute)
    before = version(agent)
    assert unlock_account("Agent@relay.test ", now=T0 + timedelta(minutes=4)) is True
    assert version(agent) == before + 1
    assert attempt("agent@relay.test", PASSWORD, minutes=5).user.id == agent.id
    assert unlock_account("agent@relay.test", now=T0 + timedelta(minutes=6)) is False


def test_lockouts_lists_only_emails_locked_out_now(agent):
    for minute in range(3):
        attempt("agent@relay.test", minutes=minute)
    attempt("other@relay.test")
    assert lockouts(["agent@relay.test", "other@relay.test"], now=T0 + timedelta(minutes=5)) == {
        "agent@relay.test": T0 + timedelta(minutes=17)}
    assert lockouts(["agent@relay.test"], now=T0 + timedelta(minutes=18)) == {}


def test_old_failures_are_forgotten_but_running_lock_outs_kept(agent):
    for minute in range(3):
        attempt("agent@relay.test", minutes=minute)
    attempt("other@relay.test")
    assert forget_old_failures(older_than=timedelta(minutes=10), now=T0 + timedelta(minutes=12)) == 1
    assert [row.email for row in LoginThrottle.select()] == ["agent@relay.test"]
    assert forget_old_failures(older_than=timedelta(minutes=10), now=T0 + timedelta(minutes=18)) == 1


@pytest.mark.parametrize("email", ["nobody@relay.test", "inactive@relay.test"])
def test_an_unknown_or_inactive_email_still_checks_one_hash(agent, monkeypatch, email):
    create_user("inactive@relay.test", "ops_agent", password=PASSWORD)
    User.update(active=False).where(User.email == "inactive@relay.test").execute()
    accounts._dummy_hash.cache_clear()  # made again with this test's hashing
    checked = []
    real = accounts.check_password_hash
    monkeypatch.setattr(accounts, "check_password_hash", lambda stored, given: checked.append(stored) or real(
        stored, given))
    assert accounts.authenticate(email, PASSWORD) is None
    assert len(checked) == 1 and checked[0].startswith("pbkdf2:sha256")  # the same algorithm as real hashes
