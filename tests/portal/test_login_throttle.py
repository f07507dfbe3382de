"""Signing in under attack: a lock-out per email, a rate limit per client, the admin's unlock, one hash per try,
and the client address behind trusted proxies."""
from datetime import datetime

import pytest

from models.core.db import database
from models.partners import accounts
from models.partners.accounts import create_user
from models.partners.tables import LoginThrottle, User
from portal.app import create_app
from tests.conftest import copy_sqlite_template, settings_for
from tests.portal.conftest import PASSWORD, USERS

NOW = datetime(2024, 5, 1, 12, 0, 15)  # 45 s before the next one-minute window
TOO_MANY = "Too many sign-in attempts"


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    """Every attempt in a test falls in one rate-limit window, however slow the machine."""
    monkeypatch.setattr("portal.auth.utc_now", lambda: NOW)
    monkeypatch.setattr("models.partners.login_throttle.utc_now", lambda: NOW)


def from_ip(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


def fail_five_times(auth, email: str) -> list:
    return [auth.login(email, "wrong-password", **from_ip(f"10.0.0.{n}")) for n in range(5)]


@pytest.mark.parametrize("email", ["agent@relay.test", "nobody@relay.test"], ids=["known", "unknown"])
def test_five_wrong_passwords_lock_the_email_out_with_one_generic_answer(auth, email):
    answers = fail_five_times(auth, email)  # from five addresses: the lock is per account, not per client
    assert [answer.status_code for answer in answers] == [401, 401, 401, 401, 429]
    refused = auth.login(email, PASSWORD, **from_ip("10.0.1.1"))
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "900"
    assert TOO_MANY in refused.text and "Invalid email or password" not in refused.text


def test_the_answers_for_a_known_and_an_unknown_email_are_the_same(auth):
    known = fail_five_times(auth, "agent@relay.test") + [auth.login("agent@relay.test", **from_ip("10.0.1.1"))]
    unknown = fail_five_times(auth, "nobody@relay.test") + [auth.login("nobody@relay.test", **from_ip("10.0.1.1"))]
    assert ([(a.status_code, a.headers.get("Retry-After"), a.text.replace("agent@", "nobody@")) for a in known]
            == [(a.status_code, a.headers.get("Retry-After"), a.text) for a in unknown])


def test_a_lock_out_does_not_touch_other_accounts(auth):
    fail_five_times(auth, "agent@relay.test")
    assert auth.login(USERS["ops_admin"][0], **from_ip("10.0.1.1")).status_code == 302


def test_one_client_gets_twenty_attempts_a_minute_then_429_and_another_client_gets_through(auth):
    for n in range(20):
        assert auth.login(f"user{n}@relay.test", "wrong-password").status_code == 401
    refused = auth.login(USERS["ops_admin"][0])
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "45"
    assert TOO_MANY in refused.text
    assert auth.login(USERS["ops_admin"][0], **from_ip("10.0.0.2")).status_code == 302


def test_an_unknown_email_costs_one_password_hash_like_a_known_one(auth, monkeypatch):
    checked = []
    real = accounts.check_password_hash
    monkeypatch.setattr(accounts, "check_password_hash",
                        lambda stored, given: checked.append(stored) or real(stored, given))
    assert auth.login("nobody@relay.test", "wrong-password").status_code == 401
    assert len(checked) == 1
    assert auth.login("agent@relay.test", "wrong-password").status_code == 401
    assert len(checked) == 2


def test_an_admin_sees_the_lock_out_and_lifts_it(auth, client):
    fail_five_times(auth, "agent@relay.test")
    auth.login_as("ops_admin")
    page = client.get("/admin/users")
    assert page.status_code == 200
    assert "locked until 2024-05-01 12:15 UTC" in page.text
    agent = User.get(User.email == "agent@relay.test")
    response = client.post(f"/admin/users/{agent.id}/unlock")
    assert response.status_code == 302 and response.headers["Location"] == "/admin/users"
    assert "agent@relay.test unlocked." in client.get("/admin/users").text
    assert LoginThrottle.select().count() == 0
    auth.logout()
    assert auth.login("agent@relay.test").status_code == 302


@pytest.mark.parametrize("role", ["ops_agent", "credit_controller", "distributor", "supplier"])
def test_only_ops_admins_see_users_or_unlock(auth, client, role):
    auth.login_as(role)
    agent = User.get(User.email == "agent@relay.test")
    assert client.get("/admin/users").status_code == 403
    assert client.post(f"/admin/users/{agent.id}/unlock").status_code == 403
    assert client.post(f"/admin/users/{agent.id}/deactivate").status_code == 403


def test_an_admin_deactivates_a_user_but_not_themselves(auth, client):
    auth.login_as("ops_admin")
    agent = User.get(User.email == "agent@relay.test")
    admin = User.get(User.email == USERS["ops_admin"][0])
    assert client.post(f"/admin/users/{agent.id}/deactivate").status_code == 302
    assert User.get_by_id(agent.id).active is False
    client.post(f"/admin/users/{admin.id}/deactivate")
    assert User.get_by_id(admin.id).active is True
    assert "You cannot deactivate your own account." in client.get("/admin/users").text
    assert client.post("/admin/users/999999/unlock").status_code == 404


# --- the client address behind a load balancer -----------------------------------------------------------------

@pytest.fixture
def proxied_app(tmp_path, sqlite_url, request):
    """The portal with OMS_TRUSTED_PROXIES set to the test's parameter."""
    copy_sqlite_template(sqlite_url)
    settings = settings_for(tmp_path, OMS_DATABASE_URL=sqlite_url, OMS_TRUSTED_PROXIES=str(request.param),
                            OMS_LOGIN_ATTEMPTS_PER_MINUTE="2")
    app = create_app(settings, test_config={"TESTING": True, "WTF_CSRF_ENABLED": False})
    database.connect(reuse_if_open=True)
    create_user("agent@relay.test", "ops_agent", password=PASSWORD)
    yield app
    database.close()


def login_through_proxy(client, forwarded_for: str):
    """A wrong password as the load balancer (10.1.1.1) passes it on for the client in ``forwarded_for``."""
    return client.post("/login", data={"email": "agent@relay.test", "password": "wrong"},
                       headers={"X-Forwarded-For": forwarded_for}, environ_base={"REMOTE_ADDR": "10.1.1.1"})


@pytest.mark.parametrize("proxied_app", [0], indirect=True)
def test_without_trusted_proxies_the_forwarded_header_is_ignored(proxied_app):
    client = proxied_app.test_client()
    assert login_through_proxy(client, "203.0.113.1").status_code == 401
    assert login_through_proxy(client, "203.0.113.2").status_code == 401
    assert login_through_proxy(client, "203.0.113.3").status_code == 429  # all one client: the proxy


@pytest.mark.parametrize("proxied_app", [1], indirect=True)
def test_behind_one_trusted_proxy_each_forwarded_client_has_its_own_limit(proxied_app):
    client = proxied_app.test_client()
    assert login_through_proxy(client, "203.0.113.1").status_code == 401
    assert login_through_proxy(client, "203.0.113.2").status_code == 401
    assert login_through_proxy(client, "203.0.113.1").status_code == 401
    assert login_through_proxy(client, "203.0.113.1").status_code == 429
    # A client cannot pose as another by sending its own header: the proxy appends the real address.
    assert login_through_proxy(client, "198.51.100.7, 203.0.113.1").status_code == 429
    assert login_through_proxy(client, "203.0.113.1, 203.0.113.3").status_code == 401


@pytest.mark.parametrize("proxied_app", [1], indirect=True)
def test_behind_one_trusted_proxy_the_tracking_page_counts_per_forwarded_client(proxied_app, monkeypatch):
    monkeypatch.setattr("portal.tracking_page.utc_now", lambda: NOW)
    client = proxied_app.test_client()

    def look_up(forwarded_for):
        return client.get("/track?order=PO-404&postcode=X", headers={"X-Forwarded-For": forwarded_for},
                          environ_base={"REMOTE_ADDR": "10.1.1.1"}).status_code

    assert [look_up("203.0.113.1") for _ in range(11)] == [200] * 10 + [429]
    assert look_up("203.0.113.2") == 200
