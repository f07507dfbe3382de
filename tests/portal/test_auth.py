import re

import pytest

from models.core.db import database
from portal.auth import is_local_path
from tests.portal.conftest import USERS, build_app


def test_login_page_renders(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert 'name="email"' in response.text and 'name="password"' in response.text


@pytest.mark.parametrize("role", ["ops_admin", "ops_agent", "credit_controller", "distributor"])
def test_login_sends_order_desk_users_to_their_dashboard(auth, role):
    response = auth.login(USERS[role][0])
    assert response.status_code == 302
    assert response.headers["Location"] == "/home"


def test_login_sends_supplier_home(auth, client):
    response = auth.login(USERS["supplier"][0])
    assert response.headers["Location"] == "/supplier"
    assert client.get("/home").headers["Location"] == "/supplier"
    page = client.get("/supplier")
    assert page.status_code == 200 and "sup1@relay.test" in page.text


def test_login_is_case_insensitive_on_email(auth):
    assert auth.login("ADMIN@Relay.test").status_code == 302


@pytest.mark.parametrize("email, password", [
    ("admin@relay.test", "wrong-password"),
    ("nobody@relay.test", "correct-horse-1"),
    ("", ""),
])
def test_login_failure_is_generic_and_401(auth, client, email, password):
    response = auth.login(email, password)
    assert response.status_code == 401
    assert "Invalid email or password" in response.text
    assert client.get("/orders").status_code == 302  # still signed out


def test_inactive_user_cannot_sign_in(auth):
    from models.partners.tables import User

    User.update(active=False).where(User.email == "admin@relay.test").execute()
    assert auth.login("admin@relay.test").status_code == 401


def test_logout_signs_out(auth, client):
    auth.login_as("ops_admin")
    assert client.get("/orders").status_code == 200
    response = auth.logout()
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/orders").status_code == 302


def test_logout_is_post_only(auth, client):
    auth.login_as("ops_admin")
    assert client.get("/logout").status_code == 405
    assert client.get("/orders").status_code == 200


@pytest.mark.parametrize("path", ["/orders", "/orders/1", "/orders/new", "/home"])
def test_protected_pages_redirect_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_root_redirects_by_sign_in_state(auth, client):
    assert client.get("/").headers["Location"] == "/login"
    auth.login_as("ops_agent")
    assert client.get("/").headers["Location"] == "/home"


def test_login_follows_local_next(auth, client):
    response = client.post("/login?next=/orders/new", data={"email": USERS["ops_admin"][0],
                                                            "password": "correct-horse-1"})
    assert response.headers["Location"] == "/orders/new"


def test_login_ignores_foreign_next(client):
    response = client.post("/login?next=https://evil.example/x", data={"email": USERS["ops_admin"][0],
                                                                     "password": "correct-horse-1"})
    assert response.headers["Location"] == "/home"


@pytest.mark.parametrize("target, local", [
    ("/orders?status=on_hold", True),
    ("/orders/new", True),
    ("//evil.example/x", False),
    ("/\\evil.example", False),
    ("/\t/evil.example", False),
    ("https://evil.example/", False),
    ("javascript:alert(1)", False),
    ("orders", False),
    ("", False),
    (None, False),
])
def test_is_local_path(target, local):
    assert is_local_path(target) is local


def test_supplier_is_forbidden_on_order_desk(auth, client):
    auth.login_as("supplier")
    assert client.get("/orders").status_code == 403
    assert client.get("/orders/new").status_code == 403


def test_nav_shows_user_and_logout_form(auth, client):
    auth.login_as("credit_controller")
    page = client.get("/orders").text
    assert "credit@relay.test" in page and ">credit controller<" in page  # the role in words
    assert ">信用管理員<" in client.get("/orders?lang=zh-Hant").text
    assert 'action="/logout"' in page and 'method="post"' in page


def test_post_without_csrf_token_is_rejected(tmp_path, sqlite_url):
    from models.partners.accounts import create_user

    app = build_app(tmp_path, sqlite_url, WTF_CSRF_ENABLED=True)
    try:
        create_user("admin@relay.test", "ops_admin", password="correct-horse-1")
        client = app.test_client()
        data = {"email": "admin@relay.test", "password": "correct-horse-1"}
        assert client.post("/login", data=data).status_code == 400
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/login").text)[1]
        assert client.post("/login", data=data | {"csrf_token": token}).status_code == 302
        assert client.post("/logout").status_code == 400
        assert client.get("/orders").status_code == 200  # the tokenless logout did nothing
    finally:
        database.close()
