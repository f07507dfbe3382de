"""403, 404 and 500 as pages with the portal's navigation for people, JSON for the API; the 500 page renders
when the user cannot be loaded (the database may be what failed)."""
import pytest

from models.partners.api_tokens import create_token
from models.partners.tables import User
from tests.portal.conftest import USERS


@pytest.fixture
def failing_app(app):
    def boom():
        raise RuntimeError("the failure under test")

    app.add_url_rule("/ops/boom", "boom", boom)
    app.add_url_rule("/api/v1/boom", "api_boom", boom)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # answer as in production, not re-raised into the test
    return app


def test_404_page_has_the_navigation(client, auth):
    auth.login_as("ops_agent")
    answer = client.get("/no/such/page")
    assert answer.status_code == 404
    assert "Nothing here" in answer.text
    assert 'class="topbar"' in answer.text and 'href="/orders"' in answer.text and 'href="/home"' in answer.text


def test_404_of_a_missing_record(client, auth):
    auth.login_as("ops_admin")
    answer = client.get("/orders/999999")
    assert answer.status_code == 404 and "Nothing here" in answer.text


def test_403_page_names_the_role_and_links_home(client, auth):
    auth.login_as("distributor")
    answer = client.get("/ops/stuck")
    assert answer.status_code == 403
    assert "You may not open this page" in answer.text and "distributor" in answer.text
    assert 'href="/home"' in answer.text


def test_api_keeps_answering_json(client):
    token = create_token(User.get(User.email == USERS["distributor"][0]))[1]
    headers = {"Authorization": f"Bearer {token}"}
    missing = client.get("/api/v1/no-such-thing", headers=headers)
    assert missing.status_code == 404 and missing.is_json and missing.json["error"]
    refused = client.get("/api/v1/stuck", headers=headers)
    assert refused.status_code == 403 and refused.is_json


def test_500_page_renders_without_the_user_from_the_database(failing_app, client, auth, monkeypatch):
    auth.login_as("ops_agent")

    def database_gone(session_id):
        raise RuntimeError("database gone")

    monkeypatch.setattr("portal.auth.load_session_user", database_gone)
    answer = client.get("/ops/boom")
    assert answer.status_code == 500
    assert "Something went wrong" in answer.text and 'class="topbar"' in answer.text
    assert "the failure under test" not in answer.text  # no trace for people


def test_500_of_the_api_is_json(failing_app, client):
    answer = client.get("/api/v1/boom")
    assert answer.status_code == 500 and answer.json == {"error": "internal error"}
