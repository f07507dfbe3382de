"""Session cookies: their flags, and a copied cookie refused once the user signed out, got a new password, was
deactivated, locked out or unlocked."""
from datetime import timedelta

import pytest

from models.core.db import database
from models.partners.accounts import create_user, deactivate_user
from models.partners.login_throttle import LockoutPolicy, record_failure, unlock_account
from models.partners.tables import User
from portal.app import create_app
from tests.conftest import copy_sqlite_template, settings_for
from tests.portal.conftest import PASSWORD, USERS


def session_cookie(response) -> str:
    return next(header for header in response.headers.getlist("Set-Cookie") if header.startswith("session="))


@pytest.fixture
def portal_at(tmp_path, sqlite_url):
    """Build the portal with the given OMS_* settings, one user in it; yields a factory."""
    copy_sqlite_template(sqlite_url)

    def build(**env):
        app = create_app(settings_for(tmp_path, OMS_DATABASE_URL=sqlite_url, **env),
                         test_config={"TESTING": True, "WTF_CSRF_ENABLED": False})
        database.connect(reuse_if_open=True)
        if not User.select().exists():
            create_user("admin@relay.test", "ops_admin", password=PASSWORD)
        return app

    yield build
    database.close()


def sign_in(app):
    return app.test_client().post("/login", data={"email": "admin@relay.test", "password": PASSWORD})


@pytest.mark.parametrize("env, secure", [
    ({"OMS_PORTAL_URL": "http://oms.internal:8000"}, False),
    ({"OMS_PORTAL_URL": "https://oms.example.com"}, True),
    ({"OMS_PORTAL_URL": "https://oms.example.com", "OMS_SECURE_COOKIES": "0"}, False),
    ({"OMS_PORTAL_URL": "http://oms.internal:8000", "OMS_SECURE_COOKIES": "true"}, True),
], ids=["http", "https", "https-turned-off", "http-turned-on"])
def test_cookies_are_secure_over_https_and_always_http_only_and_same_site_lax(portal_at, env, secure):
    app = portal_at(**env)
    assert app.config["SESSION_COOKIE_SECURE"] is secure and app.config["REMEMBER_COOKIE_SECURE"] is secure
    assert app.config["REMEMBER_COOKIE_HTTPONLY"] is True and app.config["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    cookie = session_cookie(sign_in(app))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert ("Secure" in cookie.split("; ")) is secure


def replay(client, cookie_value: str, path: str = "/orders") -> int:
    """Send ``cookie_value`` as the session cookie, as an attacker who copied it would."""
    client.set_cookie("session", cookie_value)
    return client.get(path).status_code


def stolen_cookie(auth, client) -> str:
    auth.login_as("ops_admin")
    assert client.get("/orders").status_code == 200
    return client.get_cookie("session").value


def test_a_session_cookie_replayed_after_sign_out_is_refused(auth, client, app):
    copied = stolen_cookie(auth, client)
    auth.logout()
    assert replay(client, copied) == 302
    assert replay(app.test_client(), copied) == 302  # from another browser too


def test_signing_out_ends_the_users_other_sessions(auth, client, app):
    other = app.test_client()
    assert other.post("/login", data={"email": USERS["ops_admin"][0], "password": PASSWORD}).status_code == 302
    auth.login_as("ops_admin")
    auth.logout()
    assert other.get("/orders").status_code == 302


@pytest.mark.parametrize("change", [
    lambda: create_user("admin@relay.test", "ops_admin", password="a-new-password-2"),
    lambda: deactivate_user("admin@relay.test"),
    lambda: record_failure("admin@relay.test", policy=LockoutPolicy(max_failures=1, lockout=timedelta(minutes=1))),
    lambda: unlock_account("admin@relay.test"),
], ids=["password-changed", "deactivated", "locked-out", "unlocked"])
def test_a_session_ends_when_the_account_changes(auth, client, change):
    copied = stolen_cookie(auth, client)
    change()
    assert replay(client, copied) == 302


def test_the_session_keeps_the_user_id_and_session_version(auth, client, app):
    auth.login_as("ops_admin")
    user = User.get(User.email == USERS["ops_admin"][0])
    with client.session_transaction() as kept:
        assert kept["_user_id"] == f"{user.id}:{user.session_version}"


@pytest.mark.parametrize("session_id", ["1", "1:x", "x:0", "1:0:0", "", "١:0"])
def test_a_session_id_without_a_current_version_is_refused(app, session_id):
    from portal.auth import load_session_user

    assert load_session_user(session_id) is None  # "1": a session from before session versions


def test_the_current_session_id_loads_the_user(app):
    from portal.auth import load_session_user

    user = User.get(User.email == USERS["ops_admin"][0])
    assert load_session_user(f"{user.id}:{user.session_version}").email == user.email
    assert load_session_user(f"{user.id}:{user.session_version + 1}") is None
