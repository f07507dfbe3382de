"""API tokens: "My API tokens" (create once-shown, list, revoke), the admins' list of all tokens, and expiry."""
import re
from datetime import timedelta

import pytest

from models.core.base import utc_now
from models.partners.api_tokens import create_token, revoke_by_prefix
from models.partners.tables import ApiToken, User
from tests.portal.conftest import USERS

CLEAR_TOKEN = re.compile(r"oms_[A-Za-z0-9_-]{40,}")


def user(role: str) -> User:
    return User.get(User.email == USERS[role][0])


def call_api(client, token: str):
    return client.get("/api/v1/orders/999999", headers={"Authorization": f"Bearer {token}"})


def test_a_user_creates_a_token_that_is_shown_once_and_works(auth, client):
    auth.login_as("distributor")
    created = client.post("/account/tokens", data={"name": "ERP sync", "expires_days": "30"})
    assert created.status_code == 200
    assert created.headers["Cache-Control"] == "no-store"
    clear = CLEAR_TOKEN.search(created.text)[0]
    row = ApiToken.get(ApiToken.user == user("distributor"))
    assert (row.name, row.prefix) == ("ERP sync", clear[:12])
    assert timedelta(days=29, hours=23) < row.expires_at - utc_now() <= timedelta(days=30)
    listed = client.get("/account/tokens").text
    assert clear not in listed and f"{clear[:12]}…" in listed and "ERP sync" in listed and "never" in listed
    assert call_api(client, clear).status_code == 404  # signed in by the token: the order is just missing
    assert ApiToken.get_by_id(row.id).last_used_at is not None
    assert "never" not in client.get("/account/tokens").text.split("<tbody>")[1].split("</td>")[3]


@pytest.mark.parametrize("data, message", [
    ({"name": ""}, "This field is required."),
    ({"name": "x" * 101}, "Field cannot be longer than 100 characters."),
    ({"name": "ok", "expires_days": "0"}, "Number must be between 1 and 3650."),
    ({"name": "ok", "expires_days": "soon"}, "Not a valid integer value."),
])
def test_a_bad_token_form_is_refused(auth, client, data, message):
    auth.login_as("ops_agent")
    response = client.post("/account/tokens", data=data)
    assert response.status_code == 422 and message in response.text
    assert ApiToken.select().count() == 0


def test_a_user_revokes_their_own_token_but_not_someone_elses(auth, client):
    _, mine = create_token(user("ops_agent"), name="mine")
    theirs, theirs_clear = create_token(user("credit_controller"), name="theirs")
    auth.login_as("ops_agent")
    own = ApiToken.get(ApiToken.name == "mine")
    assert "theirs" not in client.get("/account/tokens").text
    assert client.post(f"/account/tokens/{theirs.id}/revoke").status_code == 404
    assert ApiToken.user_for(theirs_clear) is not None
    response = client.post(f"/account/tokens/{own.id}/revoke")
    assert response.status_code == 302 and response.headers["Location"] == "/account/tokens"
    assert ApiToken.user_for(mine) is None
    assert call_api(client, mine).status_code == 401
    assert "revoked" in client.get("/account/tokens").text


def test_an_admin_lists_and_revokes_every_users_tokens(auth, client):
    token, clear = create_token(user("supplier"), name="stock feed")
    revoked, _ = create_token(user("ops_agent"), name="old one")
    revoke_by_prefix(revoked.prefix)
    auth.login_as("ops_admin")
    page = client.get("/admin/tokens").text
    assert "stock feed" in page and "sup1@relay.test" in page and token.prefix in page
    assert "old one" not in page  # revoked tokens are not listed
    assert client.post(f"/admin/tokens/{token.id}/revoke").status_code == 302
    assert ApiToken.user_for(clear) is None
    assert client.post(f"/admin/tokens/{token.id}/revoke").status_code == 404  # already revoked


@pytest.mark.parametrize("role", ["ops_agent", "credit_controller", "distributor", "supplier"])
def test_only_ops_admins_see_all_tokens(auth, client, role):
    token, _ = create_token(user("ops_admin"), name="admin's")
    auth.login_as(role)
    assert client.get("/admin/tokens").status_code == 403
    assert client.post(f"/admin/tokens/{token.id}/revoke").status_code == 403
    assert client.get("/account/tokens").status_code == 200


def test_an_expired_token_is_refused(app, client):
    agent = user("ops_agent")
    live = ApiToken.issue(agent, expires_at=utc_now() + timedelta(minutes=1))
    expired = ApiToken.issue(agent, expires_at=utc_now() - timedelta(seconds=1))
    assert ApiToken.user_for(live).id == agent.id
    assert ApiToken.user_for(expired) is None
    assert call_api(client, expired).status_code == 401
    assert ApiToken.user_for(live, now=utc_now() + timedelta(minutes=2)) is None


def test_a_deactivated_users_tokens_stop_working(app, client):
    from models.partners.accounts import deactivate_user

    _, clear = create_token(user("ops_agent"))
    deactivate_user(USERS["ops_agent"][0])
    assert call_api(client, clear).status_code == 401


def test_last_use_is_noted_at_most_once_a_minute(app):
    agent = user("ops_agent")
    clear = ApiToken.issue(agent)
    first = utc_now()
    ApiToken.user_for(clear, now=first)
    ApiToken.user_for(clear, now=first + timedelta(seconds=30))
    assert ApiToken.get().last_used_at == first
    ApiToken.user_for(clear, now=first + timedelta(seconds=61))
    assert ApiToken.get().last_used_at == first + timedelta(seconds=61)


@pytest.mark.parametrize("language, message", [("zh-Hant", "此欄位是必需的。"), ("zh-Hans", "该字段是必填字段。"),
                                               ("en", "This field is required.")])
def test_form_messages_come_in_the_page_language_and_script(auth, client, language, message):
    auth.login_as("ops_agent")
    client.get(f"/account/tokens?lang={language}")
    response = client.post("/account/tokens", data={"name": ""})
    assert response.status_code == 422 and message in response.text
